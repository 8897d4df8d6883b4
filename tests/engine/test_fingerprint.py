"""The live state's fingerprint, fed one read at a time, is the hash of the whole sorted dump
(the value saved plans and golden plans hold)."""

from __future__ import annotations

import gc
import hashlib
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from provisioner.engine.gcpause import gc_paused
from provisioner.engine.live import fingerprint

LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
          | st.text())
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)


def whole_text_hash(results: Any) -> str:
    """How the fingerprint was made before it was fed per read (the whole text at once)."""
    text = json.dumps(results, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@given(st.dictionaries(st.text(max_size=8), VALUES, max_size=6))
def test_fed_per_read_it_is_the_hash_of_the_whole_dump(results: dict[str, Any]) -> None:
    assert fingerprint(results) == whole_text_hash(results)


def test_empty_and_odd_values_hash_as_the_whole_dump() -> None:
    odd = {"b": [ValueError("not JSON: by str()")], "a": {"\ud800": "lone surrogate", "é": 1.5},
           "": None}
    assert fingerprint({}) == whole_text_hash({})
    assert fingerprint(odd) == whole_text_hash(odd)


def test_the_collector_is_paused_in_the_block_and_back_after_it() -> None:
    assert gc.isenabled()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_pause_inside_a_disabled_collector_leaves_it_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_a_pause_made_is_in_the_oldest_generation_after_it() -> None:
    """So that the first collections after a load or a read do not walk all of it again."""
    with gc_paused():
        made = [[n] for n in range(1000)]
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(item) in oldest for item in made)
    assert gc.get_count()[0] < 100 and gc.isenabled()


def test_objects_frozen_by_someone_else_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()

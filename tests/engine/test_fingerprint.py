"""The live state's fingerprint: one value for one content, whatever the order the portal
listed keys in; another for another content; no crash on what JSON holds and UTF-8 does not;
and the collector's pause around loading and reading."""

from __future__ import annotations

import gc
import hashlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from provisioner.engine.gcpause import gc_paused
from provisioner.engine.live import combined, fingerprint, read_digest

LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
          | st.text())
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=12)
RESULTS = st.dictionaries(st.text(max_size=8), VALUES, max_size=6)


def reversed_order(value: Any) -> Any:
    """The same content, every mapping's keys inserted in the opposite order."""
    if isinstance(value, dict):
        return {k: reversed_order(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_order(v) for v in value]
    return value


@given(RESULTS)
def test_the_order_of_keys_does_not_change_it(results: dict[str, Any]) -> None:
    assert fingerprint(reversed_order(results)) == fingerprint(results)


@given(RESULTS, st.data())
def test_another_answer_changes_it(results: dict[str, Any], data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(results)) if results else st.just("k"))
    changed = {**results, key: [results.get(key)]}  # the answer wrapped: another content
    assert fingerprint(changed) != fingerprint(results)
    assert fingerprint({**results, key + "~": None}) != fingerprint(results)


def test_odd_values_have_a_fingerprint_of_their_own() -> None:
    odd = {"b": [ValueError("not JSON: by str()")], "a": {"\ud800": "lone surrogate", "é": 1.5},
           "": None, "big": 2**70}
    assert fingerprint(odd) == fingerprint(dict(reversed(odd.items())))
    assert fingerprint(odd) != fingerprint({**odd, "a": {"\ud801": "lone surrogate", "é": 1.5}})
    assert fingerprint({"n": 2**70}) != fingerprint({"n": 2**70 + 1})


def test_its_value_is_pinned() -> None:
    """The definition (each read `{key: answer}` serialised by orjson with sorted keys and
    hashed, the reads' digests hashed in key order) as plan --json shows it: a change of it
    shows here first."""
    assert fingerprint({}) == "e3b0c44298fc1c14"  # SHA-256 of nothing
    assert fingerprint({"stages": [{"ID": "1", "NAME": "Новая"}], "app": {"ok": True}}) == \
        "aa2ff12b9310b365"
    digests = {"app": read_digest("app", {"ok": True}),
               "stages": read_digest("stages", [{"ID": "1", "NAME": "Новая"}])}
    assert combined(digests) == hashlib.sha256(digests["app"] + digests["stages"]).hexdigest()[:16]


@given(RESULTS)
def test_reads_taken_one_by_one_in_any_order_give_the_same_value(results: dict[str, Any]
                                                                  ) -> None:
    """The live step hashes each read as it arrives (in the order the batches answer) and
    drops it: the combined value is the fingerprint of all of them."""
    digests = {key: read_digest(key, results[key]) for key in reversed(list(results))}
    assert combined(digests) == fingerprint(results)


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

"""Property-based fuzzing of the loader: any text, any TOML tree, any mutation of a valid state.

The property: `load_text` either returns a desired state or raises ConfigError whose every
problem names the file and a key; nothing else escapes (no KeyError, TypeError, traceback).
Examples are bounded for CI (tests/profiles.py); raise them with HYPOTHESIS_PROFILE=deep.
"""

from __future__ import annotations

import copy
import string
from typing import Any

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from provisioner import engine
from provisioner.errors import ConfigError

NAME = "fuzz.toml"
KEYS = ("deal", "pipelines", "sales", "hr", "stages", "code", "name", "color", "semantics",
        "default", "sort", "lead", "statuses", "lists", "SOURCE", "items", "WEB", "NEW", "WON")
VALID: dict[str, Any] = {
    "deal": {"pipelines": {"sales": {"name": "Продажи", "default": True, "stages": [
        {"code": "NEW", "name": "Новая", "color": "#39A8EF"},
        {"code": "WON", "name": "Успех", "semantics": "success"},
        {"code": "LOSE", "name": "Провал", "semantics": "failure"}]}}},
    "lists": {"SOURCE": {"items": [{"code": "WEB", "name": "Сайт"}]}},
}


def check_outcome(text: str) -> None:
    try:
        engine.load_text(text, NAME)
    except ConfigError as exc:
        assert exc.problems, "a ConfigError without problems"
        for problem in exc.problems:
            assert problem.file == NAME
            assert problem.key and problem.message
        assert NAME in str(exc)


# Scalars TOML can hold (no NaN: it never equals itself, which says nothing about the loader).
scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(),
                    st.floats(allow_nan=False), st.sampled_from(["success", "failure", "#FFFFFF",
                                                                 "NEW", "", " "]))
keys = st.one_of(st.sampled_from(KEYS), st.text(string.ascii_letters + "_-", min_size=1,
                                                max_size=12))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    check_outcome(text)


@given(st.dictionaries(keys, trees, max_size=4))
def test_any_toml_tree(tree: dict[str, Any]) -> None:
    try:
        text = tomli_w.dumps(tree)
    except (TypeError, ValueError):  # e.g. an array mixing tables and scalars: not TOML
        return
    check_outcome(text)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*path, index))
    return out


PATHS = _paths(VALID)


@given(st.sampled_from(PATHS), st.one_of(trees, st.just(None)), st.booleans())
def test_one_mutation_of_a_valid_state(path: tuple[Any, ...], value: Any, add_key: bool) -> None:
    tree = copy.deepcopy(VALID)
    node: Any = tree
    for step in path[:-1]:
        node = node[step]
    if value is None:
        del node[path[-1]]
    elif add_key and isinstance(node, dict):
        node["x_" + str(path[-1])] = value
    else:
        node[path[-1]] = value
    try:
        text = tomli_w.dumps(tree)
    except (TypeError, ValueError):
        return
    check_outcome(text)


@given(st.binary(max_size=300))
def test_byte_noise_inside_a_valid_file(noise: bytes) -> None:
    text = tomli_w.dumps(VALID) + noise.decode("utf-8", "replace")
    check_outcome(text)


def test_the_valid_state_is_valid() -> None:
    engine.load_text(tomli_w.dumps(VALID), NAME)

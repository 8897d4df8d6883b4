"""Loading the desired state fast must not change what is loaded or refused: the TOML reader
gives tomllib's tree and tomllib's errors, and the loader's one shape check tells the kinds
exactly what checking each value again would."""

from __future__ import annotations

import datetime
import re
import tomllib
from typing import Any

import pytest
import tomli_w
from hypothesis import example, given, settings
from hypothesis import strategies as s

from provisioner.engine import load_text
from provisioner.engine import loader
from provisioner.engine.loader import Texts, _rtoml, load_desired
from provisioner.engine.sources import MAX_NESTING, nesting_problem
from provisioner.errors import ConfigError
from provisioner.kinds.fields.model import FIELD, fields_shape
from provisioner.kinds.smart_processes.model import SPA, spa_shape
from provisioner.model import Report
from provisioner.model.kind import issue_index
from provisioner.model.shape import check

KEYS = s.text(s.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
SCALARS = (s.booleans() | s.integers(-(2**63), 2**63 - 1) | s.floats(allow_nan=False)
           | s.text(s.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
           | s.datetimes(timezones=s.none() | s.just(datetime.UTC)) | s.dates() | s.times())
TREES = s.recursive(SCALARS, lambda kids: s.lists(kids, max_size=4)
                    | s.dictionaries(KEYS, kids, max_size=4), max_leaves=30)


@settings(max_examples=150, deadline=None)
@given(s.dictionaries(KEYS, TREES, max_size=5))
def test_the_toml_reader_gives_tomllibs_tree(tree: dict[str, Any]) -> None:
    text = tomli_w.dumps(tree)
    assert _toml(text) == tomllib.loads(text)


@pytest.mark.parametrize("text", [
    "a = [1,,2]\n", "a = 1\na = 2\n", "[x]\n[x]\n", "a = \"\\q\"\n", "a = 99999999999999999999\n",
    "a = " + "[" * 90 + "]" * 90 + "\n",
])
def test_refusals_and_their_messages_are_tomllibs(text: str) -> None:
    """Invalid TOML, or what rtoml cannot hold (a 64-bit overflow, deep nesting): tomllib
    decides, with its own message and line."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        with pytest.raises(ConfigError) as err:
            load_text(text, "d.toml")
        assert err.value.problems[0].message == f"not valid TOML: {exc}"
        return
    assert _toml(text) == tomllib.loads(text)  # TOML 1.0 that only tomllib reads


@pytest.mark.parametrize("text", [
    "x = { a = 1, }\n", "x = { a = 1,\n b = 2 }\n", "x = { a = 1 # c\n}\n", "x = \"\\e\"\n",
    "x = \"\\x41\"\n", "x = 07:32\n", "x = 1979-05-27T07:32Z\n", "x = 1979-05-27 07:32\n",
    "x = [{ a = \"}\" },\n{ b = 1 }]\ny = { c = 1,\n}\n",
])
def test_what_toml_1_1_added_is_refused_as_tomllib_refuses(text: str) -> None:
    """rtoml reads TOML 1.1; what 1.1 added (inline tables over lines or with a trailing comma,
    the \\e and \\x escapes, times without seconds) is refused with tomllib's message, as
    editors and `provision fmt` refuse it (the broken-input corpus pins the trailing comma)."""
    with pytest.raises(tomllib.TOMLDecodeError) as exc:
        tomllib.loads(text)
    with pytest.raises(ConfigError) as err:
        load_text(text, "d.toml")
    assert err.value.problems[0].message == f"not valid TOML: {exc.value}"


def test_what_only_looks_like_toml_1_1_is_read() -> None:
    """Inside strings, the same characters are only text (read by tomllib, the same tree)."""
    text = 'a = "07:32 {"\nb = \'\\e, }\'\nc = 07:32:00\nd = { e = [1, 2] }\n'
    assert _toml(text) == tomllib.loads(text) == {
        "a": "07:32 {", "b": "\\e, }", "c": datetime.time(7, 32), "d": {"e": [1, 2]}}


def _toml(text: str) -> Any:
    """The tree as the loader reads it: rtoml, else tomllib."""
    read = _rtoml(text)
    return tomllib.loads(text) if read is None else read


NESTED = {  # a text nested `n` levels, each way TOML nests
    "dotted key": lambda n: "a" + ".a" * n + " = 1\n",
    "table header": lambda n: "[a" + ".a" * n + "]\nx = 1\n",
    "array of tables": lambda n: "[[a" + ".a" * n + "]]\nx = 1\n",
    "arrays": lambda n: "x = " + "[" * n + "]" * n + "\n",
    "inline tables": lambda n: "x = " + "{a = " * n + "1" + " }" * n + "\n",
    "arrays of inline tables": lambda n: "x = " + "[{a = " * n + "1" + "}]" * n + "\n",
    "dotted key in an inline table": lambda n: "x = { a" + ".a" * n + " = 1 }\n",
}


@pytest.mark.parametrize("way", NESTED)
@given(depth=s.integers(1, 3 * MAX_NESTING))
def test_rtoml_reads_nothing_the_nesting_scan_refuses(way: str, depth: int) -> None:
    """The loader scans nesting only before tomllib: whatever rtoml reads (its recursion limit
    is 80 levels) must be within the scan's limit, or a deep file would pass unrefused."""
    text = NESTED[way](depth)
    assert _rtoml(text) is None or nesting_problem("d.toml", text) is None
    if depth > MAX_NESTING:
        assert _rtoml(text) is None


LABELS = s.sampled_from(["Бюджет", "", " ", "a\x1bb", 3, {"ru": "Да"}, {"de": "x"}, ["x"]])
FIELD_TABLES = s.dictionaries(
    s.sampled_from(["type", "label", "help", "sort", "multiple", "items", "settings",
                    "required_from", "bogus", "list_label"]),
    s.sampled_from(["string", "enumeration", "nope", 7, True, None]) | LABELS
    | s.lists(s.sampled_from(["One", "", {"value": "Two"}, {"xml_id": "x"}, 5]), max_size=3)
    | s.just({"rows": 2}) | s.just({"rows": "two"}) | s.just("deal:NEW"),
    max_size=6).map(lambda t: {k: v for k, v in t.items() if v is not None})


@settings(max_examples=300, deadline=None)
@given(s.dictionaries(s.sampled_from(["BUDGET", "budget", "X\x07", "OK_1"]), FIELD_TABLES,
                      max_size=3))
# found by this test: a map's key that is no language (`label = { rows = ... }`) was indexed
# without the paths above it, so the field holding it "fitted" (model/kind.py `issue_index`)
@example(fields={"BUDGET": {"label": {"rows": 2}, "type": "string"}})
def test_the_loaders_one_check_answers_as_checking_each_field_would(
        fields: dict[str, Any]) -> None:
    checked = Report(checked=issue_index(check(fields_shape("deals"), fields, ("deal",))))
    for name, table in fields.items():
        path = ("deal", name)
        assert checked.fits(FIELD, table, path) == Report().fits(FIELD, table, path)


SPA_TABLES = s.fixed_dictionaries({}, optional={
    "title": LABELS, "categories": s.booleans() | s.just("yes"), "parents": s.just(["deal"]),
    "children": s.just(["Bad Code"]), "bogus": s.just(1),
    "pipelines": s.just({"main": {"name": "Main", "stages": 3}}) | s.just("x"),
    "fields": s.dictionaries(s.sampled_from(["BUDGET", "bad"]), FIELD_TABLES, max_size=2)
    | s.just(5)})


@settings(max_examples=300, deadline=None)
@given(SPA_TABLES)
def test_a_smart_process_fits_whatever_its_pipelines_and_fields_hold(
        table: dict[str, Any]) -> None:
    """A smart process is parsed when its own keys fit; pipelines and fields are looked at
    one by one (keys in `skip`)."""
    tree = {"shop": table}
    checked = Report(checked=issue_index(check(spa_shape(), tree, ("smart_processes",))))
    skip = frozenset(("pipelines", "fields"))
    path = ("smart_processes", "shop")
    assert checked.fits(SPA, table, path, skip) == Report().fits(SPA, table, path, skip)


@settings(max_examples=100, deadline=None)
@given(s.dictionaries(s.text(max_size=12), s.text(s.characters() | s.sampled_from(
    ["\ud800", "\udfff"]), max_size=200), max_size=4))
def test_the_kept_texts_are_the_texts_loaded(texts: dict[str, str]) -> None:
    """The state keeps its files' texts compressed (Texts): each is the very string loaded,
    lone surrogates (a plan file's JSON may hold them) and every other character included."""
    kept = Texts(texts)
    assert kept == texts and dict(kept) == texts and list(kept) == list(texts)
    assert all(kept[name] == text and kept.get(name) == text for name, text in texts.items())
    assert len(kept) == len(texts) and kept.get("\0missing") is None


def test_a_loaded_state_keeps_each_file_as_it_was_read(tmp_path: Any) -> None:
    text = '[deal.fields.BUDGET]\ntype = "string"\nlabel = "Бюджет"\n'
    (tmp_path / "fields.toml").write_text(text, "utf-8")
    state = load_desired(tmp_path)
    assert dict(state.texts) == {str(tmp_path / "fields.toml"): text}


# ---- the scan for what rtoml may read otherwise than tomllib --------------------------------

def _may_differ_by_pattern(text: str) -> bool:
    """The scan as it was, with a pattern for the braces (the oracle of the faster one)."""
    if text.startswith("\ufeff") or any(p.search(text) for p in loader._TOML_1_1):
        return True
    at = 0
    while found := re.compile(r"[{}]").search(text, at):
        start = text.rfind("\n", 0, found.start()) + 1
        at = text.find("\n", found.start())
        at = len(text) if at < 0 else at
        if text.count("{", start, at) != text.count("}", start, at):
            return True
    return False




@given(s.lists(s.sampled_from(["{", "}", "\n", "a", "{ b = 1 }", ","])).map("".join),
       s.integers(0, 40))
def test_the_next_brace_is_found_as_a_pattern_finds_it(text: str, at: int) -> None:
    found = re.compile(r"[{}]").search(text, at)
    assert loader._brace(text, at) == (found.start() if found else -1)


@given(s.lists(s.sampled_from(["{", "}", "\n", "a = 1", "x = { y = 2 }", ", }", "[t]",
                               "\\e", "12:30"])).map("".join) | s.text())
def test_the_scan_finds_what_the_pattern_found(text: str) -> None:
    assert loader._rtoml_may_differ(text) == _may_differ_by_pattern(text)

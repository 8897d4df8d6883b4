"""A large TOML text read in pieces (engine/tomlpieces.py) gives the whole text's tree, or gives
up (None) and the loader reads the text whole: never another tree, never a tree for a text the
whole reading refuses. Pieces here are a few characters long, so that every header that may
begin a piece does."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
import rtoml
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as s

from provisioner.engine import load_desired
from provisioner.engine import tomlpieces as tp
from provisioner.engine.loader import _rtoml

BARE = s.text("abcxyz_-09", min_size=1, max_size=3)
SCALARS = s.booleans() | s.integers(-50, 50) | s.text("ab[]\"'#=\n .", max_size=6)
TREES = s.recursive(SCALARS, lambda kids: s.lists(kids, max_size=3)
                    | s.dictionaries(BARE, kids, max_size=3), max_leaves=25)
DOCS = s.dictionaries(BARE, s.dictionaries(BARE, TREES, max_size=4), max_size=4)


def _whole(text: str) -> dict[str, Any] | Exception:
    try:
        return rtoml.loads(text)
    except Exception as exc:  # any refusal counts as one
        return exc


def _agrees(text: str, piece: int) -> dict[str, Any] | None:
    """The invariant: the pieces' tree is the whole text's, or None; None when the whole text
    is refused."""
    pieces = tp.loads_in_pieces(text, piece)
    whole = _whole(text)
    if isinstance(whole, Exception):
        assert pieces is None, f"pieces read a text rtoml refuses ({whole}):\n{text}"
    else:
        assert pieces is None or pieces == whole
    return pieces


@settings(max_examples=200, deadline=None)
@given(DOCS, s.integers(1, 60))
def test_pieces_of_a_written_document_make_its_tree(tree: dict[str, Any], piece: int) -> None:
    _agrees(tomli_w.dumps(tree), piece)


@settings(max_examples=300, deadline=None)
@given(s.lists(DOCS, min_size=1, max_size=4), s.randoms(use_true_random=False),
       s.integers(1, 60))
def test_shuffled_and_repeated_sections_never_read_as_another_tree(
        trees: list[dict[str, Any]], rnd: Any, piece: int) -> None:
    """Sections of several documents shuffled together: tables defined twice, super-tables after
    their sub-tables, arrays of tables continued elsewhere, keys of one table in two places."""
    sections: list[str] = []
    for tree in trees:
        current: list[str] = []
        for line in tomli_w.dumps(tree).splitlines(keepends=True):
            if line.startswith("[") and current:
                sections.append("".join(current))
                current = []
            current.append(line)
        sections.append("".join(current))
    rnd.shuffle(sections)
    _agrees("".join(sections), piece)


@pytest.mark.parametrize("text", [
    "[a.b]\nx = 1\n[c.d]\ny = 2\n[a.b]\nz = 3\n",  # a table defined twice, pieces apart
    "[a.b]\nc.d = 1\n[x.y]\nq = 1\n[a.b]\ne.f = 2\n",  # ... holding only dotted tables
    "a = { b = { c = 1 } }\n[x.y]\nq = 1\n[a.d]\nz = 1\n",  # an inline table extended
    "a.b.c = 1\n[x.y]\nq = 1\n[a.b]\nz = 1\n",  # a dotted-key table given a header
    "[[a.b]]\nx = 1\n[c.d]\ny = 2\n[[a.b]]\nx = 2\n",  # an array of tables continued
    "[[a.b]]\nx = 1\n[a.b.c]\ny = 2\n",  # a sub-table of the array's last element
    "[a.b.c]\nx = 1\n[q.r]\ny = 1\n[a.b]\nz = 2\n",  # a super-table defined after (valid)
    "[a.b]\nx = \"\"\"\n[c.d]\ny = 2\n\"\"\"\n[e.f]\nz = 1\n",  # a header inside a string
    "  [a.b]\nx = 1\n[c.d]\ny = 2\n  [a.b]\nz = 3\n",  # indented headers, one defined twice
    "[a.b]\nx = [\n[1],\n]\n[c.d]\ny = 2\n",  # a line of an array opening with "["
    "[a.\"b\"]\nx = 1\n[c.d]\ny = 2\n[a.b]\nz = 3\n",  # a quoted key
    "[a.b]\r\nx = 1\r\n[c.d]\r\ny = 2\r\n",  # CRLF
])
def test_texts_whose_pieces_could_mislead(text: str) -> None:
    _agrees(text, 1)


def test_a_config_written_as_exports_are_is_read_in_pieces() -> None:
    """The seed config, written as an export writes (bare keys, a table an object), is read in
    pieces, not given up on: the memory this saves is the reason for the pieces."""
    from tests.helpers import CONFIG

    for path in sorted(CONFIG.glob("*.toml")):
        text = path.read_text("utf-8")
        pieces = _agrees(text, 200)
        assert pieces is not None, path.name
        assert pieces == tomllib.loads(text)


def test_the_loader_reads_a_large_text_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above LARGE the loader asks for pieces, and loads the same desired state."""
    from tests.helpers import CONFIG

    asked: list[int] = []
    real = tp.loads_in_pieces

    def counting(text: str, _piece: int = tp.PIECE) -> dict[str, Any] | None:
        asked.append(len(text))
        return real(text, 300)

    whole = load_desired(str(CONFIG))
    monkeypatch.setattr("provisioner.engine.loader.LARGE", 1000)
    monkeypatch.setattr("provisioner.engine.loader.loads_in_pieces", counting)
    pieced = load_desired(str(CONFIG))
    assert asked and pieced.parts == whole.parts
    assert _rtoml("[a.b]\nx = 1\n" * 200) is None  # refused whole, as before (a table twice)


# ---- the headers of a piece ------------------------------------------------------------------

# The reading the scan replaced (one pattern anchored at every line start): the oracle
_ANCHORED_OPENS = re.compile(r"^[ \t]*\[", re.M)


def _anchored_header_keys(text: str, begin: int, end: int) -> set[str] | None:
    headers = tp._HEADER.findall(text, begin, end)
    if len(headers) != len(_ANCHORED_OPENS.findall(text, begin, end)):
        return None
    return {key for _, key in headers}


LINES = s.sampled_from(["[a]", "[a.b]", "  [a.c] # x", "\t[[arr]]", "[[arr.x]]", "[bad key]",
                         "[\"q\"]", "x = [1,", "  [2],", "]", "[", "", "\r", "# [c]", "k = 1",
                         "[a]\r", "[a] x", " [b]  ", "a = \"\"\"", "[ok]# c"])


@given(s.lists(LINES, max_size=12), s.data())
def test_a_pieces_headers_are_found_as_the_anchored_pattern_finds_them(
        lines: list[str], data: s.DataObject) -> None:
    text = "\n".join(lines)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    begin = data.draw(s.sampled_from(starts) | s.integers(0, len(text)))
    end = data.draw(s.integers(begin, len(text)))
    assert tp._header_keys(text, begin, end) == _anchored_header_keys(text, begin, end)

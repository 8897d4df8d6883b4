"""A large TOML text read by rtoml piece by piece, when the pieces are known to make the same
tree as the whole text; otherwise None, and the caller reads the text whole.

Why: rtoml builds its own (Rust) tree of the whole text before it makes the Python one, about
17 bytes for each byte of text, and that memory stays with the process's allocator: reading an
L100 `fields.toml` (29.5 MB) whole peaks at about 700 MB, for a Python tree of 162 MB
(docs/benchmarks.md, "The load peak"). Read in pieces of about 1 MiB, the peak is the Python tree
and one piece's Rust tree.

When the pieces make the same tree. A piece starts at a table header in the first column
(`[a.b.c]`, never `[[...]]`), so each piece is a TOML document of its own; the trees are then
grafted. Grafting is the whole text's reading exactly when every key that two pieces share is an
implicit table in both: a table made only as the prefix of a header (`a` and `a.b` of
`[a.b.c]`), never named by a header, never holding a value of its own. A table named by a header
of one piece and reached by another (a table defined twice, a super-table defined after its
sub-table, an array of tables continued, a table made by dotted keys then extended), or a value
of one piece under a key of another's, is not grafted: the text is read whole, and rtoml (or
tomllib after it, loader.py) decides, with its own message and line. A piece that rtoml refuses
(a split inside a multi-line string leaves the piece before it unterminated) also sends the
whole text back. Header lines are read by a pattern for bare keys only (`[A-Za-z0-9_-]` parts,
as an export writes them); a text with any other line starting with `[` is read whole.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import rtoml

LARGE = 4 << 20  # texts from this size are read in pieces (an L10 config's largest: 2.9 MB)
PIECE = 1 << 20  # about this much text a piece

# A line opening with "[": a header, or a line of a multi-line array or string; found as the
# newline before it (a pattern that starts with a literal is searched for fast, one anchored
# at every line start is tried at every character: 0.19 s against 0.03 over an L100
# fields.toml), the first line of a piece apart (`_OPENING`)
_OPENS = re.compile(r"\n[ \t]*\[")
_OPENING = re.compile(r"[ \t]*\[")
# A first-column table header of bare keys (where a piece may begin): group 1 its dotted key
_TABLE = re.compile(r"^\[([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\][ \t]*(?:#[^\n]*)?\r?$", re.M)
# A header of bare keys: group 1 "[" for an array of tables, group 2 its dotted key
_HEADER_LINE = (r"[ \t]*\[(\[?)([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\]\]?[ \t]*"
                r"(?:#[^\n]*)?\r?$")
_HEADER = re.compile("^" + _HEADER_LINE, re.M)
# The same found as the newline before it (as `_OPENS`), its dotted key the one group (`findall` then gives
# the keys themselves, not pairs to take apart: 325,000 headers in an L100 fields.toml)
_HEADER_AFTER = re.compile(r"\n[ \t]*\[\[?([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\]\]?[ \t]*"
                           r"(?:#[^\n]*)?\r?$", re.M)


def loads_in_pieces(text: str, piece: int = PIECE) -> dict[str, Any] | None:
    """The tree of `text` (rtoml's, whole) read in pieces of about `piece` characters, or None
    where the pieces may not make that tree, or rtoml refuses one: read the text whole then."""
    cuts = _cuts(text, piece)
    tree: dict[str, Any] = {}
    named = _before_headers(text, cuts[1] if len(cuts) > 2 else None)
    if named is None:
        return None
    for begin, end in pairwise(cuts):
        own = _header_keys(text, begin, end)
        if own is None:
            return None  # a line opening with "[" that is not a header of bare keys
        try:
            read = rtoml.loads(text[begin:end])
        except Exception:  # rtoml.TomlParsingError, or its recursion limit: read it whole
            return None
        if not _graft(tree, read, "", named, own):
            return None
        named |= own
    return tree


def _header_keys(text: str, begin: int, end: int) -> set[str] | None:
    """The dotted keys of the headers in text[begin:end], or None where a line opening with
    "[" is not a header of bare keys (`_HEADER`)."""
    found = _HEADER_AFTER.findall(text, begin, end)
    if len(found) != len(_OPENS.findall(text, begin, end)):
        return None
    keys = set(found)
    if (begin == 0 or text[begin - 1] == "\n") and _OPENING.match(text, begin, end):
        first = _HEADER.match(text, begin, end)
        if first is None:
            return None
        keys.add(first.group(2))
    return keys


def _before_headers(text: str, cut: int | None) -> set[str] | None:
    """The keys the text sets before its first header, as named: a table made there (by dotted
    keys, or inline, which no header may extend) is not grafted onto. None where rtoml refuses
    that part alone (a multi-line string running past a line that looked like a header)."""
    if cut is None:
        return set()  # one piece: nothing grafted
    first = _HEADER.search(text, 0, cut)
    head = text[:first.start() if first else cut]
    if not head.strip():
        return set()
    try:
        return set(rtoml.loads(head))
    except Exception:
        return None


def _cuts(text: str, piece: int) -> list[int]:
    """Where the pieces begin, and the end of the text: at first-column `[table]` headers as deep
    as the text's first (each a whole object of an export: a field, a pipeline, a smart
    process), a piece at least `piece` characters long."""
    cuts = [0]
    first = _TABLE.search(text)
    if first is not None:
        top = first.group(1).count(".")
        at = piece
        while (found := _TABLE.search(text, at)) is not None:
            if found.group(1).count(".") == top:
                cuts.append(found.start())
                at = found.start() + piece
            else:
                at = found.end()
    cuts.append(len(text))
    return cuts


def _graft(into: dict[str, Any], tree: dict[str, Any], path: str, named: set[str],
           own: set[str]) -> bool:
    """`tree` added to `into` where the two share only implicit tables (see the module's
    docstring); False (and `into` partly grafted: the caller drops it) where they share more.
    The headers decide it (a table that holds a value is named by a header, or made under a
    named one or before the first); that it holds tables only is checked too, as a second guard."""
    for key, value in tree.items():
        if key not in into:
            into[key] = value
            continue
        here = f"{path}.{key}" if path else key
        have = into[key]
        if not (isinstance(have, dict) and isinstance(value, dict)) \
                or here in named or here in own \
                or not _tables_only(have) or not _tables_only(value):
            return False
        if not _graft(have, value, here, named, own):
            return False
    return True


def _tables_only(table: dict[str, Any]) -> bool:
    """True when a table holds tables only (an implicit one holds no value of its own)."""
    return all(isinstance(value, dict) for value in table.values())

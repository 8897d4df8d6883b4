"""Text from the portal made safe to show and to write (issue 14, item 9).

A portal's names may hold what a desired state refuses (model/shape.py: C0, DEL and C1
controls, bidi embeddings, overrides and isolates, which repaint a terminal or make a name
read differently than it is) and lone surrogates (a JSON answer can hold `\\ud800`; no UTF-8
text can, so printing or writing one raised UnicodeEncodeError). Shown, each such character
is the escape JSON and TOML write for it, `\\u202e`; in JSON documents the escape is the
character itself again once parsed, so a saved plan reads back the very name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# The characters the loader refuses in names (model/shape.py `_CONTROL`), and lone surrogates.
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def printable(text: str, keep: str = "") -> str:
    """`text` with every invisible character but those in `keep` as a `\\uXXXX` escape."""
    if not INVISIBLE.search(text):
        return text
    return INVISIBLE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def printable_json(text: str) -> str:
    """A JSON text (json.dumps with ensure_ascii=False) safe to print and write: what is left
    raw inside its strings escaped (line breaks outside strings are its layout)."""
    return printable(text, keep="\n")


def cleaned(value: Any, where: tuple[str, ...], removed: Callable[[str, str], None]) -> Any:
    """`value` (a TOML tree) with the invisible characters removed from its strings (line
    breaks and tabs kept: a text of several lines may hold them); `removed(where, what)` hears
    of each string changed. Keys are left as they are."""
    if isinstance(value, dict):
        return {k: cleaned(v, (*where, str(k)), removed) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v, (*where, str(i)), removed) for i, v in enumerate(value)]
    if isinstance(value, str) and INVISIBLE.search(value):
        gone = sorted({c for c in INVISIBLE.findall(value) if c not in "\n\t"})
        if gone:
            removed(".".join(where), ", ".join(f"U+{ord(c):04X}" for c in gone))
            return INVISIBLE.sub(lambda m: m.group() if m.group() in "\n\t" else "", value)
    return value

"""TOML text as a person writes it: `[table]` headers and `[[array.of.tables]]`, never inline.

tomli-w formats the values; this module only decides the layout (tomli-w inlines short arrays
of tables, which reads badly for stage lists and hides their lines from error messages), and
puts comments beside the places they are about (`comments`: key path -> lines; a path through
an array of tables names the item by its index).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import tomli_w

_BARE = re.compile(r"[A-Za-z0-9_-]+")
Path = tuple[str | int, ...]
Comments = Mapping[Path, Sequence[str]]


class _Out:
    """The lines written so far, and comments waiting for the next line that is written (a
    table without a header of its own shows its comment above its first child)."""

    def __init__(self, comments: Comments) -> None:
        self.lines: list[str] = []
        self.comments = comments
        self.waiting: list[str] = []

    def note(self, path: Path) -> None:
        self.waiting.extend(f"# {line}" if line else "#" for line in self.comments.get(path, ()))

    def header(self, text: str) -> None:
        self.lines.append("")
        self.line(text)

    def line(self, text: str) -> None:
        self.lines.extend(self.waiting)
        self.waiting = []
        self.lines.append(text)


def dumps(tree: dict[str, Any], comments: Comments | None = None) -> str:
    out = _Out(comments or {})
    _table(tree, (), None, out)
    out.lines.extend(out.waiting)
    return "\n".join(out.lines).lstrip("\n") + "\n"


def _is_aot(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(table: dict[str, Any], path: Path, header: str | None, out: _Out) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_aot(v)}
    if header is not None and (scalars or header.startswith("[[") or not table):
        out.header(header)
    for key, value in scalars.items():
        out.note((*path, key))
        out.line(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        here = (*path, key)
        if isinstance(value, dict):
            out.note(here)
            _table(value, here, f"[{_dotted(here)}]", out)
        elif _is_aot(value):
            out.note(here)
            for index, item in enumerate(value):
                out.note((*here, index))
                _table(item, (*here, index), f"[[{_dotted(here)}]]", out)


def _dotted(path: Path) -> str:
    return ".".join(_key(p) for p in path if isinstance(p, str))


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else tomli_w.dumps({"k": key}).split(" = ", 1)[1].strip()


def _value(value: Any) -> str:
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")

"""TOML text as a person writes it: `[table]` headers and `[[array.of.tables]]`, never inline.

tomli-w formats the values; this module only decides the layout (tomli-w inlines short arrays
of tables, which reads badly for stage lists and hides their lines from error messages).
"""

from __future__ import annotations

import re
from typing import Any

import tomli_w

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def dumps(tree: dict[str, Any]) -> str:
    lines: list[str] = []
    _table(tree, (), None, lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_aot(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(table: dict[str, Any], path: tuple[str, ...], header: str | None,
           lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and not _is_aot(v)}
    if header is not None and (scalars or header.startswith("[[") or not table):
        lines.extend(["", header])
    lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
    for key, value in table.items():
        here = (*path, key)
        if isinstance(value, dict):
            _table(value, here, f"[{_dotted(here)}]", lines)
        elif _is_aot(value):
            for item in value:
                _table(item, here, f"[[{_dotted(here)}]]", lines)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(p) for p in path)


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else tomli_w.dumps({"k": key}).split(" = ", 1)[1].strip()


def _value(value: Any) -> str:
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].rstrip("\n")

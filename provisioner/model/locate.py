"""Find the line of a TOML key path by scanning the file text (good enough for messages)."""

from __future__ import annotations

import re

from provisioner.model.shape import Path

_ARRAY = re.compile(r"^\[\[\s*(.+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*(.+?)\s*\]")
_KEY = re.compile(r"""^((?:[A-Za-z0-9_$-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_$-]+|"[^"]*"|'[^']*'))*)\s*=""")


def render_path(path: Path) -> str:
    """`("deal", "pipelines", "sales", "stages", 1)` -> `deal.pipelines.sales.stages[1]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def split_dotted(text: str) -> list[str]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', text)
    return [p.strip().strip("\"'") for p in parts if p.strip()]


class LineIndex:
    """Lines of table headers and keys of one TOML text, by key path."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path, int] = {}
        self._arrays: dict[tuple[str, ...], int] = {}
        current: Path = ()
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            current = self._scan(line, number, current)

    def _scan(self, line: str, number: int, current: Path) -> Path:
        if m := _ARRAY.match(line):
            keys = tuple(split_dotted(m[1]))
            self._arrays[keys] = self._arrays.get(keys, -1) + 1
            for other in [k for k in self._arrays if k[:len(keys)] == keys and k != keys]:
                del self._arrays[other]
            path = self._resolve(keys)
            self._record(path[:-1], number)
            return self._record(path, number)
        if m := _TABLE.match(line):
            return self._record(self._resolve(tuple(split_dotted(m[1]))), number)
        if m := _KEY.match(line):
            self._record((*current, *split_dotted(m[1])), number)
        return current

    def _resolve(self, keys: tuple[str, ...]) -> Path:
        out: list[str | int] = []
        for i in range(len(keys)):
            out.append(keys[i])
            if keys[:i + 1] in self._arrays:
                out.append(self._arrays[keys[:i + 1]])
        return tuple(out)

    def _record(self, path: Path, number: int) -> Path:
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], number)
        return path

    def find(self, path: Path) -> int | None:
        """The line of `path`, else of its nearest ancestor found in the text."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

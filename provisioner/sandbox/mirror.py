"""A copy of what the state file holds, and the rows that differ from the store (statefile.py).

Sections that are dicts (statuses, userfields, auth, ...) are kept entry by entry; any other
section as one value. The copy shares the store's strings and numbers and copies only the
containers, so comparing an unchanged entry mostly ends at identity checks: finding the few
entries a write request changed costs one C-level comparison per section, not serialising it.
Equality is Python's: a write that only turns a number into an equal one of another type (1 into
1.0 or true) is not seen as a change; the sandbox's handlers normalise numbers, so none does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from operator import ne
from typing import Any

Row = tuple[str, str, str | None]  # (section name, kind or entry key, JSON text or None)
_MISSING = object()


def key_text(key: Any) -> str:
    """A dict key as JSON writes it (an int 5 becomes "5", True "true")."""
    return key if isinstance(key, str) else json.dumps(key)


def dumps(value: Any) -> str:
    """JSON as the older format wrote it (keys sorted), without indentation."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def copy(value: Any) -> Any:
    """A copy of the containers of `value`; strings and numbers are shared, not copied."""
    if isinstance(value, dict):
        return {k: copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy(v) for v in value)
    return value


@dataclass
class Changes:
    """Rows to write, and what the copy becomes once they are written."""

    sections: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    dicts: dict[str, dict[Any, Any]] = field(default_factory=dict)  # sections after the write
    values: dict[str, Any] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.sections or self.entries)


def _changed_keys(live: dict[Any, Any], old: dict[Any, Any]) -> list[Any]:
    """Keys of `live` that are new or whose value differs from `old`'s. The copy keeps the
    store's key order and a write request mostly adds entries at the end, so the common case
    compares the two dicts' values pairwise at C speed (no Python step per unchanged entry)."""
    keys = list(live)
    known = len(old)
    if len(keys) >= known and keys[:known] == list(old):
        changed = compress(keys, map(ne, live.values(), old.values()))
        return [*changed, *keys[known:]]
    return [k for k, v in live.items() if old.get(k, _MISSING) is _MISSING or old[k] != v]


class Mirror:
    """What the file holds: dict sections entry by entry, other sections whole."""

    def __init__(self) -> None:
        self.dicts: dict[str, dict[Any, Any]] = {}
        self.values: dict[str, Any] = {}

    @staticmethod
    def everything(data: dict[str, Any]) -> tuple[list[Row], list[Row]]:
        """Every row of `data`, for a new file."""
        changes = Mirror().changes(data)
        return changes.sections, changes.entries

    def changes(self, data: dict[str, Any]) -> Changes:
        """The rows in which `data` differs from the copy (the copy is not changed)."""
        out = Changes()
        for name, value in data.items():
            if isinstance(value, dict):
                self._dict_changes(name, value, out)
            elif name in self.dicts or self.values.get(name, _MISSING) != value:
                self._drop_entries(name, out)
                out.sections.append((name, "value", dumps(value)))
                out.values[name] = copy(value)
        for name in [n for n in (*self.dicts, *self.values) if n not in data]:
            self._drop_entries(name, out)
            out.sections.append((name, "gone", None))
            out.gone.add(name)
        return out

    def _dict_changes(self, name: str, live: dict[Any, Any], out: Changes) -> None:
        old = self.dicts.get(name)
        if old is None:
            out.sections.append((name, "dict", None))
            old = {}
        elif live == old:
            return
        new = dict(old)
        for key in _changed_keys(live, old):
            value = live[key]
            out.entries.append((name, key_text(key), dumps(value)))
            new[key] = copy(value)
        if len(new) != len(live):
            for key in [k for k in old if k not in live]:
                out.entries.append((name, key_text(key), None))
                del new[key]
        out.dicts[name] = new

    def _drop_entries(self, name: str, out: Changes) -> None:
        """Deleted rows for every entry of a dict section that stops being one."""
        out.entries.extend((name, key_text(k), None) for k in self.dicts.get(name, ()))

    def accept(self, changes: Changes) -> None:
        """The rows of `changes` were written: the copy follows."""
        for name in changes.gone:
            self.dicts.pop(name, None)
            self.values.pop(name, None)
        for name, value in changes.values.items():
            self.dicts.pop(name, None)
            self.values[name] = value
        for name, entries in changes.dicts.items():
            self.values.pop(name, None)
            self.dicts[name] = entries

    # ---- reading rows back -----------------------------------------------------------------

    def load(self, data: dict[str, Any], sections: Iterable[Row], entries: Iterable[Row]
             ) -> None:
        """Apply rows read from the file to `data` and to the copy."""
        for name, kind, text in sections:
            self._load_section(data, name, kind, text)
        for section, key, text in entries:
            live, old = data.get(section), self.dicts.get(section)
            if not isinstance(live, dict) or old is None:
                continue  # a row of a section that is gone (written before it went)
            if text is None:
                live.pop(key, None)
                old.pop(key, None)
            else:
                live[key] = json.loads(text)
                old[key] = copy(live[key])

    def _load_section(self, data: dict[str, Any], name: str, kind: str, text: str | None
                      ) -> None:
        if kind == "dict":
            if name not in self.dicts or not isinstance(data.get(name), dict):
                data[name], self.dicts[name] = {}, {}
                self.values.pop(name, None)
            return
        self.dicts.pop(name, None)
        if kind == "value" and text is not None:
            data[name] = json.loads(text)
            self.values[name] = copy(data[name])
        else:
            data.pop(name, None)
            self.values.pop(name, None)

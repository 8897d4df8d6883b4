"""One object for equal values that many objects of a state hold.

A portal's fields and stages repeat small values. A field's five label texts are mostly one
text; empty help texts and default settings recur on every field; types, stage codes, colours,
semantics and item ids come from small sets; and the desired state holds the same texts as the
live one. Read from JSON or TOML, each occurrence is an object of its own. Made one object,
they take less memory, and the diff reads less of it: equal values that are one object compare
equal at the identity check (a tuple or dict comparison makes it first), without their contents
being read (measured in docs/benchmarks.md: without the shared mappings the diff takes about a
fifth more CPU at L1 and L10).

Safe to share: a string is immutable and `sys.intern` keeps it while it is used; a shared
mapping is a `Frozen` dict, which refuses every change, and the table that finds it again holds
it weakly (gone with the last object that uses it). Nothing a caller holds can be changed through
another object, and nothing outlives the states that use it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Mapping
from typing import Any, NoReturn
from weakref import ref


class Frozen(dict[str, Any]):
    """A dict that refuses every change (a mapping many objects hold at once)."""

    __slots__ = ("__weakref__",)

    def _refuse(self) -> NoReturn:
        raise TypeError("a shared mapping cannot change: build a new one")

    def __setitem__(self, key: str, value: Any) -> NoReturn:
        self._refuse()

    def __delitem__(self, key: str) -> NoReturn:
        self._refuse()

    def __ior__(self, other: Any) -> NoReturn:  # type: ignore[misc]
        self._refuse()

    def clear(self) -> NoReturn:
        self._refuse()

    def pop(self, *_args: Any) -> NoReturn:
        self._refuse()

    def popitem(self) -> NoReturn:
        self._refuse()

    def setdefault(self, *_args: Any) -> NoReturn:
        self._refuse()

    def update(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        self._refuse()

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Copied and pickled as the shared mapping with these items (made again)."""
        return (mapping, (dict(self),))


# Weak references in a plain dict: a WeakValueDictionary's methods are Python code, called for
# each of 75,000 labels at L10.
_MAPPINGS: dict[str, _Living] = {}


class _Living(ref[Frozen]):
    """A weak reference that knows the key it is filed under (no closure per mapping)."""

    __slots__ = ("key",)
    key: str


def _forget(gone: ref[Frozen]) -> None:
    key = gone.key  # type: ignore[attr-defined]  # a _Living: its callback
    if _MAPPINGS.get(key) is gone:
        del _MAPPINGS[key]


# What the portal strips from a name it stores: PHP's trim() set for the names of stages, items,
# pipelines and smart processes (unconfirmed: no docs page or source found,
# docs/portal-rules.md#names), and UserFieldProxy's for enumeration values (no \0, \x0b; server
# source, module rest lib/userfieldproxy.php: docs/portal-rules.md#enumeration-items).
NAME_TRIM = " \t\n\r\0\x0b"
VALUE_TRIM = " \t\n\r"


def name(value: str, chars: str = NAME_TRIM) -> str:
    """A name as the portal stores it: trimmed (docs/portal-rules.md#names), then shared."""
    return sys.intern(value.strip(chars))


def text(value: str) -> str:
    """The one living string equal to `value` (interned: released when no object holds it)."""
    return sys.intern(value)


def mapping(value: Mapping[str, Any]) -> Frozen:
    """A `Frozen` mapping equal to `value`: the same object for equal mappings alive at once.
    Keyed by `repr`, so that 1, 1.0 and True, equal in Python, are not mistaken for one
    another, and keys in another order (another label order) make another mapping."""
    key = repr(value)
    living = _MAPPINGS.get(key)
    found = living() if living is not None else None
    if found is None:
        found = Frozen(value)
        _MAPPINGS[key] = living = _Living(found, _forget)
        living.key = key
    return found


def tables(rows: Any) -> bool:
    """A list answer as documented: a list whose rows are all tables (what the live folds
    and the status grouping check before they take an answer apart)."""
    return isinstance(rows, list) and all(isinstance(r, Mapping) for r in rows)


class Memo:
    """Shared mappings found again by a key of the caller's, cheaper to make than `mapping`'s
    `repr` of the whole mapping: a label written as one text is found by that text (27,000
    labels as an L10 config loads). What it finds is `mapping`'s object, held as weakly."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: dict[Hashable, _Kept] = {}

    def get(self, key: Hashable, make: Callable[..., Mapping[str, Any]], *args: Any) -> Frozen:
        """The shared mapping filed under `key`, else `mapping(make(*args))` filed under it."""
        living = self._table.get(key)
        found = living() if living is not None else None
        if found is None:
            found = mapping(make(*args))
            self._table[key] = living = _Kept(found, _drop)
            living.key, living.table = key, self._table
        return found


class _Kept(ref[Frozen]):
    """A memo's weak reference: the key and the table it is filed in."""

    __slots__ = ("key", "table")
    key: Hashable
    table: dict[Hashable, _Kept]


def _drop(gone: ref[Frozen]) -> None:
    kept: _Kept = gone  # type: ignore[assignment]  # a _Kept: its callback
    if kept.table.get(kept.key) is kept:
        del kept.table[kept.key]

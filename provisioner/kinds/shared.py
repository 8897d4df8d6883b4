"""One object for equal values that many objects of a state hold.

A portal's fields and stages repeat small values. A field's five label texts are mostly one
text; empty help texts and default settings recur on every field; types, stage codes, colours,
semantics and item ids come from small sets; and the desired state holds the same texts as the
live one. Read from JSON or TOML, each occurrence is an object of its own. Made one object,
they take less memory (the states of the benchmark's L1 portal: 6.1 MB instead of 8.8 MB), and
the diff reads less of it: equal values that are one object compare equal at the identity check
(a tuple or dict comparison makes it first), without their contents being read (about 11% less
CPU for the diff at both sizes of docs/benchmarks.md).

Shared values are never changed in place: the model classes are frozen and hold them as
`Mapping`; code that needs another value builds a new one.
"""

from __future__ import annotations

import sys
from typing import Any

LIMIT = 4096  # distinct mappings remembered; all forgotten at once when there are more
_MAPPINGS: dict[str, dict[str, Any]] = {}


def text(value: str) -> str:
    """The one living string equal to `value` (interned: released when no object holds it)."""
    return sys.intern(value)


def mapping(value: dict[str, Any]) -> dict[str, Any]:
    """A dict equal to `value`, the same object for equal dicts made since the last reset.
    Keyed by `repr`, so that 1, 1.0 and True, equal in Python, are not mistaken for one
    another, and keys in another order (another label order) make another dict."""
    key = repr(value)
    found = _MAPPINGS.get(key)
    if found is None:
        if len(_MAPPINGS) >= LIMIT:
            _MAPPINGS.clear()
        found = _MAPPINGS[key] = value
    return found

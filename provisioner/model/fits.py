"""Whether a value fits a shape, answered fast: one predicate compiled per shape.

`shape.check` collects every issue with its path, which costs a path tuple and a list for each
value of the tree (a quarter of a second for the 320,000 values of an L10 config). Almost every
tree fits, so the loader (and `Report.fits`) asks this predicate first and `check` collects the
issues only of a tree that does not fit. Each predicate answers exactly `not check(shape,
value)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.model.shape import (
    _CONTROL,
    ArrayOf,
    MapOf,
    OneOf,
    Opaque,
    Scalar,
    Shape,
    Table,
    _check_scalar,
    _may_fit,
)

Fits = Callable[[Any], bool]


def fits(shape: Shape) -> Fits:
    """The predicate of `shape`, compiled once and kept on the (frozen) shape."""
    found: Fits | None = shape.__dict__.get("_fits")
    if found is None:
        found = _COMPILE[type(shape)](shape)
        object.__setattr__(shape, "_fits", found)
    return found


def _scalar(shape: Scalar) -> Fits:
    want, enum = shape._type, shape.enum
    if want is not str:
        return lambda value: type(value) is want and (enum is None or value in enum)
    longest, search, blank, regex = shape.max_length, _CONTROL.search, shape.non_blank, shape._regex

    def text(value: Any) -> bool:
        if type(value) is not str:
            return False
        # a printable text holds no _CONTROL character (each is of category Cc or Cf, which
        # str.isprintable refuses); the test is a third of the pattern's search
        if len(value) > longest or (not value.isprintable() and search(value)):
            return not _check_scalar(shape, value, ())  # rare: a tab in a multi-line text
        if blank and not value.strip():
            return False
        if enum is not None and value not in enum:
            return False
        return regex is None or regex.fullmatch(value) is not None
    return text


def _table(shape: Table) -> Fits:
    props = {key: fits(prop.shape) for key, prop in shape.props.items()}
    required = frozenset(key for key, prop in shape.props.items() if prop.required)

    def table(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for key, item in value.items():
            fit = props.get(key)
            if fit is None or not fit(item):
                return False
        return required.issubset(value)
    return table


def _map(shape: MapOf) -> Fits:
    item_fits, fullmatch, search = fits(shape.value), shape._key_regex.fullmatch, _CONTROL.search

    def mapping(value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        for key, item in value.items():
            if search(key) or not fullmatch(key) or not item_fits(item):
                return False
        return True
    return mapping


def _array(shape: ArrayOf) -> Fits:
    item_fits = fits(shape.item)
    return lambda value: isinstance(value, list) and all(map(item_fits, value))


def _one_of(shape: OneOf) -> Fits:
    """An option is tried only on a value of its type (`shape._may_fit`)."""
    if len(shape.options) == 2:
        first, second = shape.options
        if isinstance(first, Scalar) and isinstance(second, Table | MapOf):
            return _scalar_or_table(first, second)
    options = [(_gate(option), fits(option)) for option in shape.options]

    def one_of(value: Any) -> bool:
        for gate, fit in options:  # noqa: SIM110 (any() of a generator: a call per value)
            if gate(value) and fit(value):
                return True
        return False
    return one_of


def _scalar_or_table(first: Scalar, second: Table | MapOf) -> Fits:
    """The most common one-of (a label: a text or a table of texts by language; an item: a
    value or a table), its two gates inlined: a value of the scalar's type is never a dict."""
    want, scalar_fits, table_fits = first._type, fits(first), fits(second)

    def scalar_or_table(value: Any) -> bool:
        if type(value) is want:
            return scalar_fits(value)
        return isinstance(value, dict) and table_fits(value)
    return scalar_or_table


def _gate(option: Shape) -> Fits:
    """`shape._may_fit` of this option, its test chosen once (a call fewer per value)."""
    if isinstance(option, Scalar):
        want = option._type
        return lambda value: type(value) is want
    if isinstance(option, Table | MapOf):
        return lambda value: isinstance(value, dict)
    if isinstance(option, ArrayOf):
        return lambda value: isinstance(value, list)
    return lambda value: _may_fit(option, value)


def _opaque(_shape: Opaque) -> Fits:
    return lambda _value: True  # its kind's parser checks it


_COMPILE: dict[type, Callable[[Any], Fits]] = {
    Scalar: _scalar, Table: _table, MapOf: _map, ArrayOf: _array, OneOf: _one_of,
    Opaque: _opaque}

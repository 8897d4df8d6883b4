"""D7 list filters and orders (crm.type.list, userfieldconfig.list): prefixes, OR groups, checks.

docs/portal-rules.md#type-methods: prefixes >=, >, <=, <, @, !@, %, =%, %=, !%, !=%, !%=, =, !=, ! and nested
groups with logic "OR"; unknown fields and bad directions are INVALID_ARG_VALUE.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from provisioner.sandbox.core import BitrixError

# Longest first, so that "!=%" is not read as "!=".
PREFIXES = ("!=%", "!%=", ">=", "<=", "!@", "=%", "%=", "!%", "!=", ">", "<", "@", "%", "=", "!")


def invalid(text: str) -> BitrixError:
    return BitrixError("INVALID_ARG_VALUE", text, 400)


def _split(key: str) -> tuple[str, str]:
    for prefix in PREFIXES:
        if key.startswith(prefix):
            return prefix, key[len(prefix):]
    return "", key


def _compare(op: str, have: Any, want: Any) -> bool:
    if op in ("@", "!@"):
        values = want if isinstance(want, list) else [want]
        inside = str(have) in {str(v) for v in values}
        return inside if op == "@" else not inside
    if "%" in op:
        found = str(want).lower() in str(have).lower()
        return not found if op.startswith("!") else found
    if op in (">", ">=", "<", "<="):
        try:
            a, b = float(have), float(want)
        except (TypeError, ValueError):
            a, b = str(have), str(want)  # type: ignore[assignment]
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
    equal = str(have if have is not None else "") == str(want if want is not None else "")
    return not equal if op in ("!", "!=") else equal


def _condition(op: str, name: str, want: Any) -> Callable[[dict[str, Any]], bool]:
    if op in ("@", "!@"):  # the set made once, not once per row
        values = {str(v) for v in (want if isinstance(want, list) else [want])}

        def inside(row: dict[str, Any]) -> bool:
            return (str(row.get(name)) in values) == (op == "@")
        return inside

    def check(row: dict[str, Any]) -> bool:
        return _compare(op, row.get(name), want)
    return check


def make_filter(flt: dict[str, Any], allowed: Collection[str]) -> Callable[[dict[str, Any]], bool]:
    """A predicate over rows; raises for fields the method does not allow."""
    conditions: list[Callable[[dict[str, Any]], bool]] = []
    logic_or = str(flt.get("logic", "AND")).upper() == "OR"
    for key, want in flt.items():
        if key == "logic":
            continue
        if isinstance(want, dict) and (str(key).isdigit() or "logic" in want):
            conditions.append(make_filter(want, allowed))
            continue
        op, name = _split(str(key))
        if name not in allowed:
            raise invalid(f"Invalid filter: field '{name}' is not allowed in filter")
        conditions.append(_condition(op, name, want))

    def check(row: dict[str, Any]) -> bool:
        if logic_or and conditions:
            return any(c(row) for c in conditions)
        return all(c(row) for c in conditions)
    return check


def apply_order(rows: list[dict[str, Any]], order: dict[str, Any],
                allowed: Collection[str]) -> list[dict[str, Any]]:
    for name, direction in order.items():
        if name not in allowed:
            raise invalid(f"Invalid order: field '{name}' is not allowed in order")
        if str(direction).upper() not in ("ASC", "DESC"):
            raise invalid("Invalid order: allowed sort directions are ASC, DESC. "
                          f"But got '{direction}' for field '{name}'")
    for name, direction in reversed(list(order.items())):
        rows = sorted(rows, key=_key_of(name), reverse=str(direction).upper() == "DESC")
    return rows


def _key_of(name: str) -> Callable[[dict[str, Any]], tuple[int, float, str]]:
    return lambda row: _sort_key(row.get(name))


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, "" if value is None else str(value))

"""D7 list filters and orders (crm.type.list, userfieldconfig.list): prefixes, OR groups, checks.

bitrix24-rest.md §6.4: prefixes >=, >, <=, <, @, !@, %, =%, %=, !%, !=%, !%=, =, !=, ! and nested
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
        conditions.append(lambda row, o=op, n=name, w=want: _compare(o, row.get(n), w))
    if logic_or:
        return lambda row: any(c(row) for c in conditions) if conditions else True
    return lambda row: all(c(row) for c in conditions)


def apply_order(rows: list[dict[str, Any]], order: dict[str, Any],
                allowed: Collection[str]) -> list[dict[str, Any]]:
    for name, direction in order.items():
        if name not in allowed:
            raise invalid(f"Invalid order: field '{name}' is not allowed in order")
        if str(direction).upper() not in ("ASC", "DESC"):
            raise invalid("Invalid order: allowed sort directions are ASC, DESC. "
                          f"But got '{direction}' for field '{name}'")
    for name, direction in reversed(list(order.items())):
        rows = sorted(rows, key=lambda r, n=name: _sort_key(r.get(n)),
                      reverse=str(direction).upper() == "DESC")
    return rows


def _sort_key(value: Any) -> tuple[int, float, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, "" if value is None else str(value))

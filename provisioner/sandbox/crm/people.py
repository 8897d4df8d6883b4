"""Users and departments of a new sandbox portal, and the user.get filter rules.

Sandbox data: an administrator (id 1) and a few employees in departments with heads, plus one
extranet user. docs/portal-rules.md#users-and-departments; docs api-reference/user/user-get.md.
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox.crm.common import yn
from provisioner.sandbox.store import Store, seeder

REGISTERED = "2024-07-15T00:00:00+00:00"
# (id, name, last name, e-mail, departments, position, active, user type)
USERS: tuple[tuple[int, str, str, str, list[int], str, bool, str], ...] = (
    (1, "Portal", "Administrator", "admin@sandbox.example", [1], "Administrator", True,
     "employee"),
    (2, "Ирина", "Петрова", "irina.petrova@sandbox.example", [2], "Head of sales", True,
     "employee"),
    (3, "Иван", "Смирнов", "ivan.smirnov@sandbox.example", [2], "Sales manager", True,
     "employee"),
    (4, "Ольга", "Кузнецова", "olga.kuznetsova@sandbox.example", [3], "HR director", True,
     "employee"),
    (5, "Дмитрий", "Волков", "dmitry.volkov@sandbox.example", [3], "Recruiter", False,
     "employee"),
    (6, "Pat", "Partner", "partner@external.example", [], "", True, "extranet"),
)
# (id, name, sort, parent, head)
DEPARTMENTS = ((1, "Sandbox Company", 500, None, 1), (2, "Отдел продаж", 500, 1, 2),
               (3, "HR", 500, 1, 4))


def _user(uid: int, name: str, last: str, email: str, deps: list[int], position: str,
          active: bool, user_type: str) -> dict[str, Any]:
    return {"ID": str(uid), "ACTIVE": active, "NAME": name, "LAST_NAME": last,
            "SECOND_NAME": "", "EMAIL": email, "LAST_LOGIN": REGISTERED,
            "DATE_REGISTER": REGISTERED, "TIME_ZONE": "", "IS_ONLINE": "N",
            "PERSONAL_GENDER": "", "PERSONAL_WWW": "", "PERSONAL_BIRTHDAY": "",
            "PERSONAL_MOBILE": "", "PERSONAL_CITY": "", "WORK_PHONE": "",
            "WORK_POSITION": position, "UF_EMPLOYMENT_DATE": "", "UF_DEPARTMENT": deps,
            "USER_TYPE": user_type}


@seeder
def seed_people(store: Store) -> None:
    users = store.section("users", {})
    for spec in USERS:
        users[str(spec[0])] = _user(*spec)
    departments = store.section("departments", {})
    for did, name, sort, parent, head in DEPARTMENTS:
        row: dict[str, Any] = {"ID": str(did), "NAME": name, "SORT": sort}
        if parent is not None:
            row["PARENT"] = str(parent)
        row["UF_HEAD"] = str(head)
        departments[str(did)] = row


def users(store: Store) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = store.section("users", {})
    return result


def departments(store: Store) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = store.section("departments", {})
    return result


PREFIXES = (">=", "<=", "!%", "!@", "!", "%", "@", ">", "<", "=")


def _split(key: str) -> tuple[str, str]:
    for prefix in PREFIXES:
        if key.startswith(prefix):
            return prefix, key[len(prefix):]
    return "", key


def _like(have: str, pattern: str) -> bool:
    """SQL-like match where % is a wildcard; a bare value matches exactly (case-insensitive)."""
    parts = pattern.lower().split("%")
    text = have.lower()
    if len(parts) == 1:
        return text == parts[0]
    if not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return False
    pos = len(parts[0])
    for part in parts[1:-1]:
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return pos <= len(text) - len(parts[-1])


def _value_match(op: str, have: Any, want: Any) -> bool:
    if isinstance(have, list):  # UF_DEPARTMENT: membership
        wanted = want if isinstance(want, list) else [want]
        hit = any(str(h) == str(w) for h in have for w in wanted)
        return not hit if op.startswith("!") else hit
    if isinstance(have, bool):
        return (yn(want) == "Y") == have
    if op in ("@", "!@"):
        hit = str(have) in {str(w) for w in (want if isinstance(want, list) else [want])}
        return hit if op == "@" else not hit
    if op in ("%", "!%"):
        hit = str(want).lower() in str(have).lower()
        return hit if op == "%" else not hit
    if op in (">", ">=", "<", "<="):
        a, b = _num(have), _num(want)
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
    hit = _like(str(have), str(want))
    return not hit if op == "!" else hit


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def user_matches(user: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key, want in flt.items():
        op, name = _split(str(key).upper())
        if name == "NAME_SEARCH":
            text = f"{user['NAME']} {user['LAST_NAME']}".lower()
            if str(want).lower() not in text:
                return False
        elif name in user and not _value_match(op, user[name], want):
            return False
    return True


def department_matches(dep: dict[str, Any], flt: dict[str, Any]) -> bool:
    for key in ("ID", "NAME", "SORT", "PARENT", "UF_HEAD"):
        if key in flt and str(dep.get(key, "")) != str(flt[key]):
            return False
    return True

"""user.get / user.current / department.* / crm.enum.ownertype (docs/portal-rules.md#users-and-departments)."""

from __future__ import annotations

from crm_portal import EMPLOYEE, Portal


def ids(portal: Portal, params: dict[str, object]) -> list[str]:
    return [u["ID"] for u in portal.value("user.get", params)]


def test_admin_and_employees_seeded(portal: Portal) -> None:
    got = portal.call("user.get", {})
    assert (got.total, got.next) == (6, None)
    admin = got.value[0]
    assert (admin["ID"], admin["EMAIL"], admin["ACTIVE"], admin["UF_DEPARTMENT"]) == (
        "1", "admin@sandbox.example", True, [1])


def test_filters(portal: Portal) -> None:
    assert ids(portal, {"FILTER": {"EMAIL": "IVAN.smirnov@sandbox.example"}}) == ["3"]
    assert ids(portal, {"filter": {"ACTIVE": "true"}}) == ["1", "2", "3", "4", "6"]
    assert ids(portal, {"FILTER": {"ACTIVE": "N"}}) == ["5"]
    assert ids(portal, {"UF_DEPARTMENT": 2}) == ["2", "3"]  # top-level filter keys
    assert ids(portal, {"ID": 1, "FILTER": {"UF_DEPARTMENT": 3}}) == ["4", "5"]  # FILTER wins
    assert ids(portal, {"filter": {"NAME": "Ив%"}}) == ["3"]
    assert ids(portal, {"filter": {"USER_TYPE": "extranet"}}) == ["6"]
    assert ids(portal, {"filter": {"@ID": ["2", "4"]}}) == ["2", "4"]
    assert ids(portal, {"sort": "ID", "order": "DESC", "filter": {"!ID": 1}})[0] == "6"


def test_paging(portal: Portal) -> None:
    users = portal.store.section("users", {})
    for uid in range(10, 70):
        users[str(uid)] = {**users["3"], "ID": str(uid), "EMAIL": f"u{uid}@sandbox.example"}
    first = portal.call("user.get", {})
    assert (len(first.value), first.total, first.next) == (50, 66, 50)
    second = portal.call("user.get", {}, start=50)
    assert (len(second.value), second.next) == (16, None)


def test_current_user(portal: Portal) -> None:
    assert portal.value("user.current", {}, user=EMPLOYEE)["EMAIL"] == \
        "ivan.smirnov@sandbox.example"


def test_departments_with_heads(portal: Portal) -> None:
    got = portal.call("department.get", {})
    assert got.value == [
        {"ID": "1", "NAME": "Sandbox Company", "SORT": 500, "UF_HEAD": "1"},
        {"ID": "2", "NAME": "Отдел продаж", "SORT": 500, "PARENT": "1", "UF_HEAD": "2"},
        {"ID": "3", "NAME": "HR", "SORT": 500, "PARENT": "1", "UF_HEAD": "4"}]
    assert got.total == 3
    assert [d["ID"] for d in portal.value("department.get", {"PARENT": 1, "sort": "NAME",
                                                             "order": "DESC"})] == ["2", "3"]
    assert portal.value("department.fields")["UF_HEAD"] == "Manager"


def test_ownertype_includes_smart_processes(portal: Portal) -> None:
    portal.value("crm.type.add", {"fields": {"title": "Equipment", "entityTypeId": 177}})
    rows = portal.value("crm.enum.ownertype")
    assert rows[0] == {"ID": 1, "NAME": "Lead", "SYMBOL_CODE": "LEAD", "SYMBOL_CODE_SHORT": "L"}
    assert rows[-1] == {"ID": 177, "NAME": "Equipment", "SYMBOL_CODE": "DYNAMIC_177",
                        "SYMBOL_CODE_SHORT": "Tb1"}

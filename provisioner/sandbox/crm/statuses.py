"""crm.status rows: output shape, default stage sets, and the add / update / delete rules.

Rules follow docs/portal-rules.md#status-rules (CCrmStatusRestProxy, CCrmStatus::Add/Update/Delete) and the
docs pages api-reference/crm/status/crm-status-{add,update,delete}.md.
"""

from __future__ import annotations

import re
from typing import Any

from provisioner.sandbox.crm import state
from provisioner.sandbox.crm.common import core_error, legacy_error, php_int, php_trim
from provisioner.sandbox.crm.lists import StatusList, all_lists, find_list
from provisioner.sandbox.crm.reference import DefaultRow
from provisioner.sandbox.store import Store

STRICT_ALPHABET = re.compile(r"^[0-9A-Za-z_-]+$")
NOT_FOUND = "Status is not found."
# The sort-zone and single-success texts: first two from the docs/practice (docs/portal-rules.md#status-rules item 13), the
# third is the sandbox's own wording (docs/portal-rules.md#open-questions item 11: no documented text).
AFTER_SUCCESS = ("Cannot create more stages after the final stage because the final successful "
                 "stage already exists. Try using sort order values less than that of the final "
                 "stage.")
FAILURE_BEFORE_SUCCESS = "Cannot add semantics with the specified sort order"
SECOND_SUCCESS = "The stage list already has a final successful stage."


def add_default_rows(store: Store, sl: StatusList, rows: tuple[DefaultRow, ...],
                     category_id: int | None, init_all: bool = False) -> None:
    """Create a list's default rows, as a new portal or a new pipeline has them (docs/portal-rules.md#default-stages)."""
    table = state.statuses(store)
    for row in rows:
        rid = store.next_id("status")
        table[str(rid)] = {
            "ID": rid, "ENTITY_ID": sl.entity_id, "STATUS_ID": sl.full_id(row.code),
            "NAME": row.name, "NAME_INIT": row.name if (row.system or init_all) else "",
            "SORT": row.sort, "SYSTEM": "Y" if row.system else "N", "CATEGORY_ID": category_id,
            "COLOR": row.color, "SEMANTICS": row.semantics}


def rows_of(store: Store, entity_id: str) -> list[dict[str, Any]]:
    rows = [r for r in state.statuses(store).values() if r["ENTITY_ID"] == entity_id]
    return sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))


def drop_list(store: Store, entity_id: str) -> None:
    """Remove a whole stage list (its pipeline was deleted)."""
    table = state.statuses(store)
    for key in [k for k, r in table.items() if r["ENTITY_ID"] == entity_id]:
        del table[key]
    state.drop_list_items(store, entity_id)


def extra_semantics(row: dict[str, Any], sl: StatusList) -> str:
    if row["SEMANTICS"] == "S":
        return "success"
    if row["SEMANTICS"] == "F":
        return "failure" if row["STATUS_ID"] == sl.final_failure else "apology"
    return "process"


def row_json(row: dict[str, Any], sl: StatusList | None) -> dict[str, Any]:
    """A row as the legacy proxy prints it: numbers as strings, unset columns null (docs/portal-rules.md#success-envelope)."""
    out = {"ID": str(row["ID"]), "ENTITY_ID": row["ENTITY_ID"], "STATUS_ID": row["STATUS_ID"],
           "NAME": row["NAME"], "NAME_INIT": row["NAME_INIT"], "SORT": str(row["SORT"]),
           "SYSTEM": row["SYSTEM"],
           "CATEGORY_ID": None if row["CATEGORY_ID"] is None else str(row["CATEGORY_ID"]),
           "COLOR": row["COLOR"], "SEMANTICS": row["SEMANTICS"]}
    if sl is not None and sl.is_stage_list:
        out["EXTRA"] = {"SEMANTICS": extra_semantics(row, sl), "COLOR": row["COLOR"]}
    return out


def lists_by_id(store: Store) -> dict[str, StatusList]:
    return {sl.entity_id: sl for sl in all_lists(store)}


def get_row(store: Store, row_id: int) -> dict[str, Any]:
    row = state.statuses(store).get(str(row_id))
    if row is None:
        raise legacy_error(NOT_FOUND)
    return row


def _required(fields: dict[str, Any]) -> tuple[str, str]:
    entity_id = str(fields.get("ENTITY_ID") or "").strip()
    status_id = str(fields.get("STATUS_ID") or "").strip()
    missing = [f"The field {k} is required." for k, v in
               (("ENTITY_ID", entity_id), ("STATUS_ID", status_id)) if not v]
    if missing:
        raise legacy_error("\n".join(missing))
    return entity_id, status_id


def _code(status_id: str, sl: StatusList) -> str:
    """Strip any `X:` head and check the code against the list's limits (docs/portal-rules.md#status-rules items 6-7)."""
    code = status_id.split(":", 1)[1] if ":" in status_id else status_id
    if not code:
        raise legacy_error("The field STATUS_ID is required.")
    if len(code) > sl.max_length:
        # Exact English text unknown (docs/portal-rules.md#open-questions item 3): sandbox wording with the limit.
        raise core_error(f"STATUS_ID is too long (max {sl.max_length} characters).")
    if sl.strict_alphabet and not STRICT_ALPHABET.match(code):
        raise core_error("STATUS_ID contains invalid characters. "
                         "Allowed characters are: A-Z, a-z, 0-9, _ and -.")
    return code


def _check_sort_zone(store: Store, sl: StatusList, semantics: str | None, sort: int) -> None:
    """A valid stage list sorts as in-progress < success < failure (docs/portal-rules.md#status-rules item 13)."""
    success = next((r for r in rows_of(store, sl.entity_id) if r["SEMANTICS"] == "S"), None)
    if success is None:
        return
    if semantics == "S":
        raise core_error(SECOND_SUCCESS)
    if semantics is None and sort > int(success["SORT"]):
        raise core_error(AFTER_SUCCESS)
    if semantics == "F" and sort < int(success["SORT"]):
        raise core_error(FAILURE_BEFORE_SUCCESS)


def _color(value: Any) -> str | None:
    if value is None or str(value) == "":
        return None
    text = str(value)
    return text if text.startswith("#") else "#" + text


def _category(fields: dict[str, Any], sl: StatusList) -> int | None:
    """CATEGORY_ID: as sent, else derived for deal lists only, 0 for SPA lists (docs/portal-rules.md#status-rules item 12)."""
    if fields.get("CATEGORY_ID") not in (None, ""):
        return php_int(fields["CATEGORY_ID"])
    if sl.kind == "DEAL":
        return sl.category_id
    return 0 if sl.kind == "SPA" else None


def add_status(store: Store, fields: dict[str, Any]) -> int:
    entity_id, status_id = _required(fields)
    sl = find_list(store, entity_id)
    if sl is None:
        raise legacy_error("Specified entity type is not supported.")
    name = php_trim(fields.get("NAME") or "")
    if not name:
        raise legacy_error("The field Title is required.")
    full_id = sl.full_id(_code(status_id, sl))
    if any(r["STATUS_ID"] == full_id for r in rows_of(store, entity_id)):
        raise core_error("The specified status ID already exists.")
    sort = php_int(fields.get("SORT"))
    sort = sort if sort > 0 else 10
    semantics = str(fields.get("SEMANTICS") or "").upper() or None
    semantics = semantics if semantics in ("S", "F") and sl.is_stage_list else None
    if sl.is_stage_list:
        _check_sort_zone(store, sl, semantics, sort)
    rid = store.next_id("status")
    state.statuses(store)[str(rid)] = {
        "ID": rid, "ENTITY_ID": entity_id, "STATUS_ID": full_id, "NAME": name,
        "NAME_INIT": "", "SORT": sort, "SYSTEM": "N", "CATEGORY_ID": _category(fields, sl),
        "COLOR": _color(fields.get("COLOR")), "SEMANTICS": semantics}
    return rid


def update_status(store: Store, row_id: int, fields: dict[str, Any]) -> None:
    """Only NAME (if not blank), SORT and COLOR change; immutable keys are dropped (docs/portal-rules.md#status-rules)."""
    row = get_row(store, row_id)
    name = php_trim(fields.get("NAME") or "")
    if name:
        row["NAME"] = name
    if "SORT" in fields or state.settings(store).get("status_sort_reset"):
        # With the legacy switch on, an absent SORT resets to 10 as CCrmStatus::Update does.
        sort = php_int(fields.get("SORT"))
        row["SORT"] = sort if sort > 0 else 10
    if "COLOR" in fields:
        row["COLOR"] = _color(fields["COLOR"])


def delete_status(store: Store, row_id: int, forced: bool) -> None:
    row = get_row(store, row_id)
    if row["SYSTEM"] == "Y" and not forced:
        raise legacy_error('CRM System Status can be deleted only if parameter FORCED is '
                           'specified and equal to "Y".')
    if state.item_count(store, row["ENTITY_ID"], row["STATUS_ID"]) > 0:
        raise legacy_error("There are active items in this status.")
    del state.statuses(store)[str(row_id)]

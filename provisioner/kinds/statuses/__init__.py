"""The kinds over `crm.status` lists, and the rows they share.

Kinds: `deal_pipelines.py` (deal pipelines, crm.category, and their stages),
`lead_statuses.py` (the lead stages), `reference_lists.py` (SOURCE, CONTACT_TYPE, ...).
Shared, and used by the field and smart-process kinds too (imported as `st`): `rows.py`
(stages and items: model, shapes, parsing, checks, live rows, export), `sorts.py` (the SORT
settlement against live rows), `writes.py` (the ordered writes of one list).
"""

from __future__ import annotations

from provisioner.kinds.statuses.rows import (
    NAME,
    SEMANTICS,
    STATUSES,
    Grouped,
    Item,
    Stage,
    by_address,
    by_entity,
    check_codes,
    check_semantics,
    check_success_code,
    export_item,
    export_stage,
    follow_moves,
    group,
    grouped,
    item_shape,
    keep_moves,
    live_item,
    live_stage,
    parse_items,
    parse_stages,
    semantics_valid,
    stage_shape,
    strip_prefix,
    tables,
)
from provisioner.kinds.statuses.sorts import Kept, Sortable, alike_rows, resorted, settle_sorts
from provisioner.kinds.statuses.writes import (
    Op,
    answered_stages,
    list_calls,
    made_as_wanted,
    made_calls,
    made_left_out,
    made_read,
    op_call,
    ops_from_changes,
    ordered,
    whole_reads,
)

__all__ = [
    "NAME", "SEMANTICS", "STATUSES", "Grouped", "Item", "Kept", "Op", "Sortable", "Stage",
    "alike_rows", "answered_stages", "by_address", "by_entity", "check_codes",
    "check_semantics", "check_success_code", "export_item", "export_stage", "follow_moves",
    "group", "grouped", "item_shape", "keep_moves", "list_calls", "live_item", "live_stage",
    "made_as_wanted", "made_calls", "made_left_out", "made_read", "op_call",
    "ops_from_changes", "ordered", "parse_items", "parse_stages", "resorted",
    "semantics_valid", "settle_sorts", "stage_shape", "strip_prefix", "tables", "whole_reads",
]

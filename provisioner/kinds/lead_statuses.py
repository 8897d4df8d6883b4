"""Kind `lead.statuses`: the lead stage list (crm.status list STATUS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from provisioner.kinds import statuses as st
from provisioner.model import Action, Change, Note, Pairing, ReadCall, RecordQuery, Report, Script
from provisioner.model.address import Address
from provisioner.model.shape import Path

ENTITY = "STATUS"
STEP = "lead.status"
MAX_CODE = 21


class LeadStatuses:
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "lead.statuses"
    path = ("lead", "statuses")
    shape = st.stage_shape("leads")
    files: ClassVar[Mapping[str, str]] = {"lead.toml": "the lead stages"}

    def parse(self, tree: Any, path: Path, report: Report) -> tuple[st.Stage, ...]:
        stages = st.parse_stages(tree, None, STEP)
        st.check_codes([s.code for s in stages], path, report, MAX_CODE, "STATUS list limit")
        if stages and st.semantics_valid(tree):
            st.check_semantics(stages, path, report)
            st.check_success_code(stages, path, report, "CONVERTED")
        return tuple(stages)

    def read_calls(self) -> Mapping[str, ReadCall]:
        return {"statuses": ReadCall("crm.status.list", {})}

    def from_live(self, results: Mapping[str, Any]) -> tuple[st.Stage, ...]:
        rows = st.group(results["statuses"], lambda r: str(r.get("ENTITY_ID")))
        return tuple(st.live_stage(r, None, STEP) for r in rows.get(ENTITY, []))

    def pair(self, desired: tuple[st.Stage, ...] | None, live: tuple[st.Stage, ...]) -> Pairing:
        rows, moved = st.follow_moves(desired or (), live)
        wanted = st.settle_sorts(desired or (), rows)
        managed = frozenset({STEP}) if desired is not None else frozenset()
        notes = tuple(Note(a, self.name, text) for a, text in moved)
        return Pairing(st.by_address(wanted), st.by_address(rows), managed, notes, {})

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The leads a deleted lead stage holds (engine/records.py)."""
        node = live.get(change.address)
        if not isinstance(node, st.Stage) or not node.status_id:
            return None
        return RecordQuery("leads", "crm.lead.list", {"filter": {"STATUS_ID": node.status_id}},
                           "crm.lead.delete")

    def explain(self, change: Change) -> str:
        return ""

    def is_destructive(self, change: Change) -> bool:
        return change.action in (Action.DELETE, Action.REPLACE)

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        yield st.list_calls(st.ops_from_changes(changes, desired, live), ENTITY)

    def export(self, live: tuple[st.Stage, ...]) -> Mapping[str, dict[str, Any]]:
        if not live:
            return {}
        return {"lead.toml": {"lead": {"statuses": [st.export_stage(s) for s in live]}}}

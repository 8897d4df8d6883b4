"""Kind `lead.statuses`: the lead stage list (crm.status list STATUS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provisioner.kinds import statuses as st
from provisioner.model import (
    Change,
    CountsRecords,
    Exports,
    KeepsKeys,
    Files,
    Kind,
    Pairing,
    Pairs,
    ReadCall,
    RecordQuery,
    Report,
    Results,
    Script,
)
from provisioner.model.address import Address
from provisioner.model.shape import Path

ENTITY = "STATUS"
STEP = "lead.status"
MAX_CODE = 21

Stages = tuple[st.Stage, ...]


class LeadStatuses(Kind[Stages, Stages], Exports[Stages], KeepsKeys[Stages, Stages],
                   CountsRecords):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "lead.statuses"
    path = ("lead", "statuses")
    shape = st.stage_shape("leads")

    def parse(self, tree: Any, path: Path, report: Report) -> Stages:
        stages = st.parse_stages(tree, None, STEP)
        st.check_codes([s.code for s in stages], path, report, MAX_CODE, "STATUS list limit")
        if stages and st.semantics_valid(tree):
            st.check_semantics(stages, path, report)
            st.check_success_code(stages, path, report, "CONVERTED")
        return tuple(stages)

    def read_calls(self) -> Mapping[str, ReadCall]:
        return {"statuses": st.STATUSES}

    def from_live(self, results: Results) -> Stages:
        rows = st.by_entity(results["statuses"])
        return tuple(st.live_stage(r, None, STEP) for r in rows.get(ENTITY, []))

    def pair(self, desired: Stages | None, live: Stages) -> Pairing:
        rows, moved = st.follow_moves(desired or (), live)
        pairs = Pairs(self.name)
        pairs.want_all(st.settle_sorts(desired or (), rows))  # lead stages have no parent
        pairs.have(rows)
        if desired is not None:
            pairs.manage(STEP)
        for address, why in moved:
            pairs.note(address, why)
        return pairs.pairing()

    def records(self, change: Change, live: Mapping[Address, Any]) -> RecordQuery | None:
        """The leads a deleted lead stage holds (engine/records.py)."""
        node = live.get(change.address)
        if not isinstance(node, st.Stage) or not node.status_id:
            return None
        return RecordQuery("leads", "crm.lead.list", {"filter": {"STATUS_ID": node.status_id}},
                           "crm.lead.delete")

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        yield st.list_calls(st.ops_from_changes(changes, desired, live), ENTITY)

    def keyed_as(self, live: Stages, desired: Stages) -> Stages:
        """Export over a config: the stages it moved (`moved_from`) under its codes."""
        return st.keep_moves(desired, live)

    def export(self, live: Stages) -> Files:
        if not live:
            return {}
        return {"lead.toml": {"lead": {"statuses": [st.export_stage(s) for s in live]}}}

"""Walk a merged desired-state tree and collect every pipeline's stages with their automation.

The engine parses stages itself; this walker serves the runbook entry points, which need only the
names, colours, robots and triggers. Deal pipelines live at `deal.pipelines.<key>.stages`, lead
statuses at `lead.stages` (one unnamed pipeline).
"""

from __future__ import annotations

from typing import Any

from provisioner.automation.model import PipelineInfo, StageInfo
from provisioner.automation.parse import Locate, parse_stage_automation
from provisioner.errors import Problem


def pipelines_from_config(tree: dict[str, Any],
                          locate: Locate) -> tuple[list[PipelineInfo], list[Problem]]:
    """Every pipeline of the tree, stages in the order written, with located problems."""
    out: list[PipelineInfo] = []
    problems: list[Problem] = []
    deal = tree.get("deal", {})
    for key, raw in (deal.get("pipelines", {}) if isinstance(deal, dict) else {}).items():
        if isinstance(raw, dict):
            stages = _stages(raw.get("stages", []), f"deal.pipelines.{key}.stages", locate,
                             problems)
            out.append(PipelineInfo("deal", key, str(raw.get("name", key)), stages))
    lead = tree.get("lead", {})
    if isinstance(lead, dict) and isinstance(lead.get("stages"), list):
        stages = _stages(lead["stages"], "lead.stages", locate, problems)
        out.append(PipelineInfo("lead", "", str(lead.get("name", "")), stages))
    return out, problems


def _stages(raw: Any, key: str, locate: Locate,
            problems: list[Problem]) -> tuple[StageInfo, ...]:
    stages = []
    for n, table in enumerate(raw if isinstance(raw, list) else [], 1):
        if not isinstance(table, dict):
            continue
        code = str(table.get("code", n))
        automation, found = parse_stage_automation(table, f"{key}[{code}]", locate)
        problems.extend(found)
        stages.append(StageInfo(code, str(table.get("name", code)), str(table.get("color", "")),
                                automation))
    return tuple(stages)

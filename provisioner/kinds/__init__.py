"""Resource kinds: one module (or package) per kind, one registry (`KINDS`), one contract.

A kind owns one part of the desired-state tree (`path`, e.g. ("deal", "pipelines")) and
everything about its objects; the engine (loader, planner, applier, exporter, schema) only loops
over `KINDS` and never asks which kind it holds. The contract, its optional capabilities and
the helpers every kind uses (`Pairs`, `parallel`) are in `provisioner.model`; adding a kind is
a new module or package here, one line in `KINDS`, and the sandbox's methods
(docs/architecture.md, "Adding a kind").
"""

from __future__ import annotations

from provisioner.kinds.automation.kind import Automation
from provisioner.kinds.companion.kind import CallCard, Tasks
from provisioner.kinds.fields.kind import ENTITIES, Fields
from provisioner.kinds.smart_processes.kind import SmartProcesses
from provisioner.kinds.statuses.deal_pipelines import DealPipelines
from provisioner.kinds.statuses.lead_statuses import LeadStatuses
from provisioner.kinds.statuses.reference_lists import ReferenceLists
from provisioner.model import AnyKind

KINDS: tuple[AnyKind, ...] = (
    DealPipelines(),
    LeadStatuses(),
    ReferenceLists(),
    *(Fields(entity) for entity in ENTITIES),
    SmartProcesses(),
    Automation(),
    CallCard(),
    Tasks(),
)

__all__ = ["KINDS"]

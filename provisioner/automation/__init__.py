"""Robots and triggers of pipeline stages: parsed, validated, planned as manual, runbook, sign-off.

The public surface the engine and the CLI use; see each module for details.
"""

from __future__ import annotations

from provisioner.automation.attest import (
                                           Attestations,
                                           attestation_path,
                                           check,
                                           fingerprint,
                                           read_attestations,
                                           recorded,
                                           write_attestations,
)
from provisioner.automation.commands import (
                                           RunbookResult,
                                           attest_command,
                                           make_runbook,
                                           runbook_command,
)
from provisioner.automation.manual import ManualItem, Where, manual_changes
from provisioner.automation.model import (
                                           PipelineInfo,
                                           Robot,
                                           StageAutomation,
                                           StageInfo,
                                           Trigger,
                                           stage_address,
)
from provisioner.automation.parse import parse_stage_automation
from provisioner.automation.runbook import build_runbook, render_markdown
from provisioner.automation.runbook_html import render_html
from provisioner.automation.schema import stage_schema_properties
from provisioner.automation.validate import Catalog, catalog_from_live, validate_stage

__all__ = [
    "Attestations", "Catalog", "ManualItem", "PipelineInfo", "Robot", "RunbookResult",
    "StageAutomation", "StageInfo", "Trigger", "Where", "attest_command", "attestation_path",
    "build_runbook", "catalog_from_live", "check", "fingerprint", "make_runbook",
    "manual_changes", "parse_stage_automation", "read_attestations", "recorded",
    "render_html", "render_markdown", "runbook_command", "stage_address",
    "stage_schema_properties", "validate_stage", "write_attestations",
]

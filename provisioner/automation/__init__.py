"""Robots and triggers of pipeline stages: parsed, validated, planned as manual, runbook, sign-off.

The public surface the engine and the CLI use; see each module for details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provisioner.lazy import attributes

if TYPE_CHECKING:
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

# Each name is imported from its module when first used (PEP 562): a kind that needs the
# parser and the model does not load the runbook, the attestation commands and the HTML
# renderer with them (`provision validate` starts a third faster).
_WHERE = {
    "Attestations": "provisioner.automation.attest",
    "attestation_path": "provisioner.automation.attest",
    "check": "provisioner.automation.attest",
    "fingerprint": "provisioner.automation.attest",
    "read_attestations": "provisioner.automation.attest",
    "recorded": "provisioner.automation.attest",
    "write_attestations": "provisioner.automation.attest",
    "RunbookResult": "provisioner.automation.commands",
    "attest_command": "provisioner.automation.commands",
    "make_runbook": "provisioner.automation.commands",
    "runbook_command": "provisioner.automation.commands",
    "ManualItem": "provisioner.automation.manual",
    "Where": "provisioner.automation.manual",
    "manual_changes": "provisioner.automation.manual",
    "PipelineInfo": "provisioner.automation.model",
    "Robot": "provisioner.automation.model",
    "StageAutomation": "provisioner.automation.model",
    "StageInfo": "provisioner.automation.model",
    "Trigger": "provisioner.automation.model",
    "stage_address": "provisioner.automation.model",
    "parse_stage_automation": "provisioner.automation.parse",
    "build_runbook": "provisioner.automation.runbook",
    "render_markdown": "provisioner.automation.runbook",
    "render_html": "provisioner.automation.runbook_html",
    "stage_schema_properties": "provisioner.automation.schema",
    "Catalog": "provisioner.automation.validate",
    "catalog_from_live": "provisioner.automation.validate",
    "validate_stage": "provisioner.automation.validate",
}


__getattr__ = attributes(__name__, _WHERE, globals())


__all__ = [
    "Attestations", "Catalog", "ManualItem", "PipelineInfo", "Robot", "RunbookResult",
    "StageAutomation", "StageInfo", "Trigger", "Where", "attest_command", "attestation_path",
    "build_runbook", "catalog_from_live", "check", "fingerprint", "make_runbook",
    "manual_changes", "parse_stage_automation", "read_attestations", "recorded",
    "render_html", "render_markdown", "runbook_command", "stage_address",
    "stage_schema_properties", "validate_stage", "write_attestations",
]

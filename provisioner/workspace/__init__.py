"""The library workflow over the engine: a config, a portal, and what provision does with them.

    from provisioner.workspace import Consent, PortalChoice, Workspace
    ws = Workspace("portal-config", PortalChoice(name="production"))
    plan = ws.plan(Consent(allow_destroy=True))
    ws.apply(Consent(allow_destroy=True), confirm=lambda plan: True)

The CLI is a thin layer over this package (`provisioner/cli/`).
"""

from __future__ import annotations

from provisioner.workspace.attestations import AttestationStore
from provisioner.workspace.book import Attested, Written
from provisioner.workspace.identity import PortalIdentity
from provisioner.workspace.portals import Portal, PortalsError
from provisioner.workspace.select import Connection, PortalChoice, sandbox_state_path
from provisioner.workspace.workspace import (
    Applied,
    Cancelled,
    Consent,
    Exported,
    Workspace,
)

__all__ = [
    "Applied", "AttestationStore", "Attested", "Cancelled", "Connection", "Consent", "Exported",
    "Portal", "PortalChoice", "PortalIdentity", "PortalsError", "Workspace", "Written",
    "sandbox_state_path",
]

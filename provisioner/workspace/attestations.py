"""The attestation store: which portal's sign-offs are read, from where, and where attest writes.

Kept in the config directory, one file per portal identity (`attestations/<key>.toml`). Files
of older versions (beside the config directory, named by host) are still read, with a notice;
a saved plan carries its own copy, so it applies wherever the plan file is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.automation import attest as att
from provisioner.engine import LiveState
from provisioner.engine import with_local_records
from provisioner.workspace.identity import PortalIdentity


@dataclass(frozen=True)
class AttestationStore:
    """A portal's attestations for a config (or the copy a saved plan holds)."""

    identity: PortalIdentity
    config: Path | None = None  # None: only the saved copy (or nothing) is known
    saved: Mapping[str, Any] | None = None  # a saved plan's copy of the attestations

    @property
    def path(self) -> Path | None:
        """Where `attest` writes this portal's attestations."""
        return None if self.config is None else att.attestation_path(self.config,
                                                                    self.identity.key)

    @property
    def legacy_path(self) -> Path | None:
        """Where older versions kept them (beside the config directory, named by host)."""
        if self.config is None:
            return None
        return att.legacy_attestation_path(self.config, self.identity.legacy_key)

    def source(self) -> Path | None:
        """The file the attestations are read from: ours, else an older version's, else none."""
        for path in (self.path, self.legacy_path):
            if path is not None and path.exists():
                return path
        return None

    def read(self, notice: Callable[[str], None] = lambda _line: None) -> att.Attestations:
        portal = str(self.identity)
        if self.saved is not None:
            return att.from_document(self.saved, portal, "the plan file's attestations")
        found = self.source()
        if found is None:
            return att.Attestations(portal)
        if found != self.path:
            notice(f"Reading the attestations of {portal} from {found}, where older versions "
                   f"kept them; `provision attest` now keeps them in {self.path}: move the file "
                   "there.")
        return att.read_attestations(found, portal)

    def write(self, attestations: att.Attestations) -> Path:
        if self.path is None:
            raise ValueError("no config directory to keep attestations in")
        att.write_attestations(self.path, attestations)
        return self.path


def document(attestations: att.Attestations) -> dict[str, Any]:
    """The attestations as a saved plan keeps them."""
    return att.to_document(attestations)


def with_attestations(live: LiveState, attestations: att.Attestations) -> LiveState:
    """The live state plus the attestations chosen for this portal (ours, an older version's
    file, a saved plan's copy), through the kinds' `add_local` hook."""
    return with_local_records(live, attestations)

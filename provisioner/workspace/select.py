"""Which portal a command talks to, one path for all: `--portal NAME` from the portals file,
else a webhook URL (B24_WEBHOOK_URL), else the local sandbox."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provisioner.engine.threshold import ChangeLimit
from provisioner.workspace import portals
from provisioner.workspace.identity import PortalIdentity

DEFAULT_SANDBOX_STATE = Path(".provision") / "sandbox.json"
SANDBOX_STATE_ENV = "PROVISION_SANDBOX_STATE"
Notice = Callable[[str], None]
Sleep = Callable[[float], None]


def sandbox_state_path(explicit: str | Path | None = None) -> Path:
    """Where the default sandbox portal keeps its state between runs."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(SANDBOX_STATE_ENV, str(DEFAULT_SANDBOX_STATE)))


@dataclass(frozen=True)
class PortalChoice:
    """What the options say about the portal; its repr never shows the webhook URL."""

    name: str | None = None  # --portal NAME, from the portals file
    portals_file: str | Path | None = None  # --portals FILE
    webhook_url: str | None = field(default=None, repr=False)  # --webhook-url, B24_WEBHOOK_URL
    sandbox_state: str | Path | None = None  # --sandbox-state, PROVISION_SANDBOX_STATE
    insecure: bool = False  # --insecure: no TLS verification

    def connect(self, config: str | Path | None, notice: Notice,
                sleep: Sleep | None = None) -> Connection:
        """The chosen portal, connected; `notice` gets what a person must be told first (the
        sandbox in use, --insecure's warning), never a secret; `sleep` is the client's (a
        progress tracker's; None: the client's own)."""
        if self.name:
            return _named(self, config, notice, sleep)
        if self.webhook_url:
            return _webhook(self.webhook_url, self.insecure, notice, sleep)
        return _sandbox(sandbox_state_path(self.sandbox_state), self.insecure, notice, sleep)

    def identity(self, config: str | Path | None) -> PortalIdentity:
        """The chosen portal's identity, without connecting to it."""
        if self.name:
            return portals.choose(portals.find_file(config, self.portals_file),
                                  self.name).identity()
        if self.webhook_url:
            return PortalIdentity.of_url(self.webhook_url)
        return PortalIdentity.sandbox()


@dataclass(frozen=True)
class Connection:
    """A connected portal: its client, its identity, the addresses never deleted on it."""

    client: Any  # a provisioner.client.BitrixClient, or anything with its methods
    identity: PortalIdentity
    protect: tuple[str, ...] = ()
    max_changes: ChangeLimit | None = None  # the portal's change limit (portals.toml)


def _named(choice: PortalChoice, config: str | Path | None, notice: Notice,
           sleep: Sleep | None) -> Connection:
    assert choice.name is not None
    portal = portals.choose(portals.find_file(config, choice.portals_file), choice.name)
    identity = portal.identity()  # before connecting: a missing secret fails here, clearly
    if portal.is_sandbox:
        notice(f"Using portal {portal.name}: the local sandbox {portal.sandbox}.")
    client = portals.connect(portal, notice, insecure=choice.insecure, sleep=sleep)
    return Connection(client, identity, portal.protect, portal.max_changes)


def _webhook(url: str, insecure: bool, notice: Notice, sleep: Sleep | None) -> Connection:
    from provisioner.client import BitrixClient

    identity = PortalIdentity.of_url(url)
    with portals.insecure_tls(url, insecure, notice):
        return Connection(BitrixClient.from_webhook(url, **portals.timing(sleep, insecure)),
                          identity)


def _sandbox(state: Path, insecure: bool, notice: Notice, sleep: Sleep | None) -> Connection:
    from provisioner.client import BitrixClient
    from provisioner.sandbox import Sandbox

    notice(f"Using the local sandbox portal ({state}); set --webhook-url or B24_WEBHOOK_URL "
           "for a real portal.")
    if insecure:
        notice(portals.INSECURE_SANDBOX)
    sandbox = Sandbox.open(state)
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       **portals.timing(sleep))
    return Connection(client, PortalIdentity.sandbox())

"""Options and helpers shared by commands that talk to a portal."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SANDBOX_STATE = Path(".provision") / "sandbox.json"
INSECURE_KEY = "provision.insecure"


def sandbox_state_path(explicit: str | None = None) -> Path:
    """Where the sandbox portal keeps its state between CLI runs."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("PROVISION_SANDBOX_STATE", str(DEFAULT_SANDBOX_STATE)))


def portal_options(fn: F) -> F:
    """--webhook-url (B24_WEBHOOK_URL) and --sandbox-state on a command that talks to a portal."""

    @click.option("--webhook-url", envvar="B24_WEBHOOK_URL", default=None, metavar="URL",
                  help="Incoming-webhook URL https://<portal>/rest/<user>/<token>/ "
                       "(env B24_WEBHOOK_URL). Without it the local sandbox portal is used.")
    @click.option("--sandbox-state", default=None, metavar="FILE",
                  help="State file of the local sandbox portal "
                       "(env PROVISION_SANDBOX_STATE; default .provision/sandbox.json).")
    @click.option("--insecure", is_flag=True,
                  help="Do not verify the portal's TLS certificate (a self-hosted portal with a "
                       "self-signed certificate). Prints a warning; never use it over a network "
                       "you do not trust.")
    @functools.wraps(fn)
    def wrapper(*args: Any, insecure: bool = False, **kwargs: Any) -> Any:
        # Kept in the click context, so that commands need no extra parameter for it.
        click.get_current_context().meta[INSECURE_KEY] = insecure
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class PortalChoice:
    """Which portal a command talks to; never holds a secret in its repr."""

    webhook_url: str | None
    sandbox_state: Path

    @property
    def is_sandbox(self) -> bool:
        return self.webhook_url is None


def portal_choice(webhook_url: str | None, sandbox_state: str | None) -> PortalChoice:
    return PortalChoice(webhook_url or None, sandbox_state_path(sandbox_state))


def connect(choice: PortalChoice, notice: Callable[[str], None] | None = None) -> Any:
    """A BitrixClient for the chosen portal: the webhook, else the local sandbox (announced
    through `notice` first, so that it is the first line a user sees)."""
    from provisioner.client import BitrixClient

    if choice.webhook_url:
        if _insecure():
            return _insecure_client(choice.webhook_url)
        return BitrixClient.from_webhook(choice.webhook_url)
    from provisioner.sandbox import Sandbox

    if notice is not None:
        notice(f"Using the local sandbox portal ({choice.sandbox_state}); "
               "set --webhook-url or B24_WEBHOOK_URL for a real portal.")
    if _insecure():
        click.echo("Warning: --insecure is ignored for the local sandbox portal.", err=True)
    sandbox = Sandbox.open(choice.sandbox_state)
    return BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())


def _insecure() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(INSECURE_KEY))


def _insecure_client(webhook_url: str) -> Any:
    """A client that does not verify TLS, after one clear warning on stderr (instead of the
    client's and urllib3's per-request warnings)."""
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    from provisioner.client import BitrixClient
    from provisioner.client.client import InsecureTLSWarning
    from provisioner.client.redact import redact

    click.echo(f"Warning: --insecure: TLS certificate verification is OFF for "
               f"{redact(webhook_url)}; anyone on the network path can read the webhook token "
               "and change the portal's answers.", err=True)
    warnings.filterwarnings("ignore", category=InsecureRequestWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureTLSWarning)
        return BitrixClient.from_webhook(webhook_url, insecure=True)

"""What every command that talks to a portal shares: its options, its error handling, stderr.

Imports nothing of the workspace at module level (the portal is chosen when a command runs):
`provision --help` and `validate` start without loading the engine and the REST client.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from provisioner.cli.output import Out, print_error, err
from provisioner.errors import ProvisionError

F = TypeVar("F", bound=Callable[..., Any])
__all__ = ["err", "expected_errors", "portal_options"]


def portal_options(fn: F) -> F:
    """--portal, --portals, --webhook-url, --sandbox-state and --insecure: the command gets
    them as one `portal: PortalChoice` (provisioner/workspace/select.py chooses the portal)."""

    @click.option("--portal", "portal_name", default=None, metavar="NAME",
                  help="A portal named in the portals file (staging, production, ...).")
    @click.option("--portals", "portals_file", default=None, metavar="FILE",
                  help="The portals file (default: portals.toml beside the CONFIG "
                       "directory, else in the current directory).")
    @click.option("--webhook-url", envvar="B24_WEBHOOK_URL", default=None, metavar="URL",
                  callback=_webhook_url,
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
    def wrapper(*args: Any, portal_name: str | None, portals_file: str | None,
                webhook_url: str | None, sandbox_state: str | None, insecure: bool,
                **kwargs: Any) -> Any:
        from provisioner.workspace.select import PortalChoice

        choice = PortalChoice(portal_name, portals_file, webhook_url or None, sandbox_state,
                              insecure)
        return fn(*args, portal=choice, **kwargs)

    return wrapper  # type: ignore[return-value]


def _webhook_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A value that names no portal is refused naming where it came from (the environment is
    easy to forget), and without echoing it: it may hold the webhook's token."""
    from provisioner.workspace.identity import PortalIdentity

    if not value:
        return value
    try:
        PortalIdentity.of_url(value)
    except ProvisionError:
        source = ctx.get_parameter_source(param.name or "")
        where = "B24_WEBHOOK_URL" if source is ParameterSource.ENVIRONMENT else "--webhook-url"
        raise click.UsageError(f"{where} is not a webhook URL: write "
                               "https://<portal>/rest/<user>/<token>/, as Bitrix24 shows it "
                               "(Developer resources → Other → Incoming webhook)") from None
    return value


def expected_errors(fn: F) -> F:
    """Expected errors of a command without `--json` (the servers): one clear message on
    stderr and exit 1, no traceback. Commands with a result use `output.command`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ProvisionError as exc:
            print_error(exc, Out())
        sys.exit(1)

    return wrapper  # type: ignore[return-value]

"""CLI commands of the local sandbox portal: serve, reset, show."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from provisioner.cli.options import err
from provisioner.cli.output import Out, Outcome, command

F = TypeVar("F", bound=Callable[..., Any])
STATE_HELP = ("State file of the local sandbox portal "
              "(env PROVISION_SANDBOX_STATE; default .provision/sandbox.json).")


def state_option(fn: F) -> F:
    """--sandbox-state, as on every portal command; --state is its old name, hidden and
    deprecated. The command gets `state`."""

    @click.option("--sandbox-state", "state", default=None, metavar="FILE", help=STATE_HELP)
    @click.option("--state", "old_state", default=None, metavar="FILE", hidden=True)
    @functools.wraps(fn)
    def wrapper(*args: Any, state: str | None, old_state: str | None, **kwargs: Any) -> Any:
        if old_state is not None:
            err("Warning: --state is deprecated; use --sandbox-state.")
            if state is not None and state != old_state:
                raise click.UsageError("give --sandbox-state only (--state is its old name)")
        return fn(*args, state=state or old_state, **kwargs)

    return wrapper  # type: ignore[return-value]


def register(group: click.Group) -> None:
    @group.group()
    def sandbox() -> None:
        """The local sandbox portal: an emulator of a Bitrix24 portal for offline work."""

    @sandbox.command()
    @click.option("--port", default=8024, show_default=True, type=click.IntRange(0, 65535),
                  help="Port on 127.0.0.1 (0 picks a free one).")
    @state_option
    @click.option("--no-rate-limit", is_flag=True,
                  help="Switch off the leaky-bucket limit (50 burst, 2/s) of a real portal.")
    def serve(port: int, state: str | None, no_rate_limit: bool) -> None:
        """Serve the sandbox portal over HTTP on 127.0.0.1 until Ctrl-C.

        Prints the incoming-webhook URL. Its token is a local test credential of this sandbox
        only (kept in the state file), not a secret of any real portal.
        """
        from provisioner.sandbox import server
        from provisioner.workspace.select import sandbox_state_path

        path = sandbox_state_path(state)

        def ready(sb: Any) -> None:
            click.echo(f"Sandbox portal on {sb.base_url} (state: {path})")
            click.echo(f"Incoming webhook (local test credential): {sb.webhook_url}")
            click.echo("Press Ctrl-C to stop.")

        try:
            server.serve(port, path, rate_limit=not no_rate_limit, on_ready=ready)
        except OSError as exc:
            raise click.ClickException(
                f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None
        except KeyboardInterrupt:
            click.echo("Stopped.")

    @sandbox.command()
    @state_option
    @command("sandbox reset")
    def reset(state: str | None, out: Out) -> Outcome:
        """Replace the sandbox portal with a brand-new one (a new webhook token too)."""
        from provisioner.sandbox import Sandbox
        from provisioner.workspace.select import sandbox_state_path

        path = sandbox_state_path(state)
        Sandbox.open(path).reset()
        out.echo(f"Sandbox portal reset: {path}")
        return Outcome({"state": str(path)})

    @sandbox.command()
    @state_option
    @command("sandbox show")
    def show(state: str | None, out: Out) -> Outcome:
        """Summarise what the sandbox portal holds, section by section."""
        from provisioner.sandbox import Sandbox
        from provisioner.sandbox.summary import summarise
        from provisioner.workspace.select import sandbox_state_path

        path = sandbox_state_path(state)
        lines = summarise(Sandbox.open(path).store.data)
        out.echo(f"Sandbox portal: {path}")
        for line in lines:
            out.echo(line)
        return Outcome({"state": str(path), "summary": list(lines)})

"""CLI commands of the engine: validate, plan, apply, export, schema (drift comes later)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provisioner import engine
from provisioner.automation import portal_name
from provisioner.cli.common import connect, portal_choice, portal_options
from provisioner.errors import ConfigError, ProvisionError
from provisioner.kinds import KINDS
from provisioner.kinds.extensions import with_local_records

F = TypeVar("F", bound=Callable[..., Any])
CONFIRM = "Apply these changes? Only 'yes' is accepted"


def _err(text: str) -> None:
    click.echo(text, err=True)


def expected_errors(fn: F) -> F:
    """Expected errors: one clear message on stderr and exit 1, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            _err(exc.render())
            sys.exit(1)
        except ProvisionError as exc:
            _err(f"Error: {exc}")
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _client(webhook_url: str | None, sandbox_state: str | None) -> Any:
    return connect(portal_choice(webhook_url, sandbox_state), notice=_err)


def _plan(config: str, webhook_url: str | None, sandbox_state: str | None,
          allow_destroy: bool) -> tuple[engine.Plan, Any]:
    desired = engine.load_desired(config)  # before any portal is touched
    client = _client(webhook_url, sandbox_state)
    live = engine.read_live(client)
    # Records kept beside CONFIG for this portal (attested robots): kinds/extensions.py
    live = with_local_records(live, Path(config), portal_name(webhook_url), KINDS)
    return engine.make_plan(desired, live, engine.PlanOptions(allow_destroy)), client


def _validate(config: str) -> None:
    desired = engine.load_desired(config)
    files = len(desired.files)
    click.echo(f"Valid: {config} ({files} file{'s' if files != 1 else ''}).")


def _show_plan(config: str, as_json: bool, detailed: bool, allow_destroy: bool,
               webhook_url: str | None, sandbox_state: str | None) -> None:
    plan, _ = _plan(config, webhook_url, sandbox_state, allow_destroy)
    click.echo(engine.render_json(plan) if as_json else engine.render_text(plan), nl=False)
    if detailed and plan.has_actionable:
        sys.exit(2)


def _apply(config: str, auto_approve: bool, allow_destroy: bool, webhook_url: str | None,
           sandbox_state: str | None) -> None:
    plan, client = _plan(config, webhook_url, sandbox_state, allow_destroy)
    click.echo(engine.render_text(plan), nl=False)
    if not plan.has_actionable:
        return
    if plan.destructive and not allow_destroy:
        raise engine.DestroyRefused("the plan deletes or replaces objects; run again with "
                                    "--allow-destroy to allow it")
    if not auto_approve and click.prompt(CONFIRM, default="", show_default=False) != "yes":
        _err("Apply cancelled.")
        sys.exit(1)
    report = engine.apply(plan, client, allow_destroy=allow_destroy, progress=click.echo)
    click.echo(report.summary())
    for address in report.manual:
        click.echo(f"  ! {address}: manual, not applied")


def _export(out: str, webhook_url: str | None, sandbox_state: str | None) -> None:
    live = engine.read_live(_client(webhook_url, sandbox_state))
    for path in engine.export(live, out):
        click.echo(f"wrote {path}")


def _schema(out: str | None) -> None:
    text = engine.schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}")


def register(group: click.Group) -> None:
    config_arg = click.argument("config", default="portal-config", type=click.Path())
    destroy = click.option("--allow-destroy", is_flag=True,
                           help="Plan and apply deletions of objects absent from CONFIG, and "
                                "replacements (a stage whose semantics changed).")

    @group.command()
    @config_arg
    @expected_errors
    def validate(config: str) -> None:
        """Check the desired state in CONFIG (a directory of *.toml files or one file).

        Reports every problem with its file, key, line and the fix; talks to no portal.
        """
        _validate(config)

    @group.command()
    @config_arg
    @click.option("--json", "as_json", is_flag=True, help="Print the plan as a JSON document.")
    @click.option("--detailed-exitcode", is_flag=True,
                  help="Exit 0 without changes, 1 on error, 2 with changes.")
    @destroy
    @portal_options
    @expected_errors
    def plan(config: str, as_json: bool, detailed_exitcode: bool, allow_destroy: bool,
             webhook_url: str | None, sandbox_state: str | None) -> None:
        """Show what apply would change on the portal to match CONFIG."""
        _show_plan(config, as_json, detailed_exitcode, allow_destroy, webhook_url, sandbox_state)

    @group.command()
    @config_arg
    @click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
    @destroy
    @portal_options
    @expected_errors
    def apply(config: str, auto_approve: bool, allow_destroy: bool, webhook_url: str | None,
              sandbox_state: str | None) -> None:
        """Change the portal to match CONFIG, after showing the plan."""
        _apply(config, auto_approve, allow_destroy, webhook_url, sandbox_state)

    @group.command()
    @click.option("--out", default="portal-export", show_default=True, metavar="DIR",
                  help="Directory to write the TOML files (and the JSON Schema) to.")
    @portal_options
    @expected_errors
    def export(out: str, webhook_url: str | None, sandbox_state: str | None) -> None:
        """Write the live portal as desired-state TOML."""
        _export(out, webhook_url, sandbox_state)

    @group.command()
    @click.option("--out", default=None, metavar="FILE",
                  help="Write the JSON Schema to FILE instead of standard output.")
    def schema(out: str | None) -> None:
        """Print the JSON Schema of the desired-state format (for Taplo / Even Better TOML)."""
        _schema(out)

    @group.command()
    @config_arg
    @portal_options
    def drift(config: str, **_: object) -> None:
        """Report what differs between CONFIG and the portal (exit 2 when it drifted)."""
        raise click.ClickException("`provision drift` is not implemented yet; "
                                   "use `provision plan --detailed-exitcode`")

"""CLI commands of the engine: validate, plan, apply, export, schema, drift (click only; the
work is in cli/flows.py over the library)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provisioner.cli import flows
from provisioner.cli.common import portal_options
from provisioner.cli.portal_select import select_options
from provisioner.engine import planfile
from provisioner.engine.loader import load_desired
from provisioner.engine.schema import schema_text

F = TypeVar("F", bound=Callable[..., Any])
CONFIRM = flows.CONFIRM


def expected_errors(fn: F) -> F:
    """Expected errors: one clear message on stderr and exit 1, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flows.guarded(lambda: fn(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def _where(kw: dict[str, Any]) -> flows.Where:
    return flows.Where(kw.pop("portal_name", None), kw.pop("portals_file", None),
                       kw.pop("webhook_url", None), kw.pop("sandbox_state", None))


def _consent(kw: dict[str, Any]) -> flows.Consent:
    return flows.Consent(kw.pop("allow_destroy", False), kw.pop("allow_data_loss", False),
                         tuple(kw.pop("targets", ())), tuple(kw.pop("excludes", ())))


def _validate(config: str) -> None:
    desired = load_desired(config)
    files = len(desired.files)
    click.echo(f"Valid: {config} ({files} file{'s' if files != 1 else ''}).")


def _schema(out: str | None) -> None:
    text = schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}")


def _portal(fn: F) -> F:
    return select_options(portal_options(fn))


def _scope(fn: F) -> F:
    fn = click.option("--exclude", "excludes", multiple=True, metavar="ADDRESS",
                      help="Leave this address (and what is under it) out; repeatable.")(fn)
    return click.option("--target", "targets", multiple=True, metavar="ADDRESS",
                        help="Only this address and what is under it, e.g. "
                             "deal.pipeline[sales]; repeatable.")(fn)


DESTROY = click.option("--allow-destroy", is_flag=True,
                       help="Plan and apply deletions of objects absent from CONFIG, and "
                            "replacements (a stage whose semantics changed).")
DATA_LOSS = click.option("--allow-data-loss", is_flag=True,
                         help="Also delete what holds records: the deals, leads or items in a "
                              "deleted stage, pipeline or smart process are deleted first.")
CONFIG = click.argument("config", default="portal-config", type=click.Path())


def register(group: click.Group) -> None:
    @group.command()
    @CONFIG
    @expected_errors
    def validate(config: str) -> None:
        """Check the desired state in CONFIG (a directory of *.toml files or one file).

        Reports every problem with its file, key, line and the fix; talks to no portal.
        """
        _validate(config)

    @group.command()
    @CONFIG
    @click.option("--json", "as_json", is_flag=True, help="Print the plan as a JSON document.")
    @click.option("--detailed-exitcode", is_flag=True,
                  help="Exit 0 without changes, 1 on error, 2 with changes.")
    @click.option("--out", default=None, metavar="FILE",
                  help="Save the plan (with a fingerprint of the portal) for `apply FILE`.")
    @DESTROY
    @_scope
    @_portal
    @expected_errors
    def plan(config: str, as_json: bool, detailed_exitcode: bool, out: str | None,
             **kw: Any) -> None:
        """Show what apply would change on the portal to match CONFIG."""
        flows.show_plan(config, _where(kw), _consent(kw), as_json, detailed_exitcode, out)

    @group.command()
    @click.argument("config", default="portal-config", type=click.Path(), metavar="CONFIG|PLAN")
    @click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--id-map", default=None, metavar="FILE",
                  help="Write old -> new portal ids here (default id-map.json beside CONFIG "
                       "when CONFIG was exported from another portal).")
    @DESTROY
    @DATA_LOSS
    @_scope
    @_portal
    @expected_errors
    def apply(config: str, auto_approve: bool, id_map: str | None, **kw: Any) -> None:
        """Change the portal to match CONFIG after showing the plan, or apply a saved PLAN
        exactly (refused when the portal changed since)."""
        where, consent = _where(kw), _consent(kw)
        if planfile.is_plan_file(config):
            if consent.targets or consent.excludes:
                raise click.UsageError("--target/--exclude belong to `plan --out`, not to "
                                       "applying a saved plan")
            flows.apply_saved(config, where, consent, id_map)
        else:
            flows.apply_config(config, where, consent, auto_approve, id_map)

    @group.command()
    @click.option("--out", default="portal-export", show_default=True, metavar="DIR",
                  help="Directory to write the TOML files (and the JSON Schema) to.")
    @_portal
    @expected_errors
    def export(out: str, **kw: Any) -> None:
        """Write the live portal as desired-state TOML (and its ids, for migrations)."""
        flows.run_export(out, _where(kw))

    @group.command()
    @click.option("--out", default=None, metavar="FILE",
                  help="Write the JSON Schema to FILE instead of standard output.")
    def schema(out: str | None) -> None:
        """Print the JSON Schema of the desired-state format (for Taplo / Even Better TOML)."""
        _schema(out)

    @group.command()
    @CONFIG
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @_portal
    @expected_errors
    def drift(config: str, as_json: bool, **kw: Any) -> None:
        """Report what differs between CONFIG and the portal: exit 0 in sync, 2 drift,
        1 error."""
        flows.run_drift(config, _where(kw), as_json)

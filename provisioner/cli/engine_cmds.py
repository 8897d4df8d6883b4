"""CLI commands of the engine: validate, plan, apply, export, schema, drift. Click only: each
parses its options, calls the workspace (provisioner/workspace/), renders, picks the exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provisioner.cli.export_text import exported_text
from provisioner.cli.options import err, expected_errors, portal_options
from provisioner.engine import Plan, load_desired, planfile, render_json, render_text
from provisioner.engine import drift as drift_report
from provisioner.engine.schema import schema_text
from provisioner.workspace import Applied, Consent, PortalChoice, Workspace

F = TypeVar("F", bound=Callable[..., Any])
CONFIRM = "Apply these changes? Only 'yes' is accepted"


def _consent(kw: dict[str, Any]) -> Consent:
    return Consent(kw.pop("allow_destroy", False), kw.pop("allow_data_loss", False),
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


def _plan(config: str, portal: PortalChoice, consent: Consent, as_json: bool, detailed: bool,
          out: str | None) -> None:
    ws = Workspace(config, portal, notice=err)
    plan = ws.plan(consent)
    click.echo(render_json(plan) if as_json else render_text(plan), nl=False)
    if out:
        ws.save_plan(plan, out)
        err(f"Saved the plan to {out}; apply it with `provision apply {out}`.")
    if detailed and plan.has_actionable:
        sys.exit(2)


def _show(plan: Plan) -> None:
    click.echo(render_text(plan), nl=False)


def _ask(_plan: Plan) -> bool:
    return bool(click.prompt(CONFIRM, default="", show_default=False) == "yes")


def _apply(config: str, portal: PortalChoice, consent: Consent, auto_approve: bool,
           id_map: str | None) -> None:
    if planfile.is_plan_file(config):
        if consent.targets or consent.excludes:
            raise click.UsageError("--target/--exclude belong to `plan --out`, not to "
                                   "applying a saved plan")
        done = Workspace(None, portal, notice=err).apply_saved(
            config, consent, show=_show, progress=click.echo, id_map=id_map)
    else:
        done = Workspace(config, portal, notice=err).apply(
            consent, confirm=None if auto_approve else _ask, show=_show, progress=click.echo,
            id_map=id_map)
    _applied(done)


def _applied(done: Applied) -> None:
    if done.report is not None:
        click.echo(done.report.summary())
        for address in done.report.manual:
            click.echo(f"  ! {address}: manual, not applied")
    if done.id_map is not None:
        click.echo(f"wrote {done.id_map} (old -> new ids)")


def _export(out: str, portal: PortalChoice, force: bool, source: str | None) -> None:
    done = Workspace(source, portal, notice=err).export(out, force)
    for path in done.files:
        click.echo(f"wrote {path}")
    click.echo(f"wrote {done.ids} (this portal's ids, for the id map after a migration)")
    click.echo(exported_text(done), nl=False)


def _drift(config: str, portal: PortalChoice, as_json: bool, strict: bool) -> None:
    doc = Workspace(config, portal, notice=err).drift(strict)
    render = drift_report.render_drift_json if as_json else drift_report.render_drift_text
    click.echo(render(doc), nl=False)
    if not doc["in_sync"]:
        sys.exit(2)


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
    @portal_options
    @expected_errors
    def plan(config: str, as_json: bool, detailed_exitcode: bool, out: str | None,
             portal: PortalChoice, **kw: Any) -> None:
        """Show what apply would change on the portal to match CONFIG."""
        _plan(config, portal, _consent(kw), as_json, detailed_exitcode, out)

    @group.command()
    @click.argument("config", default="portal-config", type=click.Path(), metavar="CONFIG|PLAN")
    @click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
    @click.option("--id-map", default=None, metavar="FILE",
                  help="Write old -> new portal ids here (default id-map.json beside CONFIG, "
                       "or beside PLAN, when CONFIG was exported from another portal).")
    @DESTROY
    @DATA_LOSS
    @_scope
    @portal_options
    @expected_errors
    def apply(config: str, auto_approve: bool, id_map: str | None, portal: PortalChoice,
              **kw: Any) -> None:
        """Change the portal to match CONFIG after showing the plan, or apply a saved PLAN
        exactly (refused when the portal changed since)."""
        _apply(config, portal, _consent(kw), auto_approve, id_map)

    @group.command()
    @click.option("--out", default="portal-export", show_default=True, metavar="DIR",
                  help="Directory to write the TOML files (and the JSON Schema) to.")
    @click.option("--force", is_flag=True,
                  help="Write over a config (or an earlier export) in DIR: its keys are kept "
                       "and what the portal cannot give back is carried over from it.")
    @click.option("--from", "source", default=None, metavar="CONFIG", type=click.Path(),
                  help="Keep the keys of CONFIG and carry over from it what the portal cannot "
                       "give back (robots, triggers, required_from), exporting elsewhere.")
    @portal_options
    @expected_errors
    def export(out: str, force: bool, source: str | None, portal: PortalChoice) -> None:
        """Write the live portal as desired-state TOML (and its ids, for migrations).

        Never writes over an existing config without --force. What no REST method reads
        (robots, triggers, required_from rules) is carried over from the config exported over
        (or --from CONFIG) and marked in the files; the output lists what was not read.
        """
        _export(out, portal, force, source)

    @group.command()
    @click.option("--out", default=None, metavar="FILE",
                  help="Write the JSON Schema to FILE instead of standard output.")
    def schema(out: str | None) -> None:
        """Print the JSON Schema of the desired-state format (for Taplo / Even Better TOML)."""
        _schema(out)

    @group.command()
    @CONFIG
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @click.option("--strict", is_flag=True,
                  help="Count objects on the portal that CONFIG does not name (in what it "
                       "manages) as drift too.")
    @portal_options
    @expected_errors
    def drift(config: str, as_json: bool, strict: bool, portal: PortalChoice) -> None:
        """Report what differs between CONFIG and the portal: exit 0 in sync, 2 drift of what
        CONFIG manages, 1 error. Objects CONFIG leaves alone are listed apart."""
        _drift(config, portal, as_json, strict)

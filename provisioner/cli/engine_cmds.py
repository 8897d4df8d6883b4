"""CLI commands of the engine: validate, plan, export, schema, drift (apply: apply_cmds.py,
fmt: fmt_cmds.py). Click only: each parses its options, calls the workspace
(provisioner/workspace/), renders, picks the exit code. The library is imported inside the
commands, so that `provision --help` loads none of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provisioner.cli.leave import keep
from provisioner.cli.options import err, portal_options
from provisioner.cli.output import Out, Outcome, command
from provisioner.cli.progress import StatusLine

if TYPE_CHECKING:
    from provisioner.workspace import Consent, PortalChoice, Workspace

F = TypeVar("F", bound=Callable[..., Any])


def consent(kw: dict[str, Any]) -> Consent:
    from provisioner.engine.threshold import ChangeLimit
    from provisioner.workspace import Consent

    limit = kw.pop("max_changes", None)
    try:
        parsed = ChangeLimit.parse(limit) if limit is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1],
                                 param_hint="'--max-changes'") from None
    return Consent(kw.pop("allow_destroy", False), kw.pop("allow_data_loss", False),
                   tuple(kw.pop("targets", ())), tuple(kw.pop("excludes", ())), parsed)


def workspace(config: str | None, portal: PortalChoice, status: StatusLine,
              fingerprint: bool = False) -> Workspace:
    """The workspace of a command: notices on stderr, progress on the status line. Its live
    reads make their fingerprint only where the command shows it (`fingerprint`: a plan's
    `live_fingerprint` in `--json`)."""
    from provisioner.workspace import Workspace

    def notice(text: str) -> None:
        status.clear()
        err(text)

    return Workspace(config, portal, notice=notice, watch=status, fingerprint=fingerprint)


def _validate(config: str, out: Out) -> Outcome:
    from provisioner.engine.loader import load_desired

    desired = load_desired(config)
    files = len(desired.files)
    out.echo(f"Valid: {config} ({files} file{'s' if files != 1 else ''}).")
    return Outcome({"config": config, "files": list(desired.files)})


def _schema(out_file: str | None, out: Out) -> Outcome:
    import json

    from provisioner.engine.schema import schema_text

    text = schema_text()
    if out_file is None:
        out.echo(text, nl=False)
        return Outcome({"out": None, "schema": json.loads(text)})
    Path(out_file).write_text(text, encoding="utf-8")
    out.echo(f"wrote {out_file}")
    return Outcome({"out": out_file, "schema": None})


def _plan(config: str, portal: PortalChoice, allowed: Consent, out: Out, detailed: bool,
          saved: str | None) -> Outcome:
    from provisioner.engine.render import plan_document, text_from_document
    from provisioner.engine.threshold import TooManyChanges

    status = StatusLine(out.progress)
    ws = workspace(config, portal, status, fingerprint=out.json)
    plan = ws.plan(allowed)
    status.clear()
    doc = plan_document(plan)
    out.echo(text_from_document(doc, out.style()), nl=False)
    if saved:
        ws.save_plan(plan, saved)
        err(f"Saved the plan to {saved}; apply it with `provision apply {saved}`.")
    try:
        ws.check_limit(plan, allowed)
    except TooManyChanges as exc:
        err(f"Warning: apply would refuse this plan: {exc}")
    keep(ws, plan)  # freed by the process's end, not one object at a time (cli/leave.py)
    return Outcome(doc, 2 if detailed and plan.has_actionable else 0)


def _export(out_dir: str, portal: PortalChoice, force: bool, source: str | None,
            out: Out) -> Outcome:
    from provisioner.cli.export_text import exported_doc, exported_text

    status = StatusLine(out.progress)
    done = workspace(source, portal, status).export(out_dir, force)
    status.clear()
    for path in done.files:
        out.echo(f"wrote {path}")
    out.echo(f"wrote {done.ids} (this portal's ids, for the id map after a migration)")
    out.echo(exported_text(done), nl=False)
    return Outcome(exported_doc(done))


def _drift(config: str, portal: PortalChoice, out: Out, strict: bool) -> Outcome:
    from provisioner.engine import drift as drift_report

    status = StatusLine(out.progress)
    doc = workspace(config, portal, status).drift(strict)
    status.clear()
    out.echo(drift_report.render_drift_text(doc, out.style()), nl=False)
    return Outcome(doc, 0 if doc["in_sync"] else 2)


def scope_options(fn: F) -> F:
    fn = click.option("--exclude", "excludes", multiple=True, metavar="ADDRESS",
                      help="Leave this address (and what is under it) out; repeatable.")(fn)
    return click.option("--target", "targets", multiple=True, metavar="ADDRESS",
                        help="Only this address and what is under it, e.g. "
                             "deal.pipeline[sales]; repeatable.")(fn)


DESTROY = click.option("--allow-destroy", is_flag=True,
                       help="Plan and apply deletions of objects absent from CONFIG, and "
                            "replacements (a stage's semantics, a field's type or multiple changed).")
MAX_CHANGES = click.option(
    "--max-changes", default=None, metavar="N|N%",
    help="Refuse to apply a plan that updates or deletes more than N of the portal's managed "
         "objects, or more than N% of them (default: the portal's max_changes in "
         "portals.toml, else no limit).")
CONFIG = click.argument("config", default="portal-config", type=click.Path())


def register(group: click.Group) -> None:
    @group.command()
    @CONFIG
    @command("validate")
    def validate(config: str, out: Out) -> Outcome:
        """Check the desired state in CONFIG (a directory of *.toml files or one file).

        Reports every problem with its file, key, line and the fix; talks to no portal.
        """
        return _validate(config, out)

    @group.command()
    @CONFIG
    @click.option("--detailed-exitcode", is_flag=True,
                  help="Exit 0 without changes (manual items alone are none), 1 on error, "
                       "2 with changes to apply.")
    @click.option("--out", "saved", default=None, metavar="FILE",
                  help="Save the plan (with a fingerprint of the portal) for `apply FILE`.")
    @DESTROY
    @MAX_CHANGES
    @scope_options
    @portal_options
    @command("plan")
    def plan(config: str, detailed_exitcode: bool, saved: str | None, portal: PortalChoice,
             out: Out, **kw: Any) -> Outcome:
        """Show what apply would change on the portal to match CONFIG."""
        return _plan(config, portal, consent(kw), out, detailed_exitcode, saved)

    @group.command()
    @click.option("--out", "out_dir", default="portal-export", show_default=True,
                  metavar="DIR", help="Directory to write the TOML files (and the JSON Schema) "
                                      "to.")
    @click.option("--force", is_flag=True,
                  help="Write over a config (or an earlier export) in DIR: its keys are kept "
                       "and what the portal cannot give back is carried over from it.")
    @click.option("--from", "source", default=None, metavar="CONFIG", type=click.Path(),
                  help="Keep the keys of CONFIG and carry over from it what the portal cannot "
                       "give back (robots, triggers, required_from), exporting elsewhere.")
    @portal_options
    @command("export")
    def export(out_dir: str, force: bool, source: str | None, portal: PortalChoice,
               out: Out) -> Outcome:
        """Write the live portal as desired-state TOML (and its ids, for migrations).

        Never writes over an existing config without --force. What no REST method reads
        (robots, triggers, required_from rules) is carried over from the config exported over
        (or --from CONFIG) and marked in the files; the output lists what was not read.
        """
        return _export(out_dir, portal, force, source, out)

    @group.command()
    @click.option("--out", "out_file", default=None, metavar="FILE",
                  help="Write the JSON Schema to FILE instead of standard output.")
    @command("schema")
    def schema(out_file: str | None, out: Out) -> Outcome:
        """Print the JSON Schema of the desired-state format (for Taplo / Even Better TOML)."""
        return _schema(out_file, out)

    @group.command()
    @CONFIG
    @click.option("--strict", is_flag=True,
                  help="Count objects on the portal that CONFIG does not name (in what it "
                       "manages) as drift too.")
    @portal_options
    @command("drift")
    def drift(config: str, strict: bool, portal: PortalChoice, out: Out) -> Outcome:
        """Report what differs between CONFIG and the portal: exit 0 in sync, 2 drift of what
        CONFIG manages, 1 error. Objects CONFIG leaves alone are listed apart."""
        return _drift(config, portal, out, strict)

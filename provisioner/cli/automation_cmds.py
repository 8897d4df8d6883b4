"""CLI commands of robots, triggers and required_from: `provision runbook` and `provision attest`.

The portal cannot place robots or triggers, nor make a field mandatory from a stage on, through
REST, so `plan` lists them as manual changes; `runbook` writes the steps (Markdown and HTML) and
`attest` records that they were carried out on a portal (by its identity, never a token), after
which `plan` stops listing those stages and rules. Click only: the work is the workspace's
(provisioner/workspace/).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import click

from provisioner.cli.engine_cmds import workspace
from provisioner.cli.options import err, portal_options
from provisioner.cli.output import Out, Outcome, command
from provisioner.cli.progress import StatusLine

if TYPE_CHECKING:
    from provisioner.workspace import PortalChoice


def _runbook(config: str, out_dir: str, lang: str | None, portal: PortalChoice,
             out: Out) -> Outcome:
    status = StatusLine(out.progress)
    done = workspace(config, portal, status).runbook(out_dir, lang)
    status.clear()
    for path in done.files:
        out.echo(f"wrote {path}")
    left = done.left
    out.echo(f"{left} manual step{'s' if left != 1 else ''} left on {done.portal}; "
             "when done, run `provision attest --by NAME`." if left else
             f"Nothing left to do on {done.portal}: everything is attested.")
    return Outcome({"files": [str(p) for p in done.files], "left": left,
                    "portal": str(done.portal)})


def _attest(config: str, by: str, stages: tuple[str, ...], date: str | None,
            portal: PortalChoice, out: Out) -> Outcome:
    done = workspace(config, portal, StatusLine(False)).attest(by, stages, date)
    out.echo(f"Attested on {done.portal} by {done.by} ({done.date}), recorded in "
             f"{done.path}:")
    for address in done.stages:
        out.echo(f"  {address}")
    if done.carried_from is not None:
        err(f"The attestations kept in {done.carried_from} by an older version were carried "
            f"over into {done.path}; the old file is no longer read: delete it.")
    return Outcome({"path": str(done.path), "portal": str(done.portal), "by": done.by,
                    "date": done.date, "stages": [str(a) for a in done.stages],
                    "carried_from": None if done.carried_from is None
                    else str(done.carried_from)})


def _iso_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A date that is one, as the records keep it (2026-13-01 was recorded as given)."""
    if value is None:
        return None
    try:
        day: datetime.date | None = datetime.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or day.isoformat() != value:
        raise click.BadParameter(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2026-12-02")
    return value


def register(group: click.Group) -> None:
    config_arg = click.argument("config", default="portal-config", type=click.Path())

    @group.command()
    @config_arg
    @click.option("--out", "out_dir", default="runbook", show_default=True, metavar="DIR",
                  help="Directory to write runbook.md and runbook.html to.")
    @click.option("--lang", type=click.Choice(["ru", "en"]), default=None,
                  help="Language of the steps. Default: the portal's, from app.info (English "
                       "on an English portal), else Russian.")
    @portal_options
    @command("runbook")
    def runbook(config: str, out_dir: str, lang: str | None, portal: PortalChoice,
                out: Out) -> Outcome:
        """Write the steps that put CONFIG's robots, triggers and required_from rules on the
        portal.

        The REST API cannot place robots or triggers on stages, nor make a field mandatory from
        a stage on: an administrator follows the runbook on the portal, then records it with
        `provision attest`.
        """
        return _runbook(config, out_dir, lang, portal, out)

    @group.command()
    @config_arg
    @click.option("--by", required=True, metavar="NAME",
                  help="Who carried out the runbook (name or e-mail).")
    @click.option("--stage", "stages", multiple=True, metavar="ADDRESS",
                  help="A stage address, e.g. deal.pipeline[sales].stage[NEW], or a "
                       "required_from rule, e.g. deal.field[X].required_from[sales] "
                       "(repeatable). Default: every stage with robots or triggers and every "
                       "required_from rule.")
    @click.option("--date", default=None, metavar="YYYY-MM-DD", callback=_iso_date,
                  help="The day the steps were carried out (default: today).")
    @portal_options
    @command("attest")
    def attest(config: str, by: str, stages: tuple[str, ...], date: str | None,
               portal: PortalChoice, out: Out) -> Outcome:
        """Record that the runbook's steps were carried out on the portal.

        Written to attestations/<portal>.toml in the CONFIG directory (no token), one file per
        portal (scheme, host, port). `plan` then lists no manual change for those stages and
        rules until their robots, triggers or required_from change in CONFIG.
        """
        return _attest(config, by, stages, date, portal, out)

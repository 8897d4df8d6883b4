"""CLI commands of robots and triggers: `provision runbook` and `provision attest`.

The portal cannot place robots or triggers through REST, so `plan` lists them as manual changes;
`runbook` writes the steps (Markdown and HTML) and `attest` records that they were carried out on
a portal (by its host, never a token), after which `plan` stops listing those stages.
"""

from __future__ import annotations

import datetime
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from provisioner.automation import attest as att
from provisioner.automation import attestation_path, portal_name, read_attestations
from provisioner.automation.runbook import render_markdown
from provisioner.automation.runbook_html import render_html
from provisioner.cli.common import connect, portal_choice, portal_options
from provisioner.engine.live import read_live, with_local_records
from provisioner.engine.loader import load_desired
from provisioner.errors import ConfigError, ProvisionError
from provisioner.kinds import KINDS
from provisioner.kinds.automation import book

F = TypeVar("F", bound=Callable[..., Any])


def _err(text: str) -> None:
    click.echo(text, err=True)


def _expected_errors(fn: F) -> F:
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


def _runbook(config: str, out: str, lang: str | None, webhook_url: str | None,
             sandbox_state: str | None) -> None:
    desired = load_desired(config)
    client = connect(portal_choice(webhook_url, sandbox_state), notice=_err)
    portal = portal_name(webhook_url)
    live = with_local_records(read_live(client), Path(config), portal, KINDS)
    result = book.runbook(desired, live, portal, lang)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("runbook.md", render_markdown(result)),
                       ("runbook.html", render_html(result))):
        (folder / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {folder / name}")
    left = len(result.items)
    click.echo(f"{left} manual step{'s' if left != 1 else ''} left on {portal}; "
               "when done, run `provision attest --by NAME`." if left else
               f"Nothing left to do on {portal}: every stage is attested.")


def _attest(config: str, by: str, stages: tuple[str, ...], date: str | None,
            webhook_url: str | None) -> None:
    desired = load_desired(config)
    portal = portal_name(webhook_url)
    path = attestation_path(Path(config), portal)
    when = date or datetime.date.today().isoformat()
    before = read_attestations(path, portal)
    updated = book.attested(desired, before, by, when, list(stages) or None)
    att.write_attestations(path, updated)
    done = sorted(a for a in updated.stages if updated.stages[a] != before.stages.get(a))
    click.echo(f"Attested on {portal} by {by} ({when}), recorded in {path}:")
    for address in done:
        click.echo(f"  {address}")


def register(group: click.Group) -> None:
    config_arg = click.argument("config", default="portal-config", type=click.Path())

    @group.command()
    @config_arg
    @click.option("--out", default="runbook", show_default=True, metavar="DIR",
                  help="Directory to write runbook.md and runbook.html to.")
    @click.option("--lang", type=click.Choice(["ru", "en"]), default=None,
                  help="Language of the steps. Default: the portal's, from app.info (English "
                       "on an English portal), else Russian.")
    @portal_options
    @_expected_errors
    def runbook(config: str, out: str, lang: str | None, webhook_url: str | None,
                sandbox_state: str | None) -> None:
        """Write the steps that put CONFIG's robots and triggers on the portal.

        The REST API cannot place robots or triggers on stages: an administrator follows the
        runbook in the portal's automation screen, then records it with `provision attest`.
        """
        _runbook(config, out, lang, webhook_url, sandbox_state)

    @group.command()
    @config_arg
    @click.option("--by", required=True, metavar="NAME",
                  help="Who carried out the runbook (name or e-mail).")
    @click.option("--stage", "stages", multiple=True, metavar="ADDRESS",
                  help="A stage address, e.g. deal.pipeline[sales].stage[NEW] (repeatable). "
                       "Default: every stage with robots or triggers.")
    @click.option("--date", default=None, metavar="YYYY-MM-DD", help="Default: today.")
    @portal_options
    @_expected_errors
    def attest(config: str, by: str, stages: tuple[str, ...], date: str | None,
               webhook_url: str | None, sandbox_state: str | None) -> None:
        """Record that the runbook's steps were carried out on the portal.

        Written to attestations/<portal host>.toml beside CONFIG (no token). `plan` then lists
        no manual change for those stages until their robots or triggers change in CONFIG.
        """
        _attest(config, by, stages, date, webhook_url)

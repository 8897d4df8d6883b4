"""`provision apply`: show the plan, ask, apply with progress, say what was done.

Click only: the workspace plans, asks through `confirm`, re-reads, refuses (destroy, data loss,
the change limit, a stale plan) and applies; this module draws it. Ctrl-C during the writes
ends with what was done, what is uncertain and what was not (exit 130).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from provisioner.cli.engine_cmds import DESTROY, MAX_CHANGES, consent, scope_options
from provisioner.cli.engine_cmds import workspace as make_workspace
from provisioner.cli.leave import keep
from provisioner.cli.options import err, portal_options
from provisioner.cli.output import INTERRUPTED, Out, Outcome, command, error_docs, print_error
from provisioner.cli.progress import StatusLine

if TYPE_CHECKING:
    from provisioner.model import Plan
    from provisioner.workspace import Applied, Consent, PortalChoice

CONFIRM = "Apply these changes? Only 'yes' is accepted"
NO_TERMINAL = ("No answer to the question: standard input is not a terminal, and nothing was "
               "applied. In automation, pass --auto-approve (`provision apply CONFIG "
               "--auto-approve`), or save a reviewed plan with `provision plan --out plan.json` "
               "and apply exactly that: `provision apply plan.json`.")
AT_QUESTION = "Interrupted (Ctrl-C) at the question: nothing was applied."
DATA_LOSS = click.option("--allow-data-loss", is_flag=True,
                         help="Also delete what holds records: the deals, leads or items in a "
                              "deleted stage, pipeline or smart process are deleted first.")


class _Screen:
    """Where apply's text goes: the plan and the calls on stdout (in JSON mode the plan goes to
    stderr, and only when a question is asked about it), the status line on stderr."""

    def __init__(self, out: Out) -> None:
        from provisioner.engine.render_style import by_symbol

        self.out = out
        self.style = out.style()
        self.status = StatusLine(out.progress)
        self.paint = by_symbol
        self.asking = False  # a question will be asked (not --auto-approve, not a saved plan)
        self.at_question = False  # waiting for the answer now

    def show(self, plan: Plan) -> None:
        from provisioner.engine.render import plan_document, text_from_document

        self.status.clear()
        if not self.out.json:
            click.echo(text_from_document(plan_document(plan), self.style), nl=False)
        elif self.asking:
            err(text_from_document(plan_document(plan)).rstrip("\n"))

    def call(self, label: str) -> None:
        if not self.out.json:
            self.status.echo(self.paint(self.style, label))

    def ask(self, _plan: Plan) -> bool:
        from provisioner.workspace import Cancelled

        self.status.clear()
        self.at_question = True
        try:
            answer = click.prompt(CONFIRM, default="", show_default=False, err=self.out.json)
        except click.Abort:
            stdin = getattr(sys.stdin, "isatty", None)
            if stdin is not None and stdin():
                raise KeyboardInterrupt from None  # Ctrl-C (or Ctrl-D) at the question
            click.echo(err=self.out.json)  # end the question's line: the error is not its answer
            raise Cancelled(NO_TERMINAL) from None
        self.at_question = False
        return bool(answer == "yes")


def _apply(config: str, portal: PortalChoice, allowed: Consent, out: Out, auto_approve: bool,
           id_map: str | None) -> Outcome:
    from provisioner.engine import ApplyFailed, ApplyInterrupted, planfile

    screen = _Screen(out)
    screen.asking = not auto_approve and not planfile.is_plan_file(config)
    try:
        done = _run(config, portal, allowed, screen, auto_approve, id_map)
    except (ApplyFailed, ApplyInterrupted) as exc:  # stopped: the report says what was done
        return _failed(exc, screen)
    except KeyboardInterrupt:
        if not screen.at_question:
            raise  # before or after the writes: output.py says so
        return _stopped(AT_QUESTION, screen)
    finally:
        screen.status.clear()
    return _applied(done, screen)


def _run(config: str, portal: PortalChoice, allowed: Consent, screen: _Screen,
         auto_approve: bool, id_map: str | None) -> Applied:
    from provisioner.engine import planfile

    if planfile.is_plan_file(config):
        if allowed.targets or allowed.excludes:
            raise click.UsageError("--target/--exclude belong to `plan --out`, not to "
                                   "applying a saved plan")
        ws = make_workspace(None, portal, screen.status, fingerprint=screen.out.json)
        done = ws.apply_saved(config, allowed, show=screen.show, progress=screen.call,
                              id_map=id_map)
    else:
        ws = make_workspace(config, portal, screen.status, fingerprint=screen.out.json)
        done = ws.apply(allowed, confirm=None if auto_approve else screen.ask,
                        show=screen.show, progress=screen.call, id_map=id_map)
    keep(ws, done)  # freed by the process's end, not one object at a time (cli/leave.py)
    return done


def _applied(done: Applied, screen: _Screen) -> Outcome:
    from provisioner.engine.render import plan_document
    from provisioner.engine.render_apply import report_document, summary_lines

    report = None if done.report is None else report_document(done.report, done.requests)
    if report is not None:
        for line in summary_lines(report, screen.style):
            screen.out.echo(line)
    if done.id_map is not None:
        screen.out.echo(f"wrote {done.id_map} (old -> new ids)")
    return Outcome({"plan": plan_document(done.plan), "applied": report,
                    "id_map": None if done.id_map is None else str(done.id_map)})


def _failed(exc: Any, screen: _Screen) -> Outcome:
    """ApplyFailed or ApplyInterrupted: the message says what was done; the JSON result has
    the report as data."""
    from provisioner.engine.render_apply import report_document

    screen.status.clear()
    if not screen.out.json:
        print_error(exc, screen.out)
    last = screen.status.last
    requests = last.requests if last is not None and last.phase == "apply" else 0
    return Outcome({"plan": None, "applied": report_document(exc.report, requests),
                    "id_map": None}, getattr(exc, "exit_code", 1), error_docs(exc))


def _stopped(text: str, screen: _Screen) -> Outcome:
    from provisioner.cli.output import Interrupted

    stopped = Interrupted(text)
    if not screen.out.json:
        print_error(stopped, screen.out)
    return Outcome(None, INTERRUPTED, error_docs(stopped))


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("config", default="portal-config", type=click.Path(), metavar="[CONFIG|PLAN]")
    @click.option("--auto-approve", is_flag=True,
                  help="Do not ask for confirmation (needed when standard input is not a "
                       "terminal, e.g. in CI).")
    @click.option("--id-map", default=None, metavar="FILE",
                  help="Write old -> new portal ids here (default id-map.json beside CONFIG, "
                       "or beside PLAN, when CONFIG was exported from another portal).")
    @DESTROY
    @DATA_LOSS
    @MAX_CHANGES
    @scope_options
    @portal_options
    @command("apply")
    def apply(config: str, auto_approve: bool, id_map: str | None, portal: PortalChoice,
              out: Out, **kw: Any) -> Outcome:
        """Change the portal to match CONFIG after showing the plan, or apply a saved PLAN
        exactly (refused when the portal changed since)."""
        return _apply(config, portal, consent(kw), out, auto_approve, id_map)


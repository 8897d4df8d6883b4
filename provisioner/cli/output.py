"""What a command prints and with which exit code: text (coloured on a terminal) or, with
`--json`, one envelope of the same shape for every command, errors included with their
locations.

    {"format_version": "1", "command": "plan", "ok": true, "exit_code": 0,
     "result": {...}, "errors": []}

`result` is the command's own document (`plan`: the JSON plan, unchanged; `drift`: the drift
report); `errors` lists what stopped it, each with `type`, `message` and, where known, `file`,
`line`, `key` and `fix`. Imports nothing heavy: `--help` must stay fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import click

from provisioner.errors import ConfigError, ProvisionError

F = TypeVar("F", bound=Callable[..., Any])
ENVELOPE_VERSION = "1"
INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C

# `type` of an error in the envelope, by the class (or a base class) that raised it.
ERROR_TYPES = {
    "ConfigError": "config", "PortalsError": "portals", "StalePlan": "stale_plan",
    "DestroyRefused": "refused", "DataLossRefused": "refused", "TooManyChanges": "refused",
    "Cancelled": "cancelled", "ApplyFailed": "apply_failed", "ApplyInterrupted": "interrupted",
    "Interrupted": "interrupted",
    "BitrixAPIError": "portal", "ClientConfigError": "usage", "UsageError": "usage",
    "Unformatted": "unformatted",
}


INTERRUPTED_TEXT = ("Interrupted (Ctrl-C); nothing was sent to the portal after it. Run the "
                    "command again: plan and apply read the portal first.")


class Interrupted(ProvisionError):
    """Ctrl-C outside an apply's writes (those say more: engine ApplyInterrupted)."""

    prefix = ""
    exit_code = INTERRUPTED


@dataclass
class Outcome:
    """A command's result for the envelope, and the exit code it ends with."""

    result: Any = None
    exit_code: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def wants_colour(stream: IO[str], no_color: bool = False) -> bool:
    """Colour only on a terminal, never with --no-color, NO_COLOR set (no-color.org: to any
    non-empty value) or TERM=dumb."""
    if no_color or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass
class Out:
    """How this run prints: JSON or text, colour on stdout, a progress line on stderr."""

    json: bool = False
    no_color: bool = False

    @property
    def colour(self) -> bool:
        return not self.json and wants_colour(sys.stdout, self.no_color)

    @property
    def progress(self) -> bool:
        """A live progress line: only when stderr is a terminal (nothing when piped)."""
        isatty = getattr(sys.stderr, "isatty", None)
        return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"

    def style(self) -> Any:
        from provisioner.engine.render_style import ANSI, PLAIN

        return ANSI if self.colour else PLAIN

    def echo(self, text: str, nl: bool = True) -> None:
        """Text for people, on stdout; nothing in JSON mode (the envelope says it)."""
        if not self.json:
            click.echo(text, nl=nl)


def err(text: str, prefix: str = "") -> None:
    """`text` on stderr, escaped (portal names in it may hold controls), after `prefix`."""
    from provisioner.model.printable import printable  # here: --help stays light

    click.echo(prefix + printable(text, keep="\n"), err=True)


def error_docs(exc: BaseException) -> list[dict[str, Any]]:
    """The envelope's errors for `exc`: one per problem of a ConfigError, with its location."""
    if isinstance(exc, ConfigError):
        return [{"type": "config", "message": p.message, "file": p.file, "line": p.line,
                 "key": p.key, "fix": p.fix or None} for p in exc.problems]
    kind = next((ERROR_TYPES[c.__name__] for c in type(exc).__mro__
                 if c.__name__ in ERROR_TYPES), "error")
    if kind == "portal" and getattr(exc, "client_code", False):
        kind = "connection"  # provision's own code (DNS_ERROR, ...): the portal answered nothing
    message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    return [{"type": kind, "message": message, "file": None, "line": None, "key": None,
             "fix": None}]


def envelope(command: str, outcome: Outcome) -> str:
    doc = {"format_version": ENVELOPE_VERSION, "command": command, "ok": not outcome.errors,
           "exit_code": outcome.exit_code, "result": outcome.result, "errors": outcome.errors}
    from provisioner.model.printable import printable_json  # here: --help stays light

    # names from the portal: controls and lone surrogates as escapes, the same name once parsed
    return printable_json(json.dumps(doc, ensure_ascii=False, indent=2)) + "\n"


def print_error(exc: ProvisionError, out: Out) -> None:
    if isinstance(exc, ConfigError):
        err(exc.render())
        return
    prefix = getattr(exc, "prefix", "Error: ")
    paint = wants_colour(sys.stderr, out.no_color) and prefix
    err(str(exc), click.style(prefix, fg="red", bold=True) if paint else prefix)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON document (the same envelope for every command: "
                             "command, ok, exit_code, result, errors).")(fn)


def no_color_option(fn: F) -> F:
    return click.option("--no-color", is_flag=True,
                        help="No colour (also: NO_COLOR set, or output not a terminal).")(fn)


def command(name: str) -> Callable[[F], F]:
    """The command's `--json` and `--no-color`, its errors and its exit code: the function gets
    `out: Out` and returns an Outcome (or None: done, nothing to report)."""

    def wrap(fn: F) -> F:
        @json_option
        @no_color_option
        @functools.wraps(fn)
        def wrapper(*args: Any, as_json: bool, no_color: bool, **kwargs: Any) -> Any:
            ctx = click.get_current_context(silent=True)
            group_no_color = bool(ctx and ctx.find_root().params.get("no_color"))
            out = Out(as_json, no_color or group_no_color)
            outcome = _run(fn, out, args, kwargs)
            if out.json:
                click.echo(envelope(name, outcome), nl=False)
            if outcome.exit_code:
                sys.exit(outcome.exit_code)

        return wrapper  # type: ignore[return-value]

    return wrap


def _run(fn: Callable[..., Any], out: Out, args: Any, kwargs: Any) -> Outcome:
    try:
        return fn(*args, out=out, **kwargs) or Outcome()
    except ProvisionError as exc:
        if not out.json:
            print_error(exc, out)
        code = getattr(exc, "exit_code", 1)
        return Outcome(getattr(exc, "result", None), code, error_docs(exc))
    except KeyboardInterrupt:
        stopped = Interrupted(INTERRUPTED_TEXT)
        if not out.json:
            print_error(stopped, out)
        return Outcome(None, INTERRUPTED, error_docs(stopped))
    except click.UsageError as exc:
        if not out.json:
            raise
        return Outcome(None, 1, error_docs(exc))

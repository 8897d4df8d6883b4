"""The `provision` command line: a thin click layer over the library.

Only click and the command modules load at start; each command imports the library when it
runs (bench/startup.py measures it), so `provision --help` and `validate` start quickly.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from provisioner import __version__
from provisioner.cli import app_cmds, apply_cmds, automation_cmds, engine_cmds, fmt_cmds
from provisioner.cli import sandbox_cmds
from provisioner.cli.arena import tune_malloc
from provisioner.cli.leave import exit_code, keeping, leave
from provisioner.cli.output import INTERRUPTED, Outcome, envelope, error_docs


class ProvisionGroup(click.Group):
    """A group whose usage errors exit 1, not click's 2: exit 2 means "changes present" (plan
    --detailed-exitcode) and "drift" (drift), and a typo must never look like either. With
    `--json` on the command line, a usage error is the JSON envelope too."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:  # BadParameter, NoSuchOption, ... are UsageErrors
            if "--json" in argv:
                _usage_json(argv, exc)
            exc.show()
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except KeyboardInterrupt:  # outside a command's own handling (click's prompts)
            click.echo("Interrupted (Ctrl-C).", err=True)
            sys.exit(INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


def run() -> None:
    """The `provision` program (pyproject.toml's script): `main`, then out without the
    interpreter's teardown (cli/leave.py). An exception that escapes `main` takes the normal
    way out, traceback and all."""
    keeping()  # what a command is done with is left to the process's end (cli/leave.py)
    try:
        main()  # standalone: ends in SystemExit
    except SystemExit as exc:
        leave(exit_code(exc))


def _usage_json(argv: list[str], exc: click.UsageError) -> None:
    name = " ".join(exc.ctx.command_path.split()[1:]) if exc.ctx else ""  # less the program
    name = name or next((a for a in argv if not a.startswith("-")), "")
    click.echo(envelope(name, Outcome(None, 1, error_docs(exc))), nl=False)
    sys.exit(1)


@click.group(cls=ProvisionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provision")
@click.option("--no-color", is_flag=True,
              help="No colour in any command's output (as NO_COLOR=1 does).")
def main(no_color: bool) -> None:
    """Bitrix24 configuration as code.

    Keep a portal's CRM setup (pipelines, stages, reference lists, custom fields, smart
    processes, robots and triggers) in TOML files, review the difference with `plan`, make it so
    with `apply`. With no portal configured, every command works against a local sandbox portal.
    CONFIG is a directory of *.toml files, or one file; without it, portal-config.

    Shell completion: eval "$(_PROVISION_COMPLETE=bash_source provision)" (bash; zsh_source
    for zsh, fish_source for fish).
    """
    del no_color  # read by each command from the root context (cli/output.py)
    tune_malloc()  # before any thread starts (cli/arena.py)


engine_cmds.register(main)
apply_cmds.register(main)
fmt_cmds.register(main)
sandbox_cmds.register(main)
automation_cmds.register(main)
app_cmds.register(main)

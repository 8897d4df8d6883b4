"""The `provision` command line: a thin click layer over the library."""

from __future__ import annotations

import sys
from typing import Any

import click

from provisioner import __version__
from provisioner.cli import app_cmds, automation_cmds, engine_cmds, sandbox_cmds


class ProvisionGroup(click.Group):
    """A group whose usage errors exit 1, not click's 2: exit 2 means "changes present" (plan
    --detailed-exitcode) and "drift" (drift), and a typo must never look like either."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:  # BadParameter, NoSuchOption, ... are UsageErrors
            exc.show()
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=ProvisionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="provision")
def main() -> None:
    """Bitrix24 configuration as code.

    Keep a portal's CRM setup (pipelines, stages, reference lists, custom fields, smart
    processes, robots and triggers) in TOML files, review the difference with `plan`, make it so
    with `apply`. With no portal configured, every command works against a local sandbox portal.
    """


engine_cmds.register(main)
sandbox_cmds.register(main)
automation_cmds.register(main)
app_cmds.register(main)

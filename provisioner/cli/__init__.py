"""The `provision` command line: a thin click layer over the library."""

from __future__ import annotations

import click

from provisioner import __version__
from provisioner.cli import automation_cmds, engine_cmds, sandbox_cmds


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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

"""CLI commands of the engine: validate, plan, apply, export, drift, schema."""

from __future__ import annotations

import click

from provisioner.cli.common import portal_options


def _not_yet(name: str) -> None:
    raise click.ClickException(f"`provision {name}` is not implemented yet")


def register(group: click.Group) -> None:
    @group.command()
    @click.argument("config", default="portal-config", type=click.Path())
    def validate(config: str) -> None:
        """Check the desired state in CONFIG (a directory of *.toml files or one file).

        Reports every problem with its file, key and the fix; talks to no portal.
        """
        _not_yet("validate")

    @group.command()
    @click.argument("config", default="portal-config", type=click.Path())
    @portal_options
    def plan(config: str, **_: object) -> None:
        """Show what apply would change on the portal to match CONFIG."""
        _not_yet("plan")

    @group.command()
    @click.argument("config", default="portal-config", type=click.Path())
    @portal_options
    def apply(config: str, **_: object) -> None:
        """Change the portal to match CONFIG, after showing the plan."""
        _not_yet("apply")

    @group.command()
    @portal_options
    def export(**_: object) -> None:
        """Write the live portal as desired-state TOML."""
        _not_yet("export")

    @group.command()
    @click.argument("config", default="portal-config", type=click.Path())
    @portal_options
    def drift(config: str, **_: object) -> None:
        """Report what differs between CONFIG and the portal (exit 2 when it drifted)."""
        _not_yet("drift")

"""CLI commands of the local sandbox portal: serve, reset, show."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    @group.group()
    def sandbox() -> None:
        """The local sandbox portal: an emulator of a Bitrix24 portal for offline work."""

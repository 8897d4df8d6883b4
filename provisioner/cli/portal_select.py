"""Which portal a command talks to: `--portal NAME` from the portals file, else the webhook URL
(B24_WEBHOOK_URL), else the local sandbox."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from provisioner import portals
from provisioner.cli.common import connect, portal_choice

F = TypeVar("F", bound=Callable[..., Any])


def select_options(fn: F) -> F:
    """--portal and --portals on a command that talks to a portal."""

    @click.option("--portal", "portal_name", default=None, metavar="NAME",
                  help="A portal named in the portals file (staging, production, ...).")
    @click.option("--portals", "portals_file", default=None, metavar="FILE",
                  help="The portals file (default: portals.toml beside CONFIG, else in the "
                       "current directory).")
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Target:
    """A connected portal: the client, its host (for files, never a secret), its protect list."""

    client: Any
    host: str
    protect: tuple[str, ...] = ()


def open_target(config: str | None, portal_name: str | None, portals_file: str | None,
                webhook_url: str | None, sandbox_state: str | None,
                notice: Callable[[str], None]) -> Target:
    if portal_name:
        portal = portals.choose(portals.find_file(config, portals_file), portal_name)
        if portal.is_sandbox:
            notice(f"Using portal {portal.name}: the local sandbox {portal.sandbox}.")
        return Target(portals.connect(portal, notice), portal.host(), portal.protect)
    from provisioner.automation import portal_name as host_of

    client = connect(portal_choice(webhook_url, sandbox_state), notice=notice)
    return Target(client, host_of(webhook_url))


def beside(config: str | Path, name: str) -> Path:
    base = Path(config)
    return (base if base.is_dir() else base.parent) / name

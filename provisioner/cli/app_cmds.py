"""`provision app serve` (the companion app) and `provision call-card check` (its rules, explained).

Thin: options in, library calls, text out. The portal for `call-card check` comes through the
same portal options every portal command uses (`cli/options.py`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provisioner.cli.options import err, expected_errors, portal_options
from provisioner.cli.output import Out, Outcome, command
from provisioner.errors import ProvisionError

if TYPE_CHECKING:
    from provisioner.workspace import PortalChoice

DEFAULT_STORAGE = Path(".provision") / "companion.sqlite3"


def register(main: click.Group) -> None:
    main.add_command(app_group)
    main.add_command(call_card_group)


@click.group("app")
def app_group() -> None:
    """The companion app: call-card warnings and the deadline guard (docs/companion.md)."""


def _secret(env: str, file: str | None, what: str) -> str:
    if file:
        try:
            value = Path(file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProvisionError(f"{what}: cannot read {file} ({exc.strerror})") from None
    else:
        value = os.environ.get(env, "").strip()
    if not value:
        raise ProvisionError(f"{what} is not set: export {env}, or pass its file")
    return value


@app_group.command("serve")
@click.argument("config", default="portal-config", required=False)
@click.option("--portal-url", "portal_urls", multiple=True, required=True, metavar="URL",
              help="A portal the app serves, e.g. https://example.bitrix24.ru (repeatable). "
                   "Installs and calls from any other portal are refused.")
@click.option("--public-url", default="", metavar="URL",
              help="Where the portal reaches the app (default: the config's public_url); the "
                   "CALL_CARD tab and the ONTASKUPDATE handler are bound there at install.")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDR",
              help="Address to listen on: keep it on loopback, behind your HTTPS proxy.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on (your proxy forwards to it).")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1),
              help="Requests served at once.")
@click.option("--storage", "storage_path", default=str(DEFAULT_STORAGE), show_default=True,
              metavar="FILE", help="SQLite file for the portals' tokens (created mode 0600).")
@click.option("--trusted-proxy", default=None, metavar="ADDR",
              help="Address of the reverse proxy whose X-Forwarded-* headers are believed.")
@click.option("--client-id-file", default=None, metavar="FILE",
              help="File with the app's client_id (else env B24_APP_CLIENT_ID).")
@click.option("--client-secret-file", default=None, metavar="FILE",
              help="File with the app's client_secret (else env B24_APP_CLIENT_SECRET).")
@expected_errors
def serve_cmd(config: str, portal_urls: tuple[str, ...], public_url: str, host: str, port: int,
              threads: int, storage_path: str, trusted_proxy: str | None,
              client_id_file: str | None, client_secret_file: str | None) -> None:
    """Serve the companion app for CONFIG's [call_card] and [tasks.deadline_guard]."""
    _serve(config, portal_urls, public_url, host, port, threads, storage_path, trusted_proxy,
           client_id_file, client_secret_file)


def _serve(config: str, portal_urls: tuple[str, ...], public_url: str, host: str, port: int,
           threads: int, storage_path: str, trusted_proxy: str | None,
           client_id_file: str | None, client_secret_file: str | None) -> None:
    from provisioner.companion.config import load_config
    from provisioner.companion.portal import AppSettings, Portals
    from provisioner.companion.serve import serve
    from provisioner.companion.storage import SqliteStorage
    from provisioner.companion.web import CompanionApp

    loaded = load_config(config)
    if loaded.call_card is None and loaded.deadline_guard is None:
        raise ProvisionError(f"{config}: no [call_card] and no [tasks.deadline_guard]: nothing "
                             "for the app to do")
    url = _public_url(public_url, loaded.public_url)
    settings = AppSettings(tuple(portal_urls),
                           _secret("B24_APP_CLIENT_ID", client_id_file, "the app's client_id"),
                           _secret("B24_APP_CLIENT_SECRET", client_secret_file,
                                   "the app's client_secret"), url)
    _logging()
    app = CompanionApp(loaded, Portals(settings, SqliteStorage(storage_path)))
    click.echo(f"companion app on http://{host}:{port} (behind your HTTPS proxy); portals: "
               f"{', '.join(portal_urls)}", err=True)
    serve(app, host, port, threads, trusted_proxy)


def _public_url(given: str, configured: str | None) -> str:
    """--public-url, else the config's; two different ones would bind the app twice (the
    installer at one, `provision apply` at the other)."""
    given = given.strip().rstrip("/")
    if given and configured and given != configured:
        raise ProvisionError(f"--public-url {given} differs from the config's public_url "
                             f"{configured}: `provision apply` binds the app there; pass the same "
                             "address or leave --public-url out")
    return given or configured or ""


def _logging() -> None:
    from provisioner.client.redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("provisioner.companion")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@click.group("call-card")
def call_card_group() -> None:
    """The call card's rules (the companion app's [call_card])."""


@call_card_group.command("check")
@click.argument("phone")
@click.option("--config", default="portal-config", show_default=True, metavar="CONFIG",
              help="The desired state whose [call_card] rules are checked.")
@click.option("--caller", default=None, metavar="EMAIL",
              help="Judge as this user calls (default: a caller who owns none of them).")
@portal_options
@command("call-card check")
def check_cmd(phone: str, config: str, caller: str | None, portal: PortalChoice,
              out: Out) -> Outcome:
    """Explain the colour the call card shows for PHONE, rule by rule."""
    return _check(phone, config, caller, portal, out)


def _check(raw: str, config: str, caller_email: str | None, portal: PortalChoice,
           out: Out) -> Outcome:
    from provisioner.companion.config import load_config
    from provisioner.companion.phone import normalize
    from provisioner.companion.reader import read_facts
    from provisioner.companion.rules import decide, explain

    card = load_config(config).call_card
    if card is None:
        raise ProvisionError(f"{config}: no [call_card]: add the rules first (docs/companion.md)")
    phone = normalize(raw)
    if phone is None:
        raise ProvisionError(f"{raw!r} is not a phone number: write it as +7 916 123-45-67")
    client = portal.connect(config, err).client
    caller = _user_id(client, caller_email) if caller_email else None
    facts = read_facts(client, phone, card)
    decision = decide(card, facts, caller)
    who = f"{caller_email} (user {caller})" if caller_email else "a caller who owns none of them"
    lines = list(explain(card, facts, caller))
    out.echo(f"{phone.number}: {decision.color} — {decision.message}")
    out.echo(f"  as {who}")
    for line in lines:
        out.echo(line)
    return Outcome({"phone": phone.number, "color": decision.color,
                    "message": decision.message, "caller": caller_email,
                    "caller_id": caller, "explanation": lines})


def _user_id(client: Any, email: str) -> int:
    rows = client.call("user.get", {"FILTER": {"EMAIL": email}}).result
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and str(row.get("ID", "")).isdigit():
            return int(row["ID"])
    raise ProvisionError(f"--caller {email}: no user with this e-mail on the portal")

"""The CLI's one-line network and permission errors (issue 16): a refused connection, a TLS
certificate the system does not trust, a webhook without the scope a method needs. Each is one
`Error:` line naming the cause, exit 1, at once (no retries), no token."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from click.testing import CliRunner
from hostile_portal import running

from provisioner.cli import main

DESIRED = str(Path(__file__).resolve().parent / "desired")


def _plan(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plan", DESIRED], env={"B24_WEBHOOK_URL": url,
                                                              "REQUESTS_CA_BUNDLE": None})
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


def test_a_refused_connection_is_one_line_and_not_retried() -> None:
    """Before: retried 5 times (11-13 s with back-off) and ended in requests' own message."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    code, err = _plan(f"http://127.0.0.1:{port}/rest/1/r3fus3dt0ken/")
    assert (code, err) == (1, (f"Error: batch: CONNECTION_REFUSED (provision's own code): http://127.0.0.1:{port} "
                              "refused the connection (nothing listens there: a wrong port, or "
                              "the portal is down)\n"))


def test_an_untrusted_certificate_is_one_line_with_the_way_out() -> None:
    with running(tls=True) as portal:
        code, err = _plan(portal.webhook_url)
        sent = len(portal.log)
    assert (code, sent) == (1, 0)
    assert re.fullmatch(
        rf"Error: batch: TLS_ERROR \(provision's own code\): the TLS handshake with {re.escape(portal.url)} failed: the "
        r"certificate was refused \(self[- ]signed certificate\); for a self-hosted portal "
        r"with a self-signed certificate you trust, --insecure skips the check\n", err), err

def test_a_missing_scope_names_the_scope_and_where_to_add_it() -> None:
    """Before: `... insufficient_scope: The request requires higher privileges than provided
    by the webhook token` and nothing about which scope or where."""
    with running() as portal:
        url = portal.sandbox.add_webhook(["user", "department"])
        code, err = _plan(url)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("Error: reading the portal failed: crm.")
    assert err.endswith('lacks the scope "crm" that crm.type.list needs: in Bitrix24 open '
                        "Developer resources → Other → Incoming webhook, edit this webhook, "
                        'tick "crm" under scopes (permissions) and save, then run the command '
                        "again\n")
    assert url.rstrip("/").rsplit("/", 1)[-1] not in err

"""No token goes anywhere but the configured portal: a portal that redirects to another host
(or from https to http) gets an error, and the other host gets nothing (issue 14 item 4)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_modes import BY_NAME
from hostile_portal import TLS, Recorder, running

from provisioner.cli import main
from provisioner.client import BitrixClient, RedirectRefused

DESIRED = str(Path(__file__).resolve().parent / "desired")


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.stop()


@pytest.mark.parametrize("mode", ["redirect-other-host", "redirect-https-to-http"])
def test_the_webhook_token_is_not_sent_to_the_host_a_redirect_names(
        mode: str, recorder: Recorder) -> None:
    """Before: requests followed the 307 and re-sent the POST, token in the path, to the other
    host (the recorder received it)."""
    with running(BY_NAME[mode], tls=BY_NAME[mode].tls) as portal:
        portal.recorder_url = recorder.url
        result = CliRunner().invoke(main, ["apply", DESIRED, "--auto-approve"],
                                    env={"B24_WEBHOOK_URL": portal.webhook_url,
                                         "REQUESTS_CA_BUNDLE": str(TLS / "cert.pem")})
        token, sent = portal.token, len(portal.log)
    assert recorder.received == []
    assert result.exit_code == 1 and sent == 1
    assert result.stderr.startswith(f"Error: batch: REDIRECT_REFUSED (provision's own code): the portal answered HTTP "
                                    f"307, a redirect to {recorder.url};")
    assert token not in result.output + result.stderr


def test_the_oauth_token_is_not_sent_to_the_host_a_redirect_names(recorder: Recorder) -> None:
    with running(BY_NAME["redirect-other-host"]) as portal:
        portal.recorder_url = recorder.url
        creds = portal.sandbox.oauth()
        client = BitrixClient.from_oauth(creds.client_endpoint, creds.access_token,
                                         creds.refresh_token, creds.client_id,
                                         creds.client_secret)
        with pytest.raises(RedirectRefused) as info:
            client.batch({"add": ("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE"}})})
    assert recorder.received == []
    assert creds.access_token not in str(info.value)
    assert info.value.maybe_committed is True  # a write: what stands behind a proxy is unknown

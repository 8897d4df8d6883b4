"""An OAuth portal in portals.toml: its secrets come from files or the environment, and the pair
a token refresh returns is stored back, since the old refresh token stops working
(docs/portal-rules.md#authentication); a token kept in an environment variable cannot be, and a notice says
so without the token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import responses
from helpers import write
from responses import matchers

from provisioner.workspace import portals

ENDPOINT = "https://crm.example.ru/rest/"
TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"
EXPIRED = {"error": "expired_token", "error_description": "The access token provided has expired"}
NEW_PAIR = {"access_token": "acc-2", "refresh_token": "ref-2", "expires": 1752149747,
            "expires_in": 3600, "scope": "crm", "client_endpoint": ENDPOINT, "status": "L"}
OK = {"result": [{"ID": "1"}], "total": 1, "time": {"start": 0, "finish": 0}}


def _portals(tmp_path: Path, how: str) -> portals.Portal:
    tmp_path.mkdir(exist_ok=True)
    lines = ["[portals.prod]", f'oauth_endpoint = "{ENDPOINT}"']
    for secret in portals.OAUTH_SECRETS:
        if how == "file" or secret in ("client_id", "client_secret"):
            write(tmp_path / f"{secret}.txt", {"client_id": "app.1", "client_secret": "app-sec",
                                                "access_token": "acc-1",
                                                "refresh_token": "ref-1"}[secret] + "\n")
            (tmp_path / f"{secret}.txt").chmod(0o600)
            lines.append(f'oauth_{secret}_file = "{secret}.txt"')
        else:
            lines.append(f'oauth_{secret}_env = "B24_{secret.upper()}"')
    return portals.load(write(tmp_path / "portals.toml", "\n".join(lines) + "\n"))["prod"]


def _expire_then_refresh(mocked: responses.RequestsMock, old_refresh: str) -> None:
    url = f"{ENDPOINT}crm.status.list.json"
    mocked.post(url, status=401, json=EXPIRED)
    mocked.get(TOKEN_URL, json=NEW_PAIR, match=[matchers.query_param_matcher(
        {"grant_type": "refresh_token", "client_id": "app.1", "client_secret": "app-sec",
         "refresh_token": old_refresh})])
    mocked.post(url, json=OK)


def test_renewed_tokens_are_written_back_to_their_files(tmp_path: Path) -> None:
    portal = _portals(tmp_path, "file")
    notices: list[str] = []
    with responses.RequestsMock() as mocked:
        _expire_then_refresh(mocked, "ref-1")
        client = portals.connect(portal, notices.append)
        assert client.call("crm.status.list").result == [{"ID": "1"}]
    assert (tmp_path / "access_token.txt").read_text("utf-8") == "acc-2\n"
    assert (tmp_path / "refresh_token.txt").read_text("utf-8") == "ref-2\n"
    assert stat.S_IMODE((tmp_path / "refresh_token.txt").stat().st_mode) == 0o600
    assert notices == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "access_token.txt", "client_id.txt", "client_secret.txt", "portals.toml",
        "refresh_token.txt"]  # no temporary file left behind
    with responses.RequestsMock() as mocked:  # the next run refreshes with the new token
        _expire_then_refresh(mocked, "ref-2")
        portals.connect(portal).call("crm.status.list")


def test_a_renewed_token_held_in_the_environment_is_named_not_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B24_ACCESS_TOKEN", "acc-1")
    monkeypatch.setenv("B24_REFRESH_TOKEN", "ref-1")
    portal = _portals(tmp_path, "env")
    notices: list[str] = []
    with responses.RequestsMock() as mocked:
        _expire_then_refresh(mocked, "ref-1")
        portals.connect(portal, notices.append).call("crm.status.list")
    assert notices == [
        ("Warning: portal prod: the OAuth tokens were renewed and the refresh token in "
         "$B24_REFRESH_TOKEN no longer works. Keep the tokens in files (oauth_access_token_file, "
         "oauth_refresh_token_file) so that provision can store the new ones.")]


def test_a_token_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    portal = _portals(tmp_path / "cfg", "file")
    notices: list[str] = []
    with responses.RequestsMock() as mocked:
        _expire_then_refresh(mocked, "ref-1")
        client = portals.connect(portal, notices.append)
        secrets = tmp_path / "cfg"
        for path in secrets.iterdir():
            path.unlink()
        secrets.rmdir()
        secrets.write_text("not a directory\n", encoding="utf-8")  # the tokens' folder is gone
        assert client.call("crm.status.list").result == [{"ID": "1"}]  # the call still succeeds
    assert len(notices) == 1
    assert notices[0].startswith(
        f"Warning: portal prod: the OAuth tokens were renewed but {secrets}/refresh_token.txt "
        "could not be written (")
    assert notices[0].endswith("); the refresh token in it no longer works: authorize the app "
                               "again.")
    assert "ref-2" not in notices[0] and "acc-2" not in notices[0]

"""The portals file: secrets only from the environment or a file, never inline."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write

from provisioner.workspace import portals


def test_inline_webhook_url_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "portals.toml",
                 '[portals.prod]\nwebhook_url = "https://x.bitrix24.ru/rest/1/abc123/"\n')
    with pytest.raises(portals.PortalsError) as err:
        portals.load(path)
    text = str(err.value)
    assert "abc123" not in text
    assert text.splitlines() == [
        (f"{path}: portals.prod.webhook_url: looks like a webhook URL with its token; "
         f"{portals.INLINE}"),
        (f"{path}: portals.prod: give exactly one of webhook_url_env, webhook_url_file, "
         "oauth_endpoint (with oauth_*_env/_file) or sandbox")]


def test_webhook_from_env_or_file_and_identity_without_token(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "prod.url", "https://prod.bitrix24.ru/rest/1/secret/\n")
    path = write(tmp_path / "portals.toml",
                 '[portals.staging]\nwebhook_url_env = "B24_STAGING"\n\n'
                 '[portals.prod]\nwebhook_url_file = "prod.url"\nenterprise = true\n'
                 'protect = ["deal.pipeline[sales]"]\n')
    found = portals.load(path)
    monkeypatch.setenv("B24_STAGING", "https://stage.bitrix24.ru/rest/7/tok/")
    assert str(found["staging"].identity()) == "https://stage.bitrix24.ru"
    assert (str(found["prod"].identity()), found["prod"].enterprise, found["prod"].protect) == (
        "https://prod.bitrix24.ru", True, ("deal.pipeline[sales]",))
    monkeypatch.delenv("B24_STAGING")
    with pytest.raises(portals.PortalsError, match="environment variable B24_STAGING is not set"):
        found["staging"].identity()


def test_unknown_portal_names_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "portals.toml", '[portals.local]\nsandbox = "l.json"\n')
    with pytest.raises(portals.PortalsError) as err:
        portals.choose(path, "prod")
    assert str(err.value) == f"--portal prod: not in {path} (portals: local)"


@pytest.mark.parametrize(("key", "hint"), [
    ("webhok_url_env", "did you mean `webhook_url_env`?"),
    ("oauth_acess_token_file", "did you mean `oauth_access_token_file`?"),
    ("max_change", "did you mean `max_changes`?"),
    ("access_token", portals.INLINE),
])
def test_a_misspelt_key_gets_its_spelling(tmp_path: Path, key: str, hint: str) -> None:
    """A typo in `webhook_url_env` was answered with the rule on inline secrets, which it keeps."""
    path = write(tmp_path / "portals.toml", f'[portals.prod]\nsandbox = "p.json"\n{key} = "X"\n')
    with pytest.raises(portals.PortalsError) as err:
        portals.load(path)
    assert str(err.value) == f"{path}: portals.prod.{key}: unknown key; {hint}"

"""One way to choose a portal: every command that talks to one takes --portal, --portals,
--webhook-url, --sandbox-state and --insecure, runbook and attest included."""

from __future__ import annotations

import shutil
from pathlib import Path

import responses
from helpers import CONFIG as SEED, cli, write

from provisioner.cli import main

ROOT = Path(__file__).resolve().parents[2]
PORTAL_COMMANDS = ("plan", "apply", "export", "drift", "runbook", "attest")
TOKEN = "t0kenNeverShown"


def test_every_portal_command_takes_the_same_options() -> None:
    """Failed before: runbook and attest took no --portal, --portals or --insecure."""
    for name in PORTAL_COMMANDS:
        options = {o for p in main.commands[name].params for o in p.opts}
        assert {"--portal", "--portals", "--webhook-url", "--sandbox-state",
                "--insecure"} <= options, name


def _config_and_portals(tmp_path: Path) -> tuple[Path, tuple[str, ...]]:
    """portal-config/ with a portals.toml beside it, naming a sandbox `local`."""
    config = tmp_path / "portal-config"
    shutil.copytree(SEED, config, ignore=shutil.ignore_patterns("*.json"))
    write(tmp_path / "portals.toml", '[portals.local]\nsandbox = "state/local.json"\n')
    return config, ("--portal", "local")


def test_runbook_and_attest_with_portal(tmp_path: Path) -> None:
    """Failed before: "No such option: --portal"."""
    config, at = _config_and_portals(tmp_path)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    book = cli("runbook", str(config), *at, "--out", str(tmp_path / "book"))
    assert book.exit_code == 0, book.output
    assert book.stderr == f"Using portal local: the local sandbox {tmp_path / 'state/local.json'}.\n"
    assert book.stdout.endswith("6 manual steps left on sandbox:state/local.json; when done, "
                                "run `provision attest --by NAME`.\n")
    signed = cli("attest", str(config), *at, "--by", "Ирина", "--date", "2026-12-01",
                 "--stage", "deal.pipeline[sales].stage[NEW]")
    assert signed.exit_code == 0, signed.output
    record = config / "attestations" / "sandbox_state%2Flocal.json.toml"
    assert signed.stdout == (f"Attested on sandbox:state/local.json by Ирина (2026-12-01), "
                             f"recorded in {record}:\n  deal.pipeline[sales].stage[NEW]\n")
    planned = cli("plan", str(config), *at)
    assert "stage[NEW].robot[" not in planned.stdout
    assert "stage[PREPARATION].robot[1]" in planned.stdout


@responses.activate
def test_insecure_is_honoured_with_portal(tmp_path: Path) -> None:
    """Failed before: --insecure with --portal was silently ignored (TLS still verified)."""
    url = f"https://portal.example/rest/1/{TOKEN}/"
    body = {"result": {"result": {}, "result_error": [], "result_total": [], "result_next": [],
                       "result_time": []}, "time": {}}
    responses.add(responses.POST, f"{url}batch.json", json=body)
    portals = write(tmp_path / "portals.toml", '[portals.prod]\nwebhook_url_env = "B24_PROD"\n')
    config = str(ROOT / "tests/fixtures/broken/hand/unknown-portal-list.toml")
    at = ("--portal", "prod", "--portals", str(portals))
    env = {"B24_PROD": url}
    cli("plan", config, *at, env=env)
    assert responses.calls[-1].request.req_kwargs["verify"] is not False
    insecure = cli("plan", config, *at, "--insecure", env=env)
    assert responses.calls[-1].request.req_kwargs["verify"] is False
    assert insecure.stderr.startswith(
        "Warning: --insecure: TLS certificate verification is OFF for "
        "https://portal.example/rest/1/***/;")
    assert TOKEN not in insecure.output


def test_insecure_with_a_sandbox_portal_says_it_is_ignored(tmp_path: Path) -> None:
    config, at = _config_and_portals(tmp_path)
    result = cli("plan", str(config), *at, "--insecure")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[1] == ("Warning: --insecure is ignored for the local "
                                             "sandbox portal.")


@responses.activate
def test_insecure_reaches_an_oauth_portal_too(tmp_path: Path) -> None:
    from provisioner.workspace import PortalChoice

    lines = ["[portals.app]", 'oauth_endpoint = "https://crm.example.ru/rest/"',
             'member_id = "m1"']
    for secret in ("client_id", "client_secret", "access_token", "refresh_token"):
        write(tmp_path / f"{secret}.txt", f"{secret}-{TOKEN}\n")
        lines.append(f'oauth_{secret}_file = "{secret}.txt"')
    portals = write(tmp_path / "portals.toml", "\n".join(lines) + "\n")
    responses.add(responses.POST, "https://crm.example.ru/rest/crm.status.list.json",
                  json={"result": [], "time": {}})
    notices: list[str] = []
    choice = PortalChoice("app", portals, insecure=True)
    portal = choice.connect(None, notices.append)
    portal.client.call("crm.status.list")
    assert responses.calls[-1].request.req_kwargs["verify"] is False
    assert str(portal.identity) == "https://crm.example.ru (member_id m1)"
    assert notices[0].startswith("Warning: --insecure: TLS certificate verification is OFF "
                                 "for https://crm.example.ru/rest/;")
    assert TOKEN not in "".join(notices) + repr(choice) + repr(portal.identity)

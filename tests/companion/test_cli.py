"""`provision call-card check` on the sandbox, and `provision app serve`'s refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from tests.companion.harness import FIXTURE, seed_crm


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "sandbox.json"
    sandbox = Sandbox.open(path)
    seed_crm(BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited()))
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_explains_a_red_number(state: Path) -> None:
    code, out, err = _run("call-card", "check", "+7 916 000-00-01", "--config", str(FIXTURE),
                          "--caller", "ivan.smirnov@sandbox.example", "--sandbox-state",
                          str(state))
    assert code == 0, err
    assert err.startswith("Using the local sandbox portal")
    assert out.splitlines() == [
        "+79160000001: red — Компания в работе у другого менеджера: не звоните чужому клиенту",
        "  as ivan.smirnov@sandbox.example (user 3)",
        "1 candidate(s) for +79160000001:",
        "  company company 1 «Ромашка», status in_work, responsible 2",
        ("rule 0 (owner company, responsible other, status in_work): matches company company 1 "
        "«Ромашка», status in_work, responsible 2 -> red")]


def test_check_as_the_owner_gives_no_warning(state: Path) -> None:
    code, out, _ = _run("call-card", "check", "8 916 000 00 01", "--config", str(FIXTURE),
                        "--caller", "irina.petrova@sandbox.example", "--sandbox-state",
                        str(state))
    assert code == 0
    assert out.splitlines()[0] == "+79160000001: none — Компания не в работе у другого менеджера"
    assert out.splitlines()[-1].startswith("rule 2 (owner company): matches")


def test_check_refuses_a_bad_number_and_an_unknown_caller(state: Path) -> None:
    code, out, err = _run("call-card", "check", "call me", "--config", str(FIXTURE),
                          "--sandbox-state", str(state))
    assert (code, out, err) == (1, "", ("Error: 'call me' is not a phone number: write it as "
                                "+7 916 123-45-67\n"))
    code, _, err = _run("call-card", "check", "+79160000001", "--config", str(FIXTURE),
                        "--caller", "nobody@x.example", "--sandbox-state", str(state))
    assert code == 1
    assert err.endswith("Error: --caller nobody@x.example: no user with this e-mail on the "
                        "portal\n")


def test_check_reports_config_problems(tmp_path: Path) -> None:
    bad = tmp_path / "c.toml"
    bad.write_text('[call_card]\npublic_url = "https://app.example.com"\n[[call_card.rules]]\n'
                   'owner = "lead"\ncolor = "pink"\nmessage = "m"\n', encoding="utf-8")
    code, out, err = _run("call-card", "check", "+79160000001", "--config", str(bad))
    assert (code, out) == (1, "")
    assert err == (f"1 problem in the desired state:\n{bad}:5: call_card.rules[0].color: "
                   '"pink" is not one of "red", "yellow", "blue", "green", "grey", "none"\n'
                   '    fix: write one of "red", "yellow", "blue", "green", "grey", "none"\n')


def test_serve_needs_the_app_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("B24_APP_CLIENT_ID", raising=False)
    code, _, err = _run("app", "serve", str(FIXTURE), "--portal-url", "https://x.bitrix24.ru")
    assert (code, err) == (1, ("Error: the app's client_id is not set: export B24_APP_CLIENT_ID,"
                           " or pass its file\n"))


def test_serve_refuses_a_public_url_other_than_the_configs() -> None:
    code, _, err = _run("app", "serve", str(FIXTURE), "--portal-url", "https://x.bitrix24.ru",
                        "--public-url", "https://other.example.com/")
    assert (code, err) == (1, (
        "Error: --public-url https://other.example.com differs from the config's public_url "
        "https://app.example.com: `provision apply` binds the app there; pass the same address "
        "or leave --public-url out\n"))

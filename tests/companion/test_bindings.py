"""The companion app's bindings through the CLI on a sandbox (issue 17): `provision plan
portal-config/` with the app's OAuth token plans `+ app.placement[CALL_CARD]` and
`+ app.event[ONTASKUPDATE]`, apply binds them (read back over REST) and the app then gets the
portal's calls (the seed's colours) and events; a moved app plans `~`, a removed table plans `-`
only with --allow-destroy, and apply unbinds it; exit codes exact; with a webhook the plan lists
them as manual, says how to bind them by hand, and apply sends nothing."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.client import BitrixClient
from provisioner.sandbox import auth, events
from provisioner.sandbox.crm import tasks_state
from tests.companion.harness import ADMIN, IVAN, PHONES, World, world
from tests.helpers import CONFIG

SEED_URL = "https://app.example.com"
PROVISION_SCOPES = ("userfieldconfig", "bizproc")  # besides the app's: what plan reads
DEADLINE, MOVED = "2026-12-10T10:00:00+00:00", "2026-12-20T10:00:00+00:00"


@pytest.fixture
def w() -> Iterator[World]:
    with world(bind_at_install=False, scopes=PROVISION_SCOPES) as running:
        yield running


def cli(*args: str) -> Result:
    env = {"B24_WEBHOOK_URL": None, "PROVISION_SANDBOX_STATE": None}
    return CliRunner(env=env).invoke(main, list(args))


def _config(tmp_path: Path, url: str) -> Path:
    """portal-config/ with the app's public_url where this test's app listens."""
    config = tmp_path / "portal-config"
    shutil.copytree(CONFIG, config)
    card = config / "companion.toml"
    card.write_text(card.read_text(encoding="utf-8").replace(SEED_URL, url), encoding="utf-8")
    return config


def _app_pair(w: World) -> tuple[str, dict[str, str]]:
    """A token pair of the companion's own local app, as an administrator gets one by
    authorizing the app (settings/oauth/index.md): the bindings must be the app's, or its tab
    and events would carry another app's token."""
    store = w.sandbox.store
    with store.lock:
        app = events.app_of(store, w.client_id)
        assert app is not None
        pair = auth.issue_pair(store, w.client_id, ADMIN, time.time())
    return app["client_secret"], pair


def _portals(w: World, tmp_path: Path) -> tuple[str, ...]:
    """portals.toml naming the portal reached with the app's token (files, mode 0600)."""
    secret, pair = _app_pair(w)
    secrets = {"client_id": w.client_id, "client_secret": secret,
               "access_token": pair["access_token"], "refresh_token": pair["refresh_token"]}
    lines = ["[portals.app]", f'oauth_endpoint = "{w.portal_url}/rest/"']
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n", encoding="utf-8")
        (tmp_path / name).chmod(0o600)
        lines.append(f'oauth_{name}_file = "{name}"')
    (tmp_path / "portals.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ("--portal", "app", "--portals", str(tmp_path / "portals.toml"))


def _app_client(w: World) -> BitrixClient:
    secret, pair = _app_pair(w)
    return BitrixClient.from_oauth(f"{w.portal_url}/rest/", pair["access_token"],
                                   pair["refresh_token"], w.client_id, secret)


def _bindings(w: World) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """What the app has bound, read over REST with its own token."""
    client = _app_client(w)
    placements = [(r["placement"], r["handler"], r["title"])
                  for r in client.call("placement.get").result]
    handlers = [(r["event"], r["handler"]) for r in client.call("event.get").result]
    return placements, handlers


def _lines(result: Result, marks: str = "+~-!") -> list[str]:
    return [line for line in result.stdout.splitlines()
            if line.startswith("  ") and line[2:3] in marks and " app." in line]


def test_plan_and_apply_bind_the_tab_and_the_handler_with_the_apps_token(
        w: World, tmp_path: Path) -> None:
    config, at = _config(tmp_path, w.companion_url), _portals(w, tmp_path)
    planned = cli("plan", str(config), *at)
    assert planned.exit_code == 0, planned.output
    assert _lines(planned) == ["  + app.event[ONTASKUPDATE]", "  + app.placement[CALL_CARD]"]
    assert (f'  + app.placement[CALL_CARD]\n      handler: "{w.companion_url}/call-card"\n'
            '      title:   "Чей клиент"\n') in planned.stdout
    applied = cli("apply", str(config), *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert _bindings(w) == ([("CALL_CARD", f"{w.companion_url}/call-card", "Чей клиент")],
                            [("ONTASKUPDATE", f"{w.companion_url}/event")])
    again = cli("plan", str(config), *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output  # only the robots and required_from: manual
    assert _lines(again) == []
    # The tab apply bound is the app's: a call opens it, and the seed's steps give their colour.
    for phone, colour in (("red", "red"), ("processing_contact", "yellow"),
                          ("lone_contact", "yellow"), ("lead", "blue"), ("own", "none")):
        page = w.open_card(IVAN, w.call_options(PHONES[phone]))
        assert page.status_code == 200, page.text
        assert f'data-color="{colour}"' in page.text, phone
    # The handler apply bound is the app's: the portal's event reaches it and the guard acts.
    task = w.admin.call("tasks.task.add", {"fields": {
        "TITLE": "Контроль", "RESPONSIBLE_ID": IVAN, "CREATED_BY": ADMIN, "DEADLINE": DEADLINE,
        "UF_CRM_TASK": ["D_1"], "ALLOW_CHANGE_DEADLINE": "Y"}}).result["task"]["id"]
    w.as_user(IVAN).call("tasks.task.update", {"taskId": task, "fields": {"DEADLINE": MOVED}})
    events.drain()
    assert tasks_state.tasks(w.sandbox.store)[str(task)]["DEADLINE"] == DEADLINE  # put back


def test_a_moved_app_is_an_update_and_a_removed_card_a_guarded_delete(
        w: World, tmp_path: Path) -> None:
    config, at = _config(tmp_path, w.companion_url), _portals(w, tmp_path)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    moved = "https://companion.example.com"
    card = config / "companion.toml"
    card.write_text(card.read_text(encoding="utf-8").replace(w.companion_url, moved),
                    encoding="utf-8")
    planned = cli("plan", str(config), *at)
    assert _lines(planned) == ["  ~ app.event[ONTASKUPDATE]", "  ~ app.placement[CALL_CARD]"]
    assert (f'      handler: "{w.companion_url}/call-card" -> "{moved}/call-card"\n'
            in planned.stdout)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    assert _bindings(w) == ([("CALL_CARD", f"{moved}/call-card", "Чей клиент")],
                            [("ONTASKUPDATE", f"{moved}/event")])

    guard = card.read_text(encoding="utf-8").split("[tasks.deadline_guard]\n", 1)[1]
    card.write_text(f'[tasks.deadline_guard]\npublic_url = "{moved}"\n{guard}',
                    encoding="utf-8")  # [call_card] removed
    kept = cli("plan", str(config), *at)
    assert _lines(kept) == []
    assert ("  # app.placement[CALL_CARD]: not in the desired state; would be deleted with "
            "--allow-destroy\n") in kept.stdout
    refused = cli("apply", str(config), *at, "--auto-approve")
    assert refused.exit_code == 0 and _bindings(w)[0] != []  # nothing deleted without consent
    destroy = cli("plan", str(config), *at, "--allow-destroy")
    assert _lines(destroy) == ["  - app.placement[CALL_CARD] (destructive)",
                               "  - app.placement[CALL_CARD]"]  # and under "Destructive changes"
    assert "Destructive changes:\n  - app.placement[CALL_CARD]\n" in destroy.stdout
    gone = cli("apply", str(config), *at, "--allow-destroy", "--auto-approve")
    assert gone.exit_code == 0, gone.output
    assert _bindings(w) == ([], [("ONTASKUPDATE", f"{moved}/event")])


def test_a_stale_handler_the_installer_left_is_shown_and_removed(w: World,
                                                                 tmp_path: Path) -> None:
    config, at = _config(tmp_path, w.companion_url), _portals(w, tmp_path)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    client = _app_client(w)
    client.call("event.bind", {"event": "ONTASKUPDATE", "handler": "https://old.example.com/e"})
    planned = cli("plan", str(config), *at, "--allow-destroy")
    assert _lines(planned)[0] == (
        "  - app.event[ONTASKUPDATE].handler[https://old.example.com/e] (destructive)")
    assert '      handler: "https://old.example.com/e"\n' in planned.stdout
    assert cli("apply", str(config), *at, "--allow-destroy", "--auto-approve").exit_code == 0
    assert _bindings(w)[1] == [("ONTASKUPDATE", f"{w.companion_url}/event")]


def _summary(result: Result) -> str:
    return result.stdout.rstrip("\n").rsplit("\n", 1)[-1]


def test_the_bindings_life_through_the_cli_with_exact_exit_codes(w: World,
                                                                  tmp_path: Path) -> None:
    """plan (2: changes) → apply (0) binds both → plan (0: in sync) → the app's tables removed
    from the config: plan --allow-destroy (2) → apply unbinds both → plan (0)."""
    config, at = _config(tmp_path, w.companion_url), _portals(w, tmp_path)
    first = cli("plan", str(config), *at, "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert _lines(first) == ["  + app.event[ONTASKUPDATE]", "  + app.placement[CALL_CARD]"]
    assert _bindings(w) == ([], [])  # plan writes nothing
    applied = cli("apply", str(config), *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "+ app.placement[CALL_CARD]\n+ app.event[ONTASKUPDATE]\n" in applied.stdout
    assert _bindings(w) == ([("CALL_CARD", f"{w.companion_url}/call-card", "Чей клиент")],
                            [("ONTASKUPDATE", f"{w.companion_url}/event")])
    synced = cli("plan", str(config), *at, "--detailed-exitcode")
    assert synced.exit_code == 0, synced.output
    assert _lines(synced) == []
    assert _summary(synced) == "Plan: 0 to add, 0 to change, 0 to destroy, 6 manual."

    (config / "companion.toml").unlink()  # [call_card] and [tasks.deadline_guard] gone
    kept = cli("plan", str(config), *at, "--detailed-exitcode")
    assert kept.exit_code == 0, kept.output  # nothing to delete without consent
    assert ("  # app.event[ONTASKUPDATE]: not in the desired state; would be deleted with "
            "--allow-destroy\n") in kept.stdout
    destroy = cli("plan", str(config), *at, "--allow-destroy", "--detailed-exitcode")
    assert destroy.exit_code == 2, destroy.output
    assert "Destructive changes:\n  - app.event[ONTASKUPDATE]\n  - app.placement[CALL_CARD]\n" \
        in destroy.stdout
    assert _summary(destroy) == "Plan: 0 to add, 0 to change, 2 to destroy, 6 manual."
    gone = cli("apply", str(config), *at, "--allow-destroy", "--auto-approve")
    assert gone.exit_code == 0, gone.output
    assert _bindings(w) == ([], [])
    after = cli("plan", str(config), *at, "--allow-destroy", "--detailed-exitcode")
    assert (after.exit_code, _lines(after)) == (0, [])
    secrets = [(tmp_path / n).read_text(encoding="utf-8").strip()
               for n in ("client_secret", "access_token", "refresh_token")]
    for result in (first, applied, synced, kept, destroy, gone, after):
        assert not [s for s in secrets if s in result.output]


def test_with_a_webhook_the_bindings_are_manual_and_say_how_to_do_them(w: World,
                                                                      tmp_path: Path) -> None:
    config = _config(tmp_path, w.companion_url)
    at = ("--webhook-url", w.sandbox.webhook_url)
    applied = cli("apply", str(config), *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert ("  ! app.event[ONTASKUPDATE]: manual, not applied\n"
            "  ! app.placement[CALL_CARD]: manual, not applied\n") in applied.stdout
    assert _bindings(w) == ([], [])  # nothing sent: the portal would refuse it
    planned = cli("plan", str(config), *at, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output  # manual items alone are no change to apply
    assert _lines(planned) == ["  ! app.event[ONTASKUPDATE]", "  ! app.placement[CALL_CARD]"]
    assert _summary(planned) == "Plan: 0 to add, 0 to change, 0 to destroy, 8 manual."
    assert (f'  ! app.placement[CALL_CARD]\n'
            f'      handler: (none) -> "{w.companion_url}/call-card"\n'
            '      title:   (none) -> "Чей клиент"\n'
            "      # manual with a webhook: the call card's tab (placement CALL_CARD) belongs to "
            "the companion app, and the portal refuses placement.* to a webhook "
            "(WRONG_AUTH_TYPE), so provision neither reads nor writes it. By hand: run "
            "`provision app serve` with this config and install the local app on the portal "
            "(Приложения → Разработчикам → Готовые сценарии → Другое → Локальное приложение; "
            "installed already: reinstall it): its installer binds the handler above. Or "
            "connect provision with the app's OAuth token (oauth_* in portals.toml, "
            "docs/companion.md) and apply\n") in planned.stdout
    assert ("      # manual with a webhook: the deadline guard's handler (event ONTASKUPDATE) "
            "belongs to the companion app, and the portal refuses event.* to a webhook "
            "(WRONG_AUTH_TYPE)") in planned.stdout
    drift = cli("drift", str(config), *at)
    assert drift.exit_code == 0, drift.output


def test_the_safety_gates_hold_for_the_bindings(w: World, tmp_path: Path) -> None:
    """protect keeps a removed tab even with --allow-destroy; --target applies one binding."""
    config, at = _config(tmp_path, w.companion_url), _portals(w, tmp_path)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    card, moved = config / "companion.toml", "https://moved.example.com"
    guard = card.read_text(encoding="utf-8").split("[tasks.deadline_guard]\n", 1)[1]
    card.write_text('[provision]\nprotect = ["app.placement[CALL_CARD]"]\n\n'
                    f'[tasks.deadline_guard]\npublic_url = "{moved}"\n{guard}', encoding="utf-8")
    planned = cli("plan", str(config), *at, "--allow-destroy", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert _lines(planned) == ["  ~ app.event[ONTASKUPDATE]"]
    assert ("  # app.placement[CALL_CARD]: protected (protect = [...]): never deleted or "
            "replaced\n") in planned.stdout
    only = cli("apply", str(config), *at, "--allow-destroy", "--auto-approve",
               "--target", "app.placement[CALL_CARD]")
    assert only.exit_code == 0, only.output
    assert _bindings(w) == ([("CALL_CARD", f"{w.companion_url}/call-card", "Чей клиент")],
                            [("ONTASKUPDATE", f"{w.companion_url}/event")])  # nothing targeted
    applied = cli("apply", str(config), *at, "--allow-destroy", "--auto-approve",
                  "--target", "app.event[ONTASKUPDATE]")
    assert applied.exit_code == 0, applied.output
    assert _bindings(w) == ([("CALL_CARD", f"{w.companion_url}/call-card", "Чей клиент")],
                            [("ONTASKUPDATE", f"{moved}/event")])

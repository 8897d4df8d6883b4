"""The contract at the command line: one example per property, on a config with every kind, to
show that `provision` behaves as the library does (exit codes, files, output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from contract_configs import KNOWN_GOOD, Tree, portal_lists, write_config
from contract_flow import xml_ids
from contract_portal import HISTORY, Portal, differences, id_map_problems, offset_ids, view, without
from contract_renames import new_names, renamed

from provisioner.cli import main
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox
from provisioner.workspace import Connection, PortalIdentity

NO_CHANGES = "No changes. The portal matches the desired state.\n"
DEAL = [{"code": "NEW", "name": "Новая", "robots": [
            {"type": "notification", "title": "Новая сделка", "message": "Посмотрите сделку",
             "to": ["responsible"]}]},
        {"code": "NEGOTIATION", "name": "Переговоры", "color": "#FFA900",
         "triggers": [{"code": "call", "name": "Входящий звонок"}]},
        {"code": "WON", "name": "Сделка успешна", "semantics": "success"},
        {"code": "LOSE", "name": "Сделка провалена", "semantics": "failure"}]
SPA = [{"code": "NEW", "name": "Первый созвон"},
       {"code": "INTERVIEW", "name": "Собеседование", "robots": [
           {"type": "control", "title": "Контроль", "message": "Кандидат ждёт", "after": "1h"}]},
       {"code": "SUCCESS", "name": "Принятие в штат", "semantics": "success"},
       {"code": "FAIL", "name": "Отказ", "semantics": "failure"}]
INTERNS = [{"code": "NEW", "name": "Заявка"},
           {"code": "SUCCESS", "name": "Принят", "semantics": "success"},
           {"code": "FAIL", "name": "Не подошёл", "semantics": "failure"}]


def example() -> Tree:
    """Every kind, as a user writes it: labels in the portal's other languages, enumeration
    items, a client smart process with a contact parent and a second pipeline (issue 13 items
    2, 3 and 8 broke these)."""
    lead = portal_lists()["STATUS"]
    return {
        "deal": {"pipelines": {"sales": {"name": "Продажи", "stages": DEAL}},
                 "fields": {"EQUIPMENT": {"type": "enumeration", "label": {
                     "ru": "Тип оборудования", "en": "Equipment type"},
                     "items": ["стандартное", {"value": "особое", "xml_id": "special"}],
                     "required_from": "sales:NEGOTIATION"}}},
        "lead": {"statuses": [{"code": c, "name": f"Стадия {n}",
                               **({"semantics": "success"} if c == "CONVERTED" else {}),
                               **({"semantics": "failure"} if c == "JUNK" else {})}
                              for n, c in enumerate(lead)],
                 "fields": {"CHANNEL": {"type": "string", "label": "Канал"}}},
        "lists": {"SOURCE": {"items": [{"code": c, "name": f"Источник {n}"}
                                       for n, c in enumerate(portal_lists()["SOURCE"])]}},
        "contact": {"fields": {"VIP": {"type": "boolean", "label": "VIP"}}},
        "company": {"fields": {"INN": {"type": "string", "label": {
            "ru": "ИНН", "en": "TIN", "ua": "ІПН", "kz": "БСН", "de": "Steuernummer"}}}},
        "quote": {"fields": {"DISCOUNT": {"type": "double", "label": "Скидка",
                                          "settings": {"precision": 3}}}},
        "smart_processes": {"hr": {
            "title": "Кандидаты", "categories": True, "stages": True, "automation": True,
            "client": True, "parents": ["deal", "contact"],
            "pipelines": {"hiring": {"name": "Найм", "default": True, "stages": SPA},
                          "interns": {"name": "Стажёры", "stages": INTERNS}},
            "fields": {"VACANCY": {"type": "string", "label": {"ru": "Вакансия",
                                                               "en": "Vacancy"}}}}},
        "app": {"triggers": {"paid": {"name": "Оплачено"}}},
        "call_card": {"public_url": "https://app.example.com", "rules": [
            {"owner": "lead", "color": "blue", "message": "Номер есть у лида"}]},
        "tasks": {"deadline_guard": {"notify": ["head"]}},
    }


def cli(*args: str) -> Result:
    env: dict[str, Any] = {"B24_WEBHOOK_URL": None, "PROVISION_SANDBOX_STATE": None}
    return CliRunner(env=env).invoke(main, list(args))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(example(), tmp_path / "config")


def state(tmp_path: Path) -> tuple[str, str]:
    return ("--sandbox-state", str(tmp_path / "sandbox.json"))


def applied(config: Path, at: tuple[str, ...]) -> None:
    done = cli("apply", str(config), *at, "--auto-approve")
    assert done.exit_code == 0, done.output


def test_apply_then_plan_has_no_change_besides_manual(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    applied(config, at)
    planned = cli("plan", str(config), *at, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert planned.stdout.endswith("Plan: 0 to add, 0 to change, 0 to destroy, 7 manual.\n")
    manual = [line for line in planned.stdout.splitlines() if line.startswith("  ! ")]
    assert manual == [  # the companion's bindings and the app's trigger type (a webhook
        "  ! app.event[ONTASKUPDATE]", "  ! app.placement[CALL_CARD]",  # cannot), required_from,
        "  ! app.trigger[paid]", "  ! deal.field[EQUIPMENT].required_from[sales]",  # robots
        "  ! deal.pipeline[sales].stage[NEW].robot[1]",
        "  ! deal.pipeline[sales].stage[NEGOTIATION].trigger[CALL]",
        "  ! smart_process[hr].pipeline[hiring].stage[INTERVIEW].robot[1]"]


def test_plan_out_then_apply_file(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    saved = tmp_path / "plans" / "plan.json"
    saved.parent.mkdir()
    assert cli("plan", str(config), *at, "--out", str(saved)).exit_code == 0
    done = cli("apply", str(saved), *at)
    assert done.exit_code == 0, done.output
    again = cli("plan", str(config), *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_export_then_plan_it_is_empty(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    applied(config, at)
    out = tmp_path / "export"
    exported = cli("export", *at, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    planned = cli("plan", str(out), *at, "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert planned.stdout.endswith(NO_CHANGES)


def test_export_over_a_config_without_force_is_refused(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    applied(config, at)
    before = {p.name: p.read_text(encoding="utf-8") for p in config.glob("*.toml")}
    exported = cli("export", *at, "--out", str(config))
    assert exported.exit_code == 1
    assert "--force" in exported.output
    assert {p.name: p.read_text(encoding="utf-8") for p in config.glob("*.toml")} == before


PORTALS = """\
[portals.staging]
sandbox = "staging.json"

[portals.production]
sandbox = "production.json"
"""


def _portal(path: Path) -> Portal:
    sb = Sandbox.open(path)
    client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session())
    return Portal(sb, Connection(client, PortalIdentity.sandbox(path.name)))


def test_export_migrates_to_a_portal_numbered_differently(config: Path, tmp_path: Path) -> None:
    (tmp_path / "portals.toml").write_text(PORTALS, encoding="utf-8")
    at = ("--portals", str(tmp_path / "portals.toml"))
    applied(config, ("--portal", "staging", *at))
    history = offset_ids(_portal(tmp_path / "production.json"))
    cfg = tmp_path / "cfg"
    assert cli("export", "--portal", "staging", *at, "--out", str(cfg)).exit_code == 0
    done = cli("apply", str(cfg), "--portal", "production", *at, "--auto-approve")
    assert done.exit_code == 0, done.output
    assert done.stdout.endswith(f"wrote {cfg / 'id-map.json'} (old -> new ids)\n")
    old = view(_portal(tmp_path / "staging.json").client)
    new = without(view(_portal(tmp_path / "production.json").client), history)
    assert differences(old, new) == []
    id_map = json.loads((cfg / "id-map.json").read_text(encoding="utf-8"))
    assert id_map_problems(id_map, old, new) == []
    assert id_map["by_type"]["smart_process.entity_type_id"] != {"128": 128}  # ids did differ


def _manual_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  ! ")]


def test_an_export_from_the_config_migrates_with_its_manual_items(config: Path,
                                                                  tmp_path: Path) -> None:
    (tmp_path / "portals.toml").write_text(PORTALS, encoding="utf-8")
    at = ("--portals", str(tmp_path / "portals.toml"))
    applied(config, ("--portal", "staging", *at))
    offset_ids(_portal(tmp_path / "production.json"))
    cfg = tmp_path / "cfg"
    exported = cli("export", "--portal", "staging", *at, "--out", str(cfg), "--from", str(config))
    assert exported.exit_code == 0, exported.output
    assert f"Carried over from {config} (marked in the files" in exported.stdout
    done = cli("apply", str(cfg), "--portal", "production", *at, "--auto-approve")
    assert done.exit_code == 0, done.output
    id_map = json.loads((cfg / "id-map.json").read_text(encoding="utf-8"))
    old = view(_portal(tmp_path / "staging.json").client)
    new = without(view(_portal(tmp_path / "production.json").client), HISTORY)
    assert id_map_problems(id_map, old, new) == []
    staging = cli("plan", str(config), "--portal", "staging", *at)
    production = cli("plan", str(cfg), "--portal", "production", *at, "--detailed-exitcode")
    assert production.exit_code == 0, production.output
    assert _manual_lines(production.stdout) == _manual_lines(staging.stdout) != []


def test_renaming_everything_is_an_update(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    applied(config, at)
    ids = xml_ids(view(_portal(tmp_path / "sandbox.json").client))
    new_tree, addresses = renamed(new_names(None), example(), ids, KNOWN_GOOD)
    write_config(new_tree, config)
    planned = cli("plan", str(config), *at, "--json")
    assert planned.exit_code == 0, planned.output
    actions = {c["address"]: c["action"] for c in json.loads(planned.stdout)["result"]["changes"]}
    assert {a for a in actions.values()} == {"update", "manual"}
    assert {a: actions.get(a) for a in addresses} == dict.fromkeys(addresses, "update")
    assert {"smart_process[hr].pipeline[hiring]", "smart_process[hr].pipeline[interns]",
            "deal.field[EQUIPMENT].item[special]", "company.field[INN]"} <= set(addresses)


def test_deleting_a_field_that_holds_values_needs_allow_data_loss(config: Path,
                                                                   tmp_path: Path) -> None:
    """Issue 13 item 9: --allow-destroy alone deleted a field and every value in it."""
    at = state(tmp_path)
    applied(config, at)
    _portal(tmp_path / "sandbox.json").client.call(
        "crm.contact.add", {"fields": {"NAME": "Анна", "UF_CRM_VIP": "1"}})
    tree = example()
    tree["contact"]["fields"] = {"NOTE": {"type": "string", "label": "Заметка"}}
    write_config(tree, config)
    refused = cli("apply", str(config), *at, "--auto-approve", "--allow-destroy")
    assert refused.exit_code == 1, refused.output
    assert ("  - contact.field[VIP]: holds 1 value, deleted with it (apply also needs "
            "--allow-data-loss)\n") in refused.stdout
    assert "run again with --allow-destroy --allow-data-loss" in refused.output
    done = cli("apply", str(config), *at, "--auto-approve", "--allow-destroy",
               "--allow-data-loss")
    assert done.exit_code == 0, done.output
    again = cli("plan", str(config), *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def test_drift_right_after_apply_exits_0(config: Path, tmp_path: Path) -> None:
    at = state(tmp_path)
    applied(config, at)
    drift = cli("drift", str(config), *at)
    assert drift.exit_code == 0, drift.output
    assert drift.stdout.startswith("In sync: the portal matches the config.\n")

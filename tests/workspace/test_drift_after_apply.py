"""Drift right after a clean apply is 0, whatever the portal holds that the config leaves
alone; those objects are listed apart, and --strict counts them as drift (the old view).
Before, an unmanaged pipeline or stage made drift exit 2 right after apply."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import CONFIG as SEED, MAIN_PIPELINE, cli, client_of, write

from provisioner.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
UNMANAGED = "Not in the config (left alone, not drift; --strict counts them):"


def _extra_pipeline(state: Path) -> None:
    """A pipeline someone made by hand, that no config names."""
    client_of(Sandbox.open(state)).call("crm.category.add",
                                        {"entityTypeId": 2, "fields": {"name": "Партнёры"}})


def test_drift_after_applying_portal_config_with_unmanaged_objects(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    at = ("--sandbox-state", str(state))
    _extra_pipeline(state)
    assert cli("apply", str(SEED), *at, "--auto-approve").exit_code == 0
    drift = cli("drift", str(SEED), *at)
    assert drift.exit_code == 0, drift.output
    lines = drift.stdout.splitlines()
    assert lines[:3] == ["In sync: the portal matches the config.", UNMANAGED,
                         "  # deal.pipeline[partnery]"]
    strict = cli("drift", str(SEED), *at, "--strict")
    assert strict.exit_code == 2
    assert strict.stdout.splitlines()[:3] == [
        "Drift: 1 difference between the portal and the config (portal value -> config value).",
        "deal.pipelines:", "  - deal.pipeline[partnery]: on the portal, not in the config"]


def test_drift_after_applying_one_pipeline_of_several(tmp_path: Path) -> None:
    """A config that manages one pipeline; the portal has three, and stages of its own in the
    managed one."""
    state = tmp_path / "sb.json"
    at = ("--sandbox-state", str(state))
    client = client_of(Sandbox.open(state))
    for name in ("Опт", "Партнёры"):
        client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": name}})
    config = write(tmp_path / "cfg" / "main.toml", MAIN_PIPELINE)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    drift = cli("drift", str(config), *at, "--json")
    assert drift.exit_code == 0, drift.output
    doc = json.loads(drift.stdout)["result"]
    assert (doc["in_sync"], doc["differences"], doc["kinds"], doc["strict"]) == (
        True, 0, {}, False)
    unmanaged = [u["address"] for u in doc["unmanaged"]]
    assert "deal.pipeline[opt]" in unmanaged and "deal.pipeline[partnery]" in unmanaged
    assert "deal.pipeline[main].stage[PREPARATION]" in unmanaged  # the default's own stages
    strict = json.loads(cli("drift", str(config), *at, "--json", "--strict").stdout)["result"]
    assert (strict["in_sync"], strict["differences"], strict["unmanaged"]) == (
        False, len(unmanaged), [])


def test_drift_of_what_the_config_manages_still_exits_2(tmp_path: Path) -> None:
    state = tmp_path / "sb.json"
    at = ("--sandbox-state", str(state))
    _extra_pipeline(state)
    config = write(tmp_path / "cfg" / "main.toml", MAIN_PIPELINE)
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    edited = write(tmp_path / "cfg" / "main.toml", MAIN_PIPELINE.replace("Провал", "Отказ"))
    drift = cli("drift", str(edited), *at)
    assert drift.exit_code == 2
    assert drift.stdout.splitlines()[:4] == [
        "Drift: 1 difference between the portal and the config (portal value -> config value).",
        "deal.pipelines:", "  ~ deal.pipeline[main].stage[LOSE]: changed on the portal",
        '      name: "Провал" -> "Отказ"']
    assert UNMANAGED in drift.stdout.splitlines()


def test_drift_names_the_value_that_changed_inside_a_table(tmp_path: Path) -> None:
    """One language of a label changed by hand: drift names `label.en`, not the whole table
    (deepdiff walks the tables; a list would be shown whole)."""
    state = tmp_path / "sb.json"
    at = ("--sandbox-state", str(state))
    config = write(tmp_path / "cfg" / "main.toml", '[contact.fields.VIP]\ntype = "boolean"\n'
                   'label = { ru = "Важный", en = "VIP" }\n')
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    client = client_of(Sandbox.open(state))
    row = client.call("crm.contact.userfield.list",
                      {"filter": {"FIELD_NAME": "UF_CRM_VIP"}}).result[0]
    client.call("crm.contact.userfield.update", {"id": row["ID"], "fields": {
        "EDIT_FORM_LABEL": {"ru": "Важный", "en": "Important"}}})
    drift = cli("drift", str(config), *at)
    assert (drift.exit_code, drift.stdout) == (2, (
        "Drift: 1 difference between the portal and the config (portal value -> config value).\n"
        "contact.fields:\n"
        "  ~ contact.field[VIP]: changed on the portal\n"
        '      label.en: "Important" -> "VIP"\n'))
    doc = json.loads(cli("drift", str(config), *at, "--json").stdout)["result"]
    assert doc["kinds"]["contact.fields"][0]["portal"] == {"label.en": "Important"}

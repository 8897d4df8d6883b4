"""`required_from` in the runbook and in `attest`, like robots (issue 13 item 7): attested per
rule, it leaves the plan until the rule changes, so a config with one reaches "No changes."."""

from __future__ import annotations

import tomllib
from pathlib import Path

from engine_automation_support import config_copy, edit
from helpers import run

from provisioner.automation import attest as att
from provisioner.automation.required import RequiredRule, rule_item

RULE = "deal.field[EQUIPMENT_TYPE].required_from[sales]"
FIELDS = "fields.toml"
NO_CHANGES = "No changes. The portal matches the desired state.\n"
STEPS_RU = [
    "Откройте «CRM» → «Сделки», выберите воронку «Продажи» и откройте любую сделку.",
    "Наведите указатель на поле «Тип оборудования» и нажмите «Настройки» (⚙) → «Настроить».",
    "Отметьте «Обязательное на стадии» и нажмите стрелку рядом с «Для всех стадий и воронок».",
]


def _config(tmp_path: Path) -> Path:
    """portal-config/ without the companion app (its bindings stay manual with a webhook and
    cannot be attested: they would keep the plan from "No changes.")."""
    config = config_copy(tmp_path)
    (config / "companion.toml").unlink()
    return config


def _manual(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  ! ")]


def _block(text: str, address: str) -> str:
    """The lines of one manual change in a plan's text."""
    lines = text.splitlines()
    start = lines.index(f"  ! {address}")
    end = next((n for n in range(start + 1, len(lines)) if not lines[n].startswith("      ")),
               len(lines))
    return "\n".join(lines[start:end]) + "\n"


def test_a_config_with_required_from_reaches_no_changes_once_attested(
        state: Path, tmp_path: Path) -> None:
    """Failed before: the rule was listed on every plan, whatever was attested."""
    config = _config(tmp_path)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    signed = run(state, "attest", str(config), "--by", "Ирина", "--date", "2026-12-01",
                 "--stage", RULE)
    assert signed.exit_code == 0, signed.output
    record = config / "attestations" / "sandbox.toml"
    assert signed.stdout == (f"Attested on sandbox by Ирина (2026-12-01), recorded in {record}:\n"
                             f"  {RULE}\n")
    doc = tomllib.loads(record.read_text(encoding="utf-8"))
    assert doc["required_from"] == {RULE: {
        "fingerprint": att.fingerprint({"stage": "PREPARATION"}), "date": "2026-12-01",
        "by": "Ирина", "rule": {"stage": "PREPARATION"}}}
    assert RULE not in run(state, "plan", str(config)).stdout
    assert run(state, "attest", str(config), "--by", "Ирина").exit_code == 0  # the robots too
    assert run(state, "plan", str(config)).stdout.endswith(NO_CHANGES)


def test_a_changed_rule_comes_back_and_a_removed_one_is_undone_on_the_portal(
        state: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "attest", str(config), "--by", "Ирина").exit_code == 0
    edit(config, '"sales:PREPARATION"', '"sales:PREPAYMENT_INVOICE"', FIELDS)
    planned = run(state, "plan", str(config))
    assert _manual(planned.stdout) == [f"  ! {RULE}"]
    assert _block(planned.stdout, RULE) == "".join(f"{line}\n" for line in [
        f"  ! {RULE}",
        '      stage: "PREPARATION" -> "PREPAYMENT_INVOICE"',
        "      # Сделать поле «Тип оборудования» обязательным со стадии «Оплата» (а не со стадии "
        "«Оформление»):",
        *(f"      #   {n}. {step}" for n, step in enumerate(STEPS_RU, 1)),
        "      #   4. Выберите стадии, начиная с «Оплата»: «Оплата», «В работе», «Закрывающие "
        "документы», «Сделка успешна»; нажмите «Сохранить»."])

    edit(config, 'required_from = "sales:PREPAYMENT_INVOICE"\n', "", FIELDS)
    planned = run(state, "plan", str(config))
    assert _block(planned.stdout, RULE) == "".join(f"{line}\n" for line in [
        f"  ! {RULE}",
        "      # Снять обязательность поля «Тип оборудования» по стадиям воронки «Продажи»:",
        *(f"      #   {n}. {step}" for n, step in enumerate(STEPS_RU[:2], 1)),
        "      #   3. Снимите отметку «Обязательное на стадии» и нажмите «Сохранить»."])
    signed = run(state, "attest", str(config), "--by", "Ирина")
    assert signed.exit_code == 0, signed.output
    assert f"  {RULE}\n" in signed.stdout  # its record goes
    doc = tomllib.loads((config / "attestations" / "sandbox.toml").read_text(encoding="utf-8"))
    assert "required_from" not in doc
    assert run(state, "plan", str(config)).stdout.endswith(NO_CHANGES)


def test_a_hand_edited_record_does_not_count(state: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "attest", str(config), "--by", "Ирина", "--stage", RULE).exit_code == 0
    record = config / "attestations" / "sandbox.toml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace('stage = "PREPARATION"', 'stage = "NEW"'), encoding="utf-8")
    assert f"  ! {RULE}" in _manual(run(state, "plan", str(config)).stdout)


def test_a_saved_plan_carries_the_rules_attestation(state: Path, tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "attest", str(config), "--by", "Ирина").exit_code == 0
    saved = tmp_path / "plans" / "plan.json"
    saved.parent.mkdir()
    assert run(state, "plan", str(config), "--out", str(saved)).exit_code == 0
    done = run(state, "apply", str(saved))
    assert done.exit_code == 0, done.output
    assert done.stdout.endswith(NO_CHANGES)


def test_the_runbook_waits_for_the_stage_on_the_portal(state: Path, tmp_path: Path) -> None:
    """A new portal lacks the seed's DATA_COLLECTION: apply creates it, then the rule can be
    set (robots and triggers on it wait too)."""
    config = _config(tmp_path)
    edit(config, '"sales:PREPARATION"', '"sales:DATA_COLLECTION"', FIELDS)
    book = run(state, "runbook", str(config), "--out", str(tmp_path / "book"))
    assert book.exit_code == 1
    line = next(n for n, t in enumerate((config / FIELDS).read_text(encoding="utf-8")
                                        .splitlines(), 1) if t.startswith("required_from"))
    assert (f"{config / FIELDS}:{line}: deal.fields.EQUIPMENT_TYPE.required_from: the stage "
            "DATA_COLLECTION does not exist in deal.pipeline[sales] on the portal\n"
            "    fix: run `provision apply` first: it creates the stage, and robots and triggers "
            "can only be placed on a stage the portal has\n") in book.stderr


def test_the_steps_in_english() -> None:
    rule = RequiredRule(RULE, "deal", {"ru": "Тип оборудования", "en": "Equipment type"},
                        "Sales", "PREPARATION", "Preparation", "",
                        {"PREPARATION": "Preparation", "WON": "Won"})
    item = rule_item(rule, None, "en")
    assert item is not None
    assert item.summary == "Make the field “Equipment type” mandatory from the stage " \
                           "“Preparation” on"
    assert item.steps == (
        "Open “CRM” → “Deals”, select the pipeline “Sales” and open any deal.",
        "Hover over the field “Equipment type” and click “Settings” (⚙) → “Configure”.",
        "Check “Mandatory by stage” and click the down arrow next to “For all stages and "
        "pipelines”.",
        "Select the stages from “Preparation” on: “Preparation”, “Won”; click “Save”.")
    assert (item.before, item.after) == (None, {"stage": "PREPARATION"})
    assert rule_item(rule, {"stage": "PREPARATION"}, "en") is None

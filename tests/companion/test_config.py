"""The companion config: shapes, semantic checks, located problems and the JSON Schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.companion.config import load_config
from provisioner.engine import json_schema
from provisioner.errors import ConfigError
from provisioner.kinds.companion.model import CallCardRule
from provisioner.kinds.companion.parse import parse_call_card, parse_deadline_guard

FIXTURE = Path(__file__).parent / "fixtures" / "companion.toml"


def _problems(tmp_path: Path, text: str) -> str:
    file = tmp_path / "c.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    return caught.value.render()


def test_seed_example_loads_with_statuses_and_default() -> None:
    config = load_config(FIXTURE)
    assert config.call_card is not None and config.deadline_guard is not None
    assert [r.color for r in config.call_card.rules] == [
        "red", "yellow", "none", "red", "yellow", "none", "yellow", "blue"]
    assert config.call_card.rules[0] == CallCardRule(
        "company", "red", "Компания в работе у другого менеджера: не звоните чужому клиенту",
        "other", ("in_work",))
    assert dict(config.status_items) == {"waiting": "В ожидании", "processing": "В обработке",
                                         "in_work": "В работе"}
    assert config.default_status == "waiting"
    assert config.deadline_guard.exempt == ("admin@sandbox.example",)


def test_unknown_status_item_is_located_with_a_suggestion(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace('status = ["in_work"]',
                                                         'status = ["in_wrok"]', 1)
    assert _problems(tmp_path, text) == (
        "1 problem in the desired state:\n"
        f"{tmp_path / 'c.toml'}:22: call_card.rules[0].status[0]: \"in_wrok\" is not an item of "
        "COMPANY_STATUS\n    fix: did you mean \"in_work\"?")


def test_every_shape_problem_in_one_run(tmp_path: Path) -> None:
    text = """
[call_card]
status_field = "uf_crm_status"
[[call_card.rules]]
owner = "deal"
colour = "red"
message = ""

[tasks.deadline_guard]
notify = ["boss"]
tasks = "some"
"""
    out = _problems(tmp_path, text)
    name = tmp_path / "c.toml"
    assert out == "\n".join([
        "8 problems in the desired state:",
        f"{name}:2: call_card.public_url: the portal must be told where the companion app is, "
        "and no public_url is given",
        '    fix: add public_url = "https://app.example.com" (where `provision app serve` is '
        "reached) to [call_card] or [tasks.deadline_guard]",
        f'{name}:3: call_card.status_field: "uf_crm_status" is not valid',
        "    fix: write the field's name without UF_CRM_, e.g. COMPANY_STATUS",
        f"{name}:4: call_card.rules[0].color: is required",
        "    fix: add `color = ...`",
        (f"{name}:5: call_card.rules[0].owner: \"deal\" is not one of \"company\", "
        "\"company_contact\", \"contact\", \"lead\""),
        "    fix: write one of \"company\", \"company_contact\", \"contact\", \"lead\"",
        f"{name}:6: call_card.rules[0].colour: unknown key `colour`",
        "    fix: did you mean `color`?",
        f"{name}:7: call_card.rules[0].message: must not be empty",
        "    fix: write a non-empty text",
        f'{name}:10: tasks.deadline_guard.notify[0]: "boss" is not valid',
        '    fix: write "head" or an e-mail address',
        f'{name}:11: tasks.deadline_guard.tasks: "some" is not one of "all", "robots"',
        '    fix: write one of "all", "robots"',
    ])


def test_status_on_a_lead_rule_and_missing_status_field(tmp_path: Path) -> None:
    text = """
[call_card]
[[call_card.rules]]
owner = "company"
status = ["in_work"]
color = "red"
message = "m"
[[call_card.rules]]
owner = "lead"
status = ["in_work"]
color = "blue"
message = "m"
"""
    out = _problems(tmp_path, text)
    assert "call_card.rules[0].status: no status field is named" in out
    assert 'fix: add status_field = "COMPANY_STATUS"' in out
    assert "call_card.rules[1].status: a lead has no company status" in out


def test_status_field_must_be_declared(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8").split("[call_card]", 1)[1]
    out = _problems(tmp_path, "[call_card]" + text)
    assert ("call_card.status_field: company.fields.COMPANY_STATUS is not declared as an "
            "enumeration field") in out


def test_a_rule_that_can_never_match_is_an_error() -> None:
    tree = {"rules": [
        {"owner": "lead", "color": "blue", "message": "a"},
        {"owner": "lead", "responsible": "other", "color": "red", "message": "b"},
    ]}
    card, issues = parse_call_card(tree)
    assert card is not None
    assert [(i.path, i.message) for i in issues] == [
        (("call_card", "rules", 1), ("can never match: rule 0 matches every call it matches "
         "and comes first"))]


def test_guard_window_and_duplicates() -> None:
    guard, issues = parse_deadline_guard({"reason_window_minutes": 0, "notify": [],
                                          "exempt": ["a@b.ru", "a@b.ru"]})
    assert guard is not None
    assert [i.message for i in issues] == ["must be 1 to 1440 minutes, not 0",
                                           "nobody would be told", '"a@b.ru" is listed twice']


def test_guard_defaults() -> None:
    guard, issues = parse_deadline_guard({})
    assert issues == [] and guard is not None
    assert (guard.reason_required, guard.notify, guard.tasks, guard.reason_window_minutes) == (
        True, ("head",), "robots", 15)


def test_json_schema_has_the_same_enums() -> None:
    schema = json_schema()["properties"]
    rule = schema["call_card"]["properties"]["rules"]["items"]
    assert rule["required"] == ["owner", "color", "message"]
    assert rule["properties"]["owner"]["enum"] == ["company", "company_contact", "contact",
                                                   "lead"]
    assert rule["additionalProperties"] is False
    guard = schema["tasks"]["properties"]["deadline_guard"]
    assert guard["properties"]["tasks"]["enum"] == ["all", "robots"]

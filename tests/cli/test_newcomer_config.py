"""A config written from the README alone, as a newcomer would, and the mistakes a newcomer makes
in it: each is refused by `apply` with the file, line, key and fix, exit 1, and the portal is
left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli, run, write

CONFIG = '''[deal.pipelines.wholesale]
name = "Опт"

[[deal.pipelines.wholesale.stages]]
code = "NEW"
name = "Новая заявка"

  [[deal.pipelines.wholesale.stages.triggers]]
  code = "openline_taken"
  name = "Диалог взят в работу"

[[deal.pipelines.wholesale.stages]]
code = "OFFER"
name = "Коммерческое предложение"
color = "#FFA900"

  [[deal.pipelines.wholesale.stages.robots]]
  type = "task"
  title = "Позвонить клиенту"
  task_title = "Позвонить по КП"
  creator = "irina.petrova@sandbox.example"
  responsible = "responsible"
  deadline = "2d"
  condition = { all = ["UF_CRM_DELIVERY = курьер"] }

[[deal.pipelines.wholesale.stages]]
code = "WON"
name = "Отгружено"
semantics = "success"

[[deal.pipelines.wholesale.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"

[lists.SOURCE]
items = [
  { code = "EXHIBITION", name = "Выставка" },
  { code = "PARTNER", name = "Партнёр" },
]

[deal.fields.DELIVERY]
type = "enumeration"
label = { ru = "Доставка", en = "Delivery" }
items = ["самовывоз", "курьер", "транспортная компания"]
required_from = "wholesale:OFFER"

[smart_processes.returns]
title = "Возвраты"
categories = true
stages = true
automation = true
parents = ["deal"]

[smart_processes.returns.pipelines.main]
name = "Возвраты"
default = true

[[smart_processes.returns.pipelines.main.stages]]
code = "NEW"
name = "Заявка"

  [[smart_processes.returns.pipelines.main.stages.robots]]
  type = "notification"
  title = "Новая заявка на возврат"
  message = "Заявка {=Document:TITLE}"
  to = "responsible"

[[smart_processes.returns.pipelines.main.stages]]
code = "SUCCESS"
name = "Возвращено"
semantics = "success"

[[smart_processes.returns.pipelines.main.stages]]
code = "FAIL"
name = "Отклонено"
semantics = "failure"
'''

ROBOT = "deal.pipelines.wholesale.stages[1].robots[0]"
MISTAKES = {
    "wrong key": (
        'color = "#FFA900"', 'colour = "#FFA900"',
        "deal.pipelines.wholesale.stages[1].colour: unknown key `colour`",
        "did you mean `color`?"),
    "wrong type": (
        'name = "Опт"', 'name = "Опт"\nsort = "100"',
        "deal.pipelines.wholesale.sort: must be an integer, not a string",
        "write an integer here"),
    "missing required key": (
        'code = "WON"\nname = "Отгружено"\n', 'code = "WON"\n',
        "deal.pipelines.wholesale.stages[2].name: is required",
        "add `name = ...`"),
    "enum value typo": (
        'semantics = "success"\n\n[[deal', 'semantics = "succes"\n\n[[deal',
        'deal.pipelines.wholesale.stages[2].semantics: "succes" is not one of "process", '
        '"success", "failure"',
        'did you mean "success"? Write one of "process", "success", "failure"'),
    "stage that does not exist": (
        'required_from = "wholesale:OFFER"', 'required_from = "wholesale:OFER"',
        'deal.fields.DELIVERY.required_from: pipeline "wholesale" has no stage "OFER"',
        "use one of: NEW, OFFER, WON, LOSE"),
    "pipeline that does not exist": (
        'required_from = "wholesale:OFFER"', 'required_from = "whole:OFFER"',
        'deal.fields.DELIVERY.required_from: required_from names pipeline "whole", which the '
        "desired state does not declare",
        "use one of: wholesale"),
    "robot type typo": (
        'type = "task"', 'type = "taks"',
        f"{ROBOT}.type: unknown robot type 'taks'",
        "did you mean 'task'? Use one of: notification, control, task, sms, or an activity "
        "class name ending in Activity"),
    "robot key typo": (
        'deadline = "2d"', 'dedline = "2d"',
        f"{ROBOT}.dedline: unknown key 'dedline'",
        "did you mean 'deadline'? Use one of: type, title, after, before, at, basis, at_time, "
        "after_previous, activated, condition, properties, task_title, description, creator, "
        "responsible, deadline, accept_result, allow_change_deadline, link_to_item"),
    "trigger code typo": (
        'code = "openline_taken"', 'code = "openline_taekn"',
        "deal.pipelines.wholesale.stages[0].triggers[0].code: unknown trigger code "
        "'openline_taekn'",
        "did you mean 'openline_taken'? Use one of: openline, openline_message, openline_taken, "
        "openline_answer_time, call, missed_call, outgoing_call, webhook, app, order_paid, "
        "payment, invoice_paid, form, task_status, or a portal trigger code such as "
        "FIELD_CHANGED"),
    "doubled operator": (
        "UF_CRM_DELIVERY = курьер", "UF_CRM_DELIVERY == курьер",
        f"{ROBOT}.condition.all[0]: cannot read the condition 'UF_CRM_DELIVERY == курьер': == is "
        "not an operator",
        'write "FIELD OP VALUE" with OP one of =, !=, >, >=, <, <=, contains, not contains, in, '
        'not in, or "FIELD empty" / "FIELD not empty" (FIELD: the portal\'s name, or field:KEY '
        "for a field of the config)"),
    "field that does not exist": (
        "UF_CRM_DELIVERY = курьер", "UF_CRM_DELIVERI = курьер",
        f"{ROBOT}.condition.all[0]: the field UF_CRM_DELIVERI does not exist on deal",
        "did you mean UF_CRM_DELIVERY?"),
    "user that does not exist": (
        "irina.petrova@sandbox.example", "irina@sandbox.example",
        f"{ROBOT}.creator: no active user with the e-mail irina@sandbox.example on the portal",
        "invite the user first, or name another user by e-mail"),
    "config key of a field the smart process lacks": (
        "Заявка {=Document:TITLE}", "Заявка {=Document:field:REASON}",
        "smart_processes.returns.pipelines.main.stages[0].robots[0].message: no field REASON "
        "among the custom fields of the smart process returns (in the config or on the portal)",
        "declare [smart_processes.returns.fields.REASON] (the smart process returns has no "
        "custom field yet)"),
}
# The line a problem points at, where it is not the changed text's first line.
ANCHORS = {"wrong type": 'sort = "100"',
           "missing required key": '[[deal.pipelines.wholesale.stages]]\ncode = "WON"'}


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state = tmp_path / "sandbox.json"
    assert run(state, "sandbox", "reset").exit_code == 0
    return state


def _portal(state: Path) -> str:
    shown = run(state, "sandbox", "show")
    assert shown.exit_code == 0
    return shown.stdout


def test_the_newcomer_config_applies_and_then_plans_no_change(tmp_path: Path,
                                                               state: Path) -> None:
    config = write(tmp_path / "crm.toml", CONFIG)
    assert cli("validate", str(config)).stdout == f"Valid: {config} (1 file).\n"
    applied = run(state, "apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run(state, "plan", str(config), "--detailed-exitcode")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == "Plan: 0 to add, 0 to change, 0 to destroy, 4 manual."


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_newcomer_mistake_is_located_explained_and_changes_nothing(
        tmp_path: Path, state: Path, mistake: str) -> None:
    old, new, problem, fix = MISTAKES[mistake]
    assert old in CONFIG
    text = CONFIG.replace(old, new, 1)
    config = write(tmp_path / "crm.toml", text)
    before = _portal(state)
    done = run(state, "apply", str(config), "--auto-approve")
    line = text[:text.index(ANCHORS.get(mistake, new))].count("\n") + 1
    assert (done.exit_code, done.stdout) == (1, "")
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    at = lines.index("1 problem in the desired state:")
    assert lines[at + 1:] == [f"{config}:{line}: {problem}", f"    fix: {fix}"]
    assert _portal(state) == before

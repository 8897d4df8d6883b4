"""Robots on smart processes name fields by config key, validated like deal robots, resolved per
portal in the steps (issue 13 item 11): `field:KEY` in a condition, a text, a delay's date and a
user option (`responsible = "field:RECRUITER"`: the user in an employee field)."""

from __future__ import annotations

from pathlib import Path

from engine_automation_support import config_copy, edit
from helpers import client_of, run

from provisioner.automation.describe import user_text
from provisioner.automation.model import ConditionItem, Delay
from provisioner.automation.parse import parse_stage_automation
from provisioner.automation.syntax import parse_item
from provisioner.sandbox import Sandbox

SPA = "smart-processes.toml"
STAGE = '''code = "INTERVIEW"
name = "Приглашение на собеседование"
'''
ROBOT = STAGE + '''
  [[smart_processes.hr_candidates.pipelines.hiring.stages.robots]]
  type = "task"
  title = "Собеседование"
  task_title = "Собеседование: {=Document:field:VACANCY}"
  responsible = "field:RECRUITER"
  condition = { all = ["field:VACANCY = Python"] }
'''
RECRUITER = '''
[smart_processes.hr_candidates.fields.RECRUITER]
type = "employee"
label = { ru = "Рекрутер", en = "Recruiter" }
'''
ADDRESS = "smart_process[hr_candidates].pipeline[hiring].stage[INTERVIEW].robot[1]"
WHERE = "smart_processes.hr_candidates.pipelines.hiring.stages[2].robots[0]"


def _config(tmp_path: Path, robot: str = ROBOT) -> Path:
    config = config_copy(tmp_path)
    edit(config, STAGE, robot, SPA)
    (config / SPA).write_text((config / SPA).read_text(encoding="utf-8") + RECRUITER,
                              encoding="utf-8")
    return config


def _steps(plan: str, address: str = ADDRESS) -> list[str]:
    lines = plan.splitlines()
    start = lines.index(f"  ! {address}")
    out = []
    for line in lines[start + 1:]:
        if not line.startswith("      "):
            break
        if line.startswith("      #   "):
            out.append(line.split(". ", 1)[1])
    return out


def _block(plan: str) -> list[str]:
    """The values of the robot's manual change (without its steps)."""
    lines = plan.splitlines()
    start = lines.index(f"  ! {ADDRESS}")
    return [line for line in lines[start + 1:start + 6] if not line.startswith("      #")]


def _problems(stderr: str) -> list[str]:
    return [line.split(f"{WHERE}.", 1)[1] for line in stderr.splitlines() if f"{WHERE}." in line]


def test_the_steps_show_the_portals_own_field_names(tmp_path: Path) -> None:
    """Two portals number the smart process differently: the same config gives each its own
    UF_CRM_<id>_ names in the steps, and the same portable values in the plan."""
    config = _config(tmp_path)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    client_of(Sandbox.open(second)).call("crm.type.add", {"fields": {"title": "Раньше"}})
    plans = {}
    for state, type_id in ((first, 1), (second, 2)):
        assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
        plans[type_id] = run(state, "plan", str(config)).stdout
        steps = _steps(plans[type_id])
        assert steps[3] == f"Укажите «Название задачи»: «Собеседование: " \
                           f"{{=Document:UF_CRM_{type_id}_VACANCY}}»"
        assert steps[5] == f"Укажите «Исполнитель»: пользователь из поля «Рекрутер» " \
                           f"(UF_CRM_{type_id}_RECRUITER)"
        assert steps[10] == f"Укажите «Условие»: «Вакансия» (UF_CRM_{type_id}_VACANCY) равно " \
                            "«Python»"
    values = [_block(plan) for plan in plans.values()]
    assert values[0] == values[1]
    assert '      condition:  (none) -> [[["field:VACANCY", "=", "Python"]]]' in values[0]


def test_before_the_smart_process_exists_the_steps_keep_the_key(tmp_path: Path) -> None:
    planned = run(tmp_path / "sandbox.json", "plan", str(_config(tmp_path)))
    assert planned.exit_code == 0, planned.output
    assert _steps(planned.stdout)[10] == "Укажите «Условие»: «Вакансия» (field:VACANCY) равно " \
                                         "«Python»"


def test_the_runbook_shows_the_portals_names(tmp_path: Path) -> None:
    config = _config(tmp_path)
    state = tmp_path / "sandbox.json"
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "runbook", str(config), "--out", str(tmp_path / "book")).exit_code == 0
    markdown = (tmp_path / "book" / "runbook.md").read_text(encoding="utf-8")
    assert "1. «Собеседование» — «Управление задачами» → «Поставить задачу» (раньше «Задача»); " \
           "Сразу; Условие: «Вакансия» (UF_CRM_1_VACANCY) равно «Python»\n" in markdown
    assert "field:" not in markdown


def test_a_missing_smart_process_field_is_located(tmp_path: Path) -> None:
    """Failed before: fields of smart-process robots were not checked at all."""
    robot = ROBOT.replace("field:VACANCY = Python", "field:VACANCYY = Python").replace(
        "{=Document:field:VACANCY}", "{=Document:UF_CRM_1_VACANC}")
    config = _config(tmp_path, robot)
    state = tmp_path / "sandbox.json"
    done = run(state, "apply", str(config), "--auto-approve")
    assert done.exit_code == 1
    assert _problems(done.stderr) == [
        "task_title: the field UF_CRM_1_VACANC does not exist on the smart process "
        "hr_candidates",
        "condition.all[0]: no field VACANCYY among the custom fields of the smart process "
        "hr_candidates (in the config or on the portal)"]
    assert "    fix: declare [smart_processes.hr_candidates.fields.VACANCYY], or use one of: " \
           "field:RECRUITER, field:VACANCY\n" in done.stderr


def test_the_user_in_a_field_must_be_an_employee_field(tmp_path: Path) -> None:
    config = _config(tmp_path, ROBOT.replace('"field:RECRUITER"', '"field:VACANCY"'))
    done = run(tmp_path / "sandbox.json", "plan", str(config))
    assert done.exit_code == 1
    assert _problems(done.stderr) == [
        "responsible: the field field:VACANCY of the smart process hr_candidates does not hold "
        "a user: a robot's recipient or responsible can be the user in an employee field only"]
    assert '    fix: name an employee field (type = "employee"), an e-mail, or "responsible"\n' \
        in done.stderr


def test_a_deal_robot_names_a_field_by_key_too(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, '"UF_CRM_EQUIPMENT_TYPE = особое"', '"field:EQUIPMENT_TYPE = особое"')
    state = tmp_path / "sandbox.json"
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    steps = _steps(run(state, "plan", str(config)).stdout,
                   "deal.pipeline[sales].stage[PREPARATION].robot[1]")
    assert steps[12] == "Укажите «Условие»: «VIP» (CONTACT.UF_CRM_VIP) равно «Y» и «Тип " \
                        "оборудования» (UF_CRM_EQUIPMENT_TYPE) равно «особое»"


def test_field_keys_parse_in_conditions_delays_and_user_options() -> None:
    assert parse_item("field:VACANCY = Python") == ConditionItem("field:VACANCY", "=", "Python")
    assert parse_item("field:DUE not empty") == ConditionItem("field:DUE", "!empty")
    stage = {"robots": [{"type": "notification", "title": "Напомнить", "message": "Скоро",
                         "to": ["field:RECRUITER", "responsible"], "before": "1d",
                         "basis": "field:INTERVIEW_DATE"}]}
    auto, problems = parse_stage_automation(stage, "stage[NEW]", lambda _k: ("", None))
    assert problems == []
    robot = auto.robots[0]
    assert robot.properties["MessageUserTo"] == ["{=Document:field:RECRUITER}",
                                                 "{=Document:ASSIGNED_BY_ID}"]
    assert robot.delay == Delay("before", 1, "d", "field:INTERVIEW_DATE")


def test_the_user_in_a_field_in_english() -> None:
    assert user_text("en", "{=Document:UF_CRM_3_RECRUITER}", lambda _f: "Recruiter") == \
        "the user in the field “Recruiter” (UF_CRM_3_RECRUITER)"
    assert user_text("ru", "{=Document:ASSIGNED_BY_ID}") == "«Ответственный»"

"""Robots and triggers on a smart process's stages: manual changes under the smart-process kind's
addresses, steps that open the process by its title, automation required on the process."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from engine_automation_support import config_copy, edit, stage_automation
from helpers import run

from provisioner.cli import main

SPA = "smart-processes.toml"
STAGE = '''code = "INTERVIEW"
name = "Приглашение на собеседование"
'''
ROBOT = STAGE + '''
  [[smart_processes.hr_candidates.pipelines.hiring.stages.robots]]
  type = "notification"
  title = "Пригласить кандидата"
  message = "Пригласите кандидата {=Document:TITLE} на собеседование"
  to = ["olga.kuznetsova@sandbox.example"]
'''
ADDRESS = "smart_process[hr_candidates].pipeline[hiring].stage[INTERVIEW]"


def test_spa_robot_is_planned_manual_runbooked_and_attested(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, STAGE, ROBOT, SPA)
    state = tmp_path / "sandbox.json"
    planned = run(state, "plan", str(config))
    assert planned.exit_code == 0, planned.output
    assert stage_automation(planned.stdout).split(f"  ! {ADDRESS}.robot[1]\n")[1] == (
        '      type:       (none) -> "SocNetMessageActivity"\n'
        '      title:      (none) -> "Пригласить кандидата"\n'
        '      properties: (none) -> {"MessageText": "Пригласите кандидата {=Document:TITLE} на '
        'собеседование", "MessageUserTo": ["olga.kuznetsova@sandbox.example"], '
        '"MessageFormat": "robot"}\n'
        "      # Добавить робота «Пригласить кандидата» на стадию «Приглашение на собеседование»:\n"
        "      #   1. Откройте «CRM» → «Кандидаты», выберите воронку «Найм» и нажмите «Роботы».\n"
        "      #   2. В колонке стадии «Приглашение на собеседование», в строке «Роботы», "
        "нажмите «+ добавить» и выберите «Информирование сотрудников» → «Добавить уведомление» "
        "(раньше «Уведомление»).\n"
        "      #   3. Укажите «Название робота»: «Пригласить кандидата»\n"
        "      #   4. Укажите «Текст сообщения»: «Пригласите кандидата {=Document:TITLE} на "
        "собеседование»\n"
        "      #   5. Укажите «Кому»: «olga.kuznetsova@sandbox.example»\n"
        "      #   6. Укажите «Выполнить»: Сразу\n"
        "      #   7. Нажмите «Сохранить» в окне робота, затем «Сохранить» внизу страницы.\n")

    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    book = run(state, "runbook", str(config), "--out", str(tmp_path / "book"))
    assert book.exit_code == 0, book.output
    markdown = (tmp_path / "book" / "runbook.md").read_text(encoding="utf-8")
    assert "## «Кандидаты: Найм» (smart_process[hr_candidates].pipeline[hiring])" in markdown
    assert f"`{ADDRESS}.robot[1]`" in markdown

    signed = run(state, "attest", str(config), "--by", "Ольга", "--stage", ADDRESS)
    assert signed.exit_code == 0, signed.output
    assert f"  ! {ADDRESS}.robot[1]" not in run(state, "plan", str(config)).stdout


def test_robots_need_automation_on_the_smart_process(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, STAGE, ROBOT, SPA)
    edit(config, "automation = true\n", "", SPA)
    result = CliRunner().invoke(main, ["validate", str(config)])
    assert result.exit_code == 1
    text = (config / SPA).read_text(encoding="utf-8").splitlines()
    line = next(n for n, t in enumerate(text, 1) if t == 'code = "INTERVIEW"') - 1
    assert result.stderr == (
        "1 problem in the desired state:\n"
        f"{config / SPA}:{line}: smart_processes.hr_candidates.pipelines.hiring.stages[2]: robots "
        "and triggers need automation on the smart process hr_candidates\n"
        "    fix: add `automation = true` to [smart_processes.hr_candidates]\n")


def test_unknown_user_on_a_spa_robot_is_located(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, STAGE, ROBOT.replace("olga.kuznetsova", "olga.k"), SPA)
    result = run(tmp_path / "sandbox.json", "plan", str(config))
    assert result.exit_code == 1
    assert ("smart_processes.hr_candidates.pipelines.hiring.stages[2].robots[0].to: no active "
            "user with the e-mail olga.k@sandbox.example on the portal") in result.stderr

"""Manual items: exact steps in the portal's words, and only what differs from the record."""

from __future__ import annotations

from dataclasses import replace

from automation_seed import seed_catalog, seed_stage

from provisioner.automation.manual import Where, manual_changes
from provisioner.automation.model import Delay, StageAutomation

LABELS = seed_catalog()


def where(stage: str) -> Where:
    return Where("deal", "Продажи", stage, label_of=lambda f: LABELS.field_label("deal", f))


def test_control_robot_steps_in_russian() -> None:
    items = manual_changes("sales", "NEW", seed_stage("NEW"), None, "ru", where("Новая"))
    assert [i.address for i in items] == ["deal.pipeline[sales].stage[NEW].robot[1]",
                                          "deal.pipeline[sales].stage[NEW].robot[2]"]
    assert items[0].summary == "Добавить робота «Контроль скорости реакции» на стадию «Новая»"
    assert items[0].steps == (
        "Откройте «CRM» → «Сделки», выберите воронку «Продажи» и нажмите «Роботы».",
        ("В колонке стадии «Новая», в строке «Роботы», нажмите «+ добавить» и выберите "
        "«Контроль сотрудников» → «Уведомить руководство» (раньше «Контроль»)."),
        "Укажите «Название робота»: «Контроль скорости реакции»",
        "Укажите «Кому»: «Руководитель ответственного»",
        ("Укажите «Текст сообщения»: «{=Document:ASSIGNED_BY_PRINTABLE} не ответил клиенту по "
        "сделке {=Document:TITLE}»"),
        "Укажите «Выполнить»: Через 10 минут",
        "Нажмите «Сохранить» в окне робота, затем «Сохранить» внизу страницы.")
    assert items[1].steps[-2] == "Укажите «Условие»: «VIP» (CONTACT.UF_CRM_VIP) равно «Y»"


def test_trigger_steps_in_english() -> None:
    (item,) = manual_changes("sales", "DATA_COLLECTION", seed_stage("DATA_COLLECTION"), None,
                             "en", where("Сбор данных"))
    assert item.address == "deal.pipeline[sales].stage[DATA_COLLECTION].trigger[OPENLINE_ANSWER]"
    assert item.summary == "Add the trigger “Диалог взят в работу” to the stage “Сбор данных”"
    assert item.steps == (
        "Open “CRM” → “Deals”, select the pipeline “Продажи” and click “Automation rules”.",
        ("In the column of the stage “Сбор данных”, in the “Triggers” row, click “+ add” and "
        "choose “Track chat accepted event”."),
        "Set “Trigger name”: “Диалог взят в работу”",
        "Set “Allow switching to previous status”: no",
        "Click “Save” in the trigger dialog, then “Save” at the bottom of the page.")


def test_only_the_changed_setting_is_asked_for() -> None:
    recorded = seed_stage("PAYMENT")
    robot = recorded.robots[0]
    desired = StageAutomation((replace(robot, delay=Delay("after", 3, "d", work_time=True)),))
    (item,) = manual_changes("sales", "PAYMENT", desired, recorded, "ru", where("Оплата"))
    assert item.summary == "Изменить робота «Счёт не оплачен» на стадии «Оплата»"
    assert item.steps == (
        "Откройте «CRM» → «Сделки», выберите воронку «Продажи» и нажмите «Роботы».",
        ("В колонке стадии «Оплата», в строке «Роботы», откройте робота «Счёт не оплачен» "
        "(1-й по счёту)."),
        "Укажите «Выполнить»: Через 3 дня, только рабочее время",
        "Нажмите «Сохранить» в окне робота, затем «Сохранить» внизу страницы.")
    assert item.before == robot.to_data()
    assert item.after is not None and item.after["delay"]["amount"] == 3


def test_removed_robot_and_trigger_become_deletions() -> None:
    items = manual_changes("sales", "NEW", StageAutomation(), seed_stage("NEW"), "ru",
                           where("Новая"))
    assert [i.summary for i in items] == [
        "Удалить робота «Контроль скорости реакции» со стадии «Новая»",
        "Удалить робота «Обращение VIP-клиента» со стадии «Новая»"]
    assert items[1].steps[1] == ("В колонке стадии «Новая», в строке «Роботы», наведите "
                                 "указатель на робота «Обращение VIP-клиента» (2-й по счёту) "
                                 "и нажмите крестик.")
    assert items[1].after is None


def test_nothing_to_do_when_recorded_matches() -> None:
    assert manual_changes("sales", "NEW", seed_stage("NEW"), seed_stage("NEW"), "ru") == []

"""Parsing the seed robots and triggers from TOML into the model."""

from __future__ import annotations

from automation_seed import locate, seed_stage

from provisioner.automation.model import (
    RESPONSIBLE,
    Condition,
    ConditionItem,
    Delay,
    Robot,
    Trigger,
)
from provisioner.automation.parse import parse_stage_automation

VIP = ConditionItem("CONTACT.UF_CRM_VIP", "=", "Y")


def parse(raw: dict) -> tuple:  # type: ignore[type-arg]
    return parse_stage_automation(raw, "deal.pipelines.sales.stages[NEW]", locate)


def test_control_after_ten_minutes_and_vip_notification_on_new() -> None:
    robots = seed_stage("NEW").robots
    assert robots[0] == Robot(
        "CrmControlNotifyActivity", "Контроль скорости реакции",
        {"MessageText": "{=Document:ASSIGNED_BY_PRINTABLE} не ответил клиенту по сделке "
                        "{=Document:TITLE}", "ToHead": "Y"},
        Delay("after", 10, "i"))
    assert robots[1].type == "SocNetMessageActivity"
    assert robots[1].delay is None  # «срабатывает сразу»
    assert robots[1].properties["MessageUserTo"] == ["boss@example.com"]
    assert robots[1].condition == Condition(((VIP,),))


def test_task_robot_with_and_condition_and_locked_deadline() -> None:
    (task,) = seed_stage("PREPARATION").robots
    assert task.type == "Task2Activity"
    assert task.properties["Fields"] == {
        "TITLE": "Оформление сделки c VIP-клиентом",
        "DESCRIPTION": "Вам необходимо с особой тщательностью подойти к оформлению этой сделки.",
        "CREATED_BY": "boss@example.com", "RESPONSIBLE_ID": [RESPONSIBLE],
        "DEADLINE": '=dateadd({=System:Now},"3d")', "TASK_CONTROL": "Y",
        "ALLOW_CHANGE_DEADLINE": "N"}
    assert task.condition == Condition(((VIP, ConditionItem("UF_CRM_EQUIPMENT_TYPE", "=",
                                                            "особое")),))


def test_unpaid_invoice_reminder_after_two_working_days() -> None:
    (reminder,) = seed_stage("PAYMENT").robots
    assert reminder.delay == Delay("after", 2, "d", work_time=True)
    assert reminder.properties["MessageUserTo"] == [RESPONSIBLE]
    assert reminder.condition == Condition(((VIP,),))


def test_dialog_taken_trigger_moves_to_data_collection() -> None:
    auto = seed_stage("DATA_COLLECTION")
    assert auto.robots == ()
    assert auto.triggers == (Trigger("OPENLINE_ANSWER", "Диалог взят в работу"),)


def test_delays_are_canonical_and_now_is_no_delay() -> None:
    auto, problems = parse({"robots": [
        {"type": "control", "title": "a", "message": "m", "after": "120 minutes"},
        {"type": "control", "title": "b", "message": "m", "after": "1440m"},
        {"type": "control", "title": "c", "message": "m", "after": "0m"},
        {"type": "control", "title": "d", "message": "m", "before": "1d", "basis": "CLOSEDATE",
         "at_time": "09:30"},
        {"type": "control", "title": "e", "message": "m", "at": "CLOSEDATE"}]})
    assert problems == []
    assert [r.delay for r in auto.robots] == [
        Delay("after", 2, "h"), Delay("after", 1, "d"), None,
        Delay("before", 1, "d", "CLOSEDATE", at_time=(9, 30)), Delay("at", basis="CLOSEDATE")]


def test_any_of_groups_and_raw_activity_class() -> None:
    auto, problems = parse({"robots": [{
        "type": "CrmChangeStatusActivity", "title": "В работу",
        "properties": {"TargetStatus": "PREPARATION"},
        "condition": {"any": ["OPPORTUNITY > 100000", {"all": ["CONTACT.UF_CRM_VIP = Y",
                                                                "COMMENTS not empty"]}]}}]})
    assert problems == []
    (robot,) = auto.robots
    assert robot.properties == {"TargetStatus": "PREPARATION"}
    assert robot.condition == Condition((
        (ConditionItem("OPPORTUNITY", ">", "100000"),),
        (VIP, ConditionItem("COMMENTS", "!empty"))))


def test_every_problem_is_reported_with_its_key() -> None:
    _, problems = parse({
        "robots": [{"type": "teleport", "title": "x"},
                   {"type": "control", "message": "m", "after": "soon", "colour": "red",
                    "after_previous": True},
                   {"type": "task", "title": "t", "task_title": "T", "deadline": "3 weeks",
                    "creator": "the boss"}],
        "triggers": [{"code": "smoke_signal", "name": "?"}, {"code": "call"}]})
    assert [(p.key, p.message) for p in problems] == [
        ("deal.pipelines.sales.stages[NEW].robots[1].type", "unknown robot type 'teleport'"),
        ("deal.pipelines.sales.stages[NEW].robots[2].colour", "unknown key 'colour'"),
        ("deal.pipelines.sales.stages[NEW].robots[2].title", "a robot needs a title"),
        ("deal.pipelines.sales.stages[NEW].robots[2].after", "cannot read the duration 'soon'"),
        ("deal.pipelines.sales.stages[NEW].robots[3].creator", "not a user: 'the boss'"),
        ("deal.pipelines.sales.stages[NEW].robots[3].deadline",
         "cannot read the duration '3 weeks'"),
        ("deal.pipelines.sales.stages[NEW].triggers[1].code",
         "unknown trigger code 'smoke_signal'"),
        ("deal.pipelines.sales.stages[NEW].triggers[2].name", "a trigger needs a name"),
    ]


def test_a_doubled_operator_is_refused_not_read_into_the_value() -> None:
    """`UF_CRM_X == курьер` was read as `UF_CRM_X = "= курьер"`: valid, and never true."""
    _, problems = parse({"robots": [{
        "type": "control", "title": "t", "message": "m",
        "condition": {"all": ["UF_CRM_DELIVERY == курьер", "OPPORTUNITY => 100",
                              'TITLE = "=quoted"']}}]})
    assert [(p.key, p.message) for p in problems] == [
        ("deal.pipelines.sales.stages[NEW].robots[1].condition.all[1]",
         "cannot read the condition 'UF_CRM_DELIVERY == курьер': == is not an operator"),
        ("deal.pipelines.sales.stages[NEW].robots[1].condition.all[2]",
         "cannot read the condition 'OPPORTUNITY => 100': => is not an operator")]

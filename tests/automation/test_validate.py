"""Validation against the portal's catalog: every problem located, exact messages."""

from __future__ import annotations

from automation_seed import locate, seed_catalog, seed_stage, seed_tree

from provisioner.automation.parse import parse_stage_automation
from provisioner.automation.validate import Catalog, validate_stage


def test_the_seed_is_valid_against_its_portal() -> None:
    for code in ("NEW", "DATA_COLLECTION", "PREPARATION", "PAYMENT", "WON"):
        assert validate_stage("deal", "sales", code, seed_stage(code), seed_catalog(),
                              f"deal.pipelines.sales.stages[{code}]", locate) == []


def test_condition_on_a_missing_field_is_located() -> None:
    raw = {"robots": [{"type": "notification", "title": "VIP", "message": "m",
                       "condition": {"all": ["CONTACT.UF_CRM_VIP = Y",
                                             "UF_CRM_EQUIPMENT_TYP = особое"]}}]}
    key = "deal.pipelines.sales.stages[NEW]"
    auto, _ = parse_stage_automation(raw, key, locate)
    (problem,) = validate_stage("deal", "sales", "NEW", auto, seed_catalog(), key, locate)
    assert problem.render() == (
        "seed.toml: deal.pipelines.sales.stages[NEW].robots[1].condition.all[2]: "
        "the field UF_CRM_EQUIPMENT_TYP does not exist on deal\n"
        "    fix: did you mean UF_CRM_EQUIPMENT_TYPE?")


def test_unknown_and_inactive_users_are_located() -> None:
    raw = {"robots": [{"type": "task", "title": "T", "task_title": "T",
                       "creator": "nobody@example.com", "responsible": ["gone@example.com"]}]}
    key = "deal.pipelines.sales.stages[PREPARATION]"
    auto, _ = parse_stage_automation(raw, key, locate)
    problems = validate_stage("deal", "sales", "PREPARATION", auto, seed_catalog(), key, locate)
    assert [p.render() for p in problems] == [
        (f"seed.toml: {key}.robots[1].creator: no active user with the e-mail "
        "nobody@example.com on the portal\n"
        "    fix: invite the user first, or name another user by e-mail"),
        (f"seed.toml: {key}.robots[1].responsible: no active user with the e-mail "
        "gone@example.com on the portal\n"
        "    fix: invite the user first, or name another user by e-mail")]


def test_trigger_on_a_missing_stage_is_located() -> None:
    catalog = Catalog(stages={"deal.pipeline[sales]": frozenset({"NEW", "PREPARATION", "WON"})})
    key = "deal.pipelines.sales.stages[DATA_COLLECTION]"
    (problem,) = validate_stage("deal", "sales", "DATA_COLLECTION",
                                seed_stage("DATA_COLLECTION"), catalog, key, locate)
    assert problem.render() == (
        f"seed.toml: {key}: the stage DATA_COLLECTION does not exist in deal.pipeline[sales]; "
        "its robots and triggers have nowhere to go\n"
        "    fix: add the stage to the pipeline, or move them to one of: NEW, PREPARATION, WON")


def test_bad_delay_is_located_with_the_fix() -> None:
    tree = seed_tree()
    tree["deal"]["pipelines"]["sales"]["stages"][0]["robots"][0]["after"] = "10 minuets"
    key = "deal.pipelines.sales.stages[NEW]"
    _, (problem,) = parse_stage_automation(tree["deal"]["pipelines"]["sales"]["stages"][0],
                                           key, locate)
    assert problem.render() == (
        f"seed.toml: {key}.robots[1].after: cannot read the duration '10 minuets'\n"
        '    fix: write a whole number and a unit: "10m", "3h", "2d" or "2 working days"')


def test_availability_per_entity() -> None:
    raw = {"robots": [{"type": "control", "title": "c", "message": "m"}],
           "triggers": [{"code": "invoice_paid", "name": "paid"}]}
    auto, _ = parse_stage_automation(raw, "lead.stages[NEW]", locate)
    problems = validate_stage("quote", "", "NEW", auto, Catalog(), "quote.stages[NEW]", locate)
    assert [p.message for p in problems] == [
        "the robot control (CrmControlNotifyActivity) is not available for quote",
        "the trigger invoice_paid (INVOICE) is not available for quote"]


def test_offline_catalog_checks_nothing_live() -> None:
    assert validate_stage("deal", "sales", "GONE", seed_stage("NEW"), Catalog(), "k",
                          locate) == []

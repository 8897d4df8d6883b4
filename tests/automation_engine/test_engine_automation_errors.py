"""Robots and triggers that name what does not exist: every problem located (file, key path,
line), all in one run, exit 1, nothing written to the portal."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from engine_automation_support import config_copy, edit
from helpers import client_of, run

from provisioner.cli import main
from provisioner.sandbox import Sandbox

PIPES = "deal-pipelines.toml"


def line_of(config: Path, text: str) -> int:
    lines = (config / PIPES).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_missing_field_and_unknown_user_are_located_in_one_run(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, '"UF_CRM_EQUIPMENT_TYPE = особое"', '"UF_CRM_EQUIPMENT_TYP = особое"')
    edit(config, 'creator = "irina.petrova@sandbox.example"', 'creator = "nobody@sandbox.example"')
    state = tmp_path / "sandbox.json"
    result = run(state, "plan", str(config))
    assert result.exit_code == 1
    file = config / PIPES
    cond, creator = line_of(config, "UF_CRM_EQUIPMENT_TYP "), line_of(config, "nobody@")
    assert result.stderr.splitlines()[1:] == [
        "2 problems in the desired state:",
        (f"{file}:{creator}: deal.pipelines.sales.stages[2].robots[0].creator: no active user "
        "with the e-mail nobody@sandbox.example on the portal"),
        "    fix: invite the user first, or name another user by e-mail",
        (f"{file}:{cond}: deal.pipelines.sales.stages[2].robots[0].condition.all[1]: the field "
        "UF_CRM_EQUIPMENT_TYP does not exist on deal"),
        "    fix: did you mean UF_CRM_EQUIPMENT_TYPE?"]
    assert result.stdout == ""


def test_a_dismissed_user_does_not_resolve(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, 'to = ["irina.petrova@sandbox.example"]', 'to = ["dmitry.volkov@sandbox.example"]')
    result = run(tmp_path / "sandbox.json", "plan", str(config))
    assert result.exit_code == 1
    assert ("deal.pipelines.sales.stages[0].robots[1].to: no active user with the e-mail "
            "dmitry.volkov@sandbox.example on the portal") in result.stderr


def test_trigger_on_a_stage_the_portal_does_not_have_yet(tmp_path: Path) -> None:
    """The runbook is for the portal as it is: before apply, «Сбор данных» does not exist."""
    config = config_copy(tmp_path)
    state = tmp_path / "sandbox.json"
    result = run(state, "runbook", str(config), "--out", str(tmp_path / "book"))
    assert result.exit_code == 1
    stage = line_of(config, 'code = "DATA_COLLECTION"') - 1  # its [[...stages]] header
    assert (f"{config / PIPES}:{stage}: deal.pipelines.sales.stages[1]: the stage "
            "DATA_COLLECTION does not exist in deal.pipeline[sales]; its robots and triggers "
            "have nowhere to go\n"
            "    fix: run `provision apply` first: it creates the stage, and robots and "
            "triggers can only be placed on a stage the portal has") in result.stderr
    assert not (tmp_path / "book").exists()


def test_bad_delay_is_refused_offline(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, 'after = "10m"', 'after = "10 minuets"')
    state = tmp_path / "sandbox.json"
    result = _validate(config)
    assert result.exit_code == 1
    assert result.stderr == (
        "1 problem in the desired state:\n"
        f"{config / PIPES}:{line_of(config, 'minuets')}: "
        "deal.pipelines.sales.stages[0].robots[0].after: cannot read the duration '10 minuets'\n"
        '    fix: write a whole number and a unit: "10m", "3h", "2d" or "2 working days"\n')
    assert not state.exists()  # no portal was touched


def _validate(config: Path) -> Result:
    return CliRunner().invoke(main, ["validate", str(config)])


def test_unknown_robot_type_and_unknown_key_are_located(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, 'type = "control"', 'type = "contorl"')
    edit(config, 'accept_result = true', 'accept_results = true')
    result = _validate(config)
    assert result.exit_code == 1
    file = config / PIPES
    assert result.stderr.splitlines() == [
        "2 problems in the desired state:",
        (f"{file}:{line_of(config, 'contorl')}: deal.pipelines.sales.stages[0].robots[0].type: "
        "unknown robot type 'contorl'"),
        ("    fix: did you mean 'control'? Use one of: notification, control, task, sms, or an "
        "activity class name ending in Activity"),
        # without a known type its keys (message) cannot be judged: no second problem for them
        (f"{file}:{line_of(config, 'accept_results')}: "
        "deal.pipelines.sales.stages[2].robots[0].accept_results: unknown key 'accept_results'"),
        ("    fix: did you mean 'accept_result'? Use one of: type, title, after, before, at, basis, at_time, after_previous, "
        "activated, condition, properties, task_title, description, creator, responsible, "
        "deadline, accept_result, allow_change_deadline, link_to_item")]


def test_nothing_was_written_when_the_plan_was_refused(tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    edit(config, '"UF_CRM_EQUIPMENT_TYPE = особое"', '"UF_CRM_NOPE = особое"')
    state = tmp_path / "sandbox.json"
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 1
    client = client_of(Sandbox.open(state))
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}).result
    assert [r["NAME"] for r in rows][:2] == ["New", "Document preparation"]
    assert "DATA_COLLECTION" not in [r["STATUS_ID"] for r in rows]

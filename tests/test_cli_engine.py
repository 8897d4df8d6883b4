"""The engine's commands end to end against a sandbox state file: the seed's must-show flow,
exit codes, stderr/stdout separation, confirmation, export and schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from golden import CASES, Golden
from helpers import CONFIG, cli, client_of, run

from provisioner.cli import main
from provisioner.engine import schema_text
from provisioner.sandbox import Sandbox

NOTICE = "Using the local sandbox portal ({state}); set --webhook-url or B24_WEBHOOK_URL for a " \
         "real portal."
SEED_CASE = CASES / "seed-applied-leaves-only-manual-changes"


def test_seed_plan_apply_then_no_changes(state: Path, golden: Golden) -> None:
    planned = run(state, "plan", str(CONFIG))
    assert planned.exit_code == 0
    assert planned.stderr.splitlines()[0] == NOTICE.format(state=state)
    golden.check(SEED_CASE / "plan.txt", planned.stdout)

    applied = run(state, "apply", str(CONFIG), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith(planned.stdout)
    golden.check(SEED_CASE / "apply.txt", applied.stdout[len(planned.stdout):])

    again = run(state, "plan", str(CONFIG), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    golden.check(SEED_CASE / "plan-after-apply.txt", again.stdout)
    assert all(line.startswith("  ! ") for line in again.stdout.splitlines()
               if line.startswith("  ") and line[2] in "+~-!")

    client = client_of(Sandbox.open(state))
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": "DEAL_STAGE"}}).result
    names = [r["NAME"] for r in sorted(rows, key=lambda r: int(r["SORT"]))]
    assert names[:4] == ["Новая", "Сбор данных", "Оформление", "Оплата"]
    assert names[-3:] == ["Сделка успешна", "Сделка провалена", "Анализ причины провала"]


def test_plan_detailed_exitcode_2_and_pure_json(state: Path) -> None:
    result = run(state, "plan", str(CONFIG), "--json", "--detailed-exitcode")
    assert result.exit_code == 2
    envelope = json.loads(result.stdout)
    assert (envelope["command"], envelope["ok"], envelope["exit_code"]) == ("plan", True, 2)
    doc = envelope["result"]  # the plan document, as `plan --json` printed it before the envelope
    assert doc["format_version"] == "1"
    assert doc["summary"] == {"add": 19, "change": 9, "destroy": 0, "manual": 8}
    stage = next(c for c in doc["changes"]
                 if c["address"] == "deal.pipeline[sales].stage[DATA_COLLECTION]")
    assert stage == {
        "address": "deal.pipeline[sales].stage[DATA_COLLECTION]", "kind": "deal.pipelines",
        "action": "create", "before": None, "reason": "", "reason_data": None,
        "destructive": False, "after": {"name": "Сбор данных", "color": "#2FC6F6", "semantics": "process", "sort": 15}}
    assert result.stderr.startswith("Using the local sandbox portal")


def test_apply_asks_and_only_yes_applies(state: Path) -> None:
    refused = run(state, "apply", str(CONFIG), stdin="y\n")
    assert refused.exit_code == 1
    assert "Apply these changes? Only 'yes' is accepted:" in refused.stdout
    assert refused.stderr.endswith("Apply cancelled.\n")
    assert run(state, "plan", str(CONFIG), "--detailed-exitcode").exit_code == 2
    accepted = run(state, "apply", str(CONFIG), stdin="yes\n")
    assert accepted.exit_code == 0
    assert run(state, "plan", str(CONFIG), "--detailed-exitcode").exit_code == 0


def test_replace_needs_allow_destroy(state: Path, tmp_path: Path) -> None:
    text = (CONFIG / "deal-pipelines.toml").read_text(encoding="utf-8")
    moved = text.replace('[[deal.pipelines.sales.stages]]\ncode = "EXECUTING"\nname = "В работе"\n'
                         'color = "#FFA900"\n\n', "")
    moved += ('\n[[deal.pipelines.sales.stages]]\ncode = "EXECUTING"\nname = "Отложена"\n'
              'semantics = "failure"\n')
    moved += "\n" + (CONFIG / "fields.toml").read_text(encoding="utf-8")  # the robots name them
    config = tmp_path / "c.toml"
    config.write_text(moved, encoding="utf-8")
    refused = run(state, "apply", str(config), "--auto-approve")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "Error: the plan deletes or replaces deal.pipeline[sales].stage[EXECUTING]; run again "
        "with --allow-destroy to allow it")
    done = run(state, "apply", str(config), "--auto-approve", "--allow-destroy")
    assert done.exit_code == 0, done.output
    assert "-/+ deal.pipeline[sales].stage[EXECUTING] (destructive)" in done.stdout
    assert run(state, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_invalid_config_touches_no_portal(state: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[deal.pipelines.x]\nname = 1\n", encoding="utf-8")
    result = run(state, "plan", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("2 problems in the desired state:\n")
    assert "Traceback" not in result.output
    assert not state.exists()


NO_CONFIG = ("fix: give the config as CONFIG, a directory of *.toml files or one file, e.g. "
             "`provision plan path/to/portal-config`; without CONFIG, ./portal-config is read\n")


def test_missing_config_is_one_clear_error(state: Path, tmp_path: Path) -> None:
    result = run(state, "plan", str(tmp_path / "nope"))
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {tmp_path / 'nope'}: no such file or directory (looked for "
           f"{tmp_path / 'nope'})\n" + NO_CONFIG)


@pytest.mark.parametrize("command", ["plan", "validate", "drift", "fmt"])
def test_no_config_in_a_directory_without_portal_config_says_where_and_how(
        command: str, state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before (user trial): "Error: portal-config: no such file or directory", not saying
    where it looked (the directory the command runs in) nor how to give a config."""
    monkeypatch.chdir(tmp_path)
    extra = ["--sandbox-state", str(state)] if command in ("plan", "drift") else []
    result = cli(command, *extra)
    assert (result.exit_code, result.stderr) == (
        1, f"Error: portal-config: no such file or directory (looked for "
           f"{tmp_path / 'portal-config'})\n" + NO_CONFIG)
    assert not state.exists()


def test_export_then_plan_has_no_changes(state: Path, tmp_path: Path) -> None:
    assert run(state, "apply", str(CONFIG), "--auto-approve").exit_code == 0
    out = tmp_path / "exported"
    exported = run(state, "export", "--out", str(out))
    assert exported.exit_code == 0
    assert (out / ".provision-ids.json").exists()  # the portal's ids, for migrations
    assert {"deal-pipelines.toml", "lead.toml", "lists.toml", "provision.schema.json"} <= {
        p.name for p in out.iterdir()}
    text = (out / "deal-pipelines.toml").read_text(encoding="utf-8")
    assert text.startswith("#:schema ./provision.schema.json\n")
    # the default pipeline carries no stamp on the portal: it is exported as `default`
    assert '[deal.pipelines.default]\nname = "Продажи"\nsort = 300\ndefault = true\n' in text
    result = run(state, "plan", str(out), "--detailed-exitcode")
    assert (result.exit_code, result.stdout) == (
        0, ("REST cost: read 2 requests; apply needs no request.\n"
        "No changes. The portal matches the desired state.\n"))


def test_schema_command_and_committed_schema_match() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()
    committed = (CONFIG / "provision.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "regenerate: provision schema --out portal-config/..."


def test_usage_errors_exit_1_not_2(state: Path) -> None:
    """2 means "changes present" / "drift": a usage error must never look like it."""
    unknown = run(state, "plan", str(CONFIG), "--no-such-option")
    assert (unknown.exit_code, unknown.stderr.splitlines()[-1]) == (
        1, "Error: No such option '--no-such-option'. Did you mean '--no-color'?")
    bad = CliRunner().invoke(main, ["drift", "--portal"])
    assert (bad.exit_code, bad.stderr.splitlines()[-1]) == (
        1, "Error: Option '--portal' requires an argument.")
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 1
    assert CliRunner().invoke(main, ["--help"]).exit_code == 0

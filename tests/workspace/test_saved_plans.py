"""Saved plans: `plan --out` then `apply FILE` applies on an unchanged portal, wherever the file
is kept; the JSON plan reads back equal to the fresh plan for every kind's changes; a broken file
is refused with its location, before any portal is touched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import CONFIG as SEED, cli, write

ROOT = Path(__file__).resolve().parents[2]
CONFIG = SEED


def test_saved_plan_of_portal_config_applies(tmp_path: Path) -> None:
    """Failed before: "plan is stale: planning again gives different changes" (a smart
    process's tuple in the fresh plan against the list read back from JSON)."""
    at = ("--sandbox-state", str(tmp_path / "sb.json"))
    out = tmp_path / "plan.json"
    planned = cli("plan", str(CONFIG), *at, "--out", str(out))
    assert planned.exit_code == 0, planned.output
    applied = cli("apply", str(out), *at)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith(planned.stdout)
    assert "Apply complete: 19 added, 9 changed, 0 destroyed" in applied.stdout
    again = cli("plan", str(CONFIG), *at, "--detailed-exitcode")
    assert again.exit_code == 0, again.output


def _deal_config(tmp_path: Path) -> Path:
    """portal-config/ without its smart process (so that only where the plan file is kept
    matters here), in tmp/repo/portal-config."""
    config = tmp_path / "repo" / "portal-config"
    shutil.copytree(CONFIG, config, ignore=shutil.ignore_patterns("*.json", "smart-*"))
    return config


def test_a_plan_saved_outside_the_config_applies_with_its_attestations(tmp_path: Path) -> None:
    """Failed before: apply FILE looked for attestations beside the plan file, found none, and
    refused the plan as stale (the attested robots came back as manual changes)."""
    config = _deal_config(tmp_path)
    at = ("--sandbox-state", str(tmp_path / "sb.json"))
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    assert cli("attest", str(config), "--by", "Ирина", *at).exit_code == 0
    text = (config / "deal-pipelines.toml").read_text(encoding="utf-8")
    (config / "deal-pipelines.toml").write_text(text.replace('name = "Оплата"',
                                                             'name = "Ожидание оплаты"'),
                                                encoding="utf-8")
    out = tmp_path / "elsewhere" / "plan.json"
    out.parent.mkdir()
    planned = cli("plan", str(config), *at, "--out", str(out))
    assert planned.exit_code == 0, planned.output
    assert ".robot[" not in planned.stdout  # attested: not listed
    applied = cli("apply", str(out), *at)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith(planned.stdout)
    assert "Apply complete: 0 added, 1 changed, 0 destroyed" in applied.stdout
    assert cli("plan", str(config), *at, "--detailed-exitcode").exit_code == 0


def test_a_plan_file_holds_one_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", str(CONFIG), "--sandbox-state", str(tmp_path / "sb.json"),
               "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("fingerprint") == 1
    doc = json.loads(text)
    assert (doc["format_version"], doc["portal"]) == ("2", "sandbox")
    assert set(doc) == {"format", "format_version", "portal", "desired", "local",
                        "fingerprint", "snapshot", "plan"}


def _saved(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    out = tmp_path / "plan.json"
    assert cli("plan", str(CONFIG), "--sandbox-state", str(tmp_path / "sb.json"),
               "--out", str(out)).exit_code == 0
    return out, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("break_it", "located"), [
    (lambda d: d.pop("plan"), "plan: missing"),
    (lambda d: d["plan"].pop("changes"), "plan.changes: missing"),
    (lambda d: d["plan"]["options"].update(allow_destroy="yes"),
     "plan.options.allow_destroy: must be true or false"),
    (lambda d: d.update(snapshot=[]), "snapshot: must be a table"),
    (lambda d: d["desired"].update(files={"main.toml": 1}),
     "desired.files: must be a table of file name -> TOML text"),
    (lambda d: d["snapshot"].update({"deal.pipeline[x]": {"name": "edited"}}),
     "fingerprint: does not match the snapshot: the file was edited"),
])
def test_a_broken_plan_file_is_a_located_error(tmp_path: Path, break_it: object,
                                               located: str) -> None:
    """Failed before: a plan file without its `plan` key gave a KeyError traceback."""
    out, doc = _saved(tmp_path)
    break_it(doc)  # type: ignore[operator]
    out.write_text(json.dumps(doc), encoding="utf-8")
    state = tmp_path / "untouched.json"
    result = cli("apply", str(out), "--sandbox-state", str(state))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[1:] == [
        f"{out}: {located}",
        "    fix: save the plan again with `provision plan --out FILE` (never edit a plan file)"]
    assert not state.exists()  # no portal was touched


def test_a_plan_file_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    out = write(tmp_path / "plan.json", '{"format": "provision-plan",\n  "plan": }\n')
    result = cli("apply", str(out), "--sandbox-state", str(tmp_path / "sb.json"))
    assert (result.exit_code, result.stderr.splitlines()[1]) == (
        1, f"{out}:2: (file): not JSON: Expecting value")


def test_a_plan_saved_under_any_name_applies(tmp_path: Path) -> None:
    """`plan --out p.plan` says "apply it with `provision apply p.plan`", and it does.
    Failed before: a saved plan not named .json was read as a config, "p.plan:1: (syntax): not
    valid TOML: Invalid statement"."""
    at = ("--sandbox-state", str(tmp_path / "sb.json"))
    out = tmp_path / "p.plan"
    planned = cli("plan", str(CONFIG), *at, "--out", str(out))
    assert planned.exit_code == 0, planned.output
    assert f"apply it with `provision apply {out}`" in planned.output
    applied = cli("apply", str(out), *at)
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.startswith(planned.stdout)
    assert "Apply complete: 19 added, 9 changed, 0 destroyed" in applied.stdout


def test_a_toml_config_file_is_not_taken_for_a_plan(tmp_path: Path) -> None:
    """A config given as one file (not .json, not opening with "{") is still a config."""
    config = write(tmp_path / "one.toml", '[lists.SOURCE]\nitems = [{ code = "FAIR", '
                   'name = "Выставка" }]\n')
    at = ("--sandbox-state", str(tmp_path / "sb.json"))
    applied = cli("apply", str(config), *at, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "+ list[SOURCE].item[FAIR]" in applied.stdout
    assert "Apply complete: 1 added, 0 changed, 0 destroyed" in applied.stdout

"""Golden scenarios: tests/cases/<behaviour>/ holds desired.toml, setup.json (REST calls that
make the starting live state on a fresh sandbox), case.json (options) and the expected
plan.txt / plan.json. After the plan is checked it is applied and a new plan must be empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden import CASES, Golden, plan_cases
from helpers import run_setup

from provisioner import engine
from provisioner.client import BitrixClient

NAMES = plan_cases()


def _read(case: Path, name: str, default: Any) -> Any:
    path = case / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _desired(case: Path, client: Any, tmp_path: Path, how: str,
             golden: Golden) -> engine.DesiredState:
    if how == "export":
        engine.export(engine.read_live(client), tmp_path / "exported")
        for name in ("deal-pipelines.toml", "lead.toml", "lists.toml"):
            golden.check(case / f"exported-{name}",
                         (tmp_path / "exported" / name).read_text("utf-8"))
        return engine.load_desired(tmp_path / "exported")
    return engine.load_desired(case / "desired.toml")


@pytest.mark.parametrize("name", NAMES)
def test_case(name: str, tmp_path: Path, golden: Golden, client: BitrixClient) -> None:
    case = CASES / name
    options = _read(case, "case.json", {})
    run_setup(client, _read(case, "setup.json", []))
    desired = _desired(case, client, tmp_path, options.get("desired", "file"), golden)
    allow = bool(options.get("allow_destroy", False))
    plan = engine.make_plan(desired, engine.read_live(client), engine.PlanOptions(allow))
    golden.check(case / "plan.txt", engine.render_text(plan))
    golden.check(case / "plan.json", engine.render_json(plan))
    engine.apply(plan, client, allow_destroy=allow)
    again = engine.make_plan(desired, engine.read_live(client), engine.PlanOptions(allow))
    assert [c for c in again.changes if c.action is not engine.Action.MANUAL] == []

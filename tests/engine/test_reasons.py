"""Reasons are data: the JSON plan's `reason_data` rebuilds the reason, whose text is `reason`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import provisioner.kinds  # noqa: F401  (the kinds define their own reasons)
from provisioner.model.reasons import from_data

CASES = Path(__file__).resolve().parent.parent / "cases"


def _entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [*doc["changes"], *doc["notes"]]


@pytest.mark.parametrize("plan", sorted(CASES.glob("*/plan.json")), ids=lambda p: p.parent.name)
def test_the_text_of_every_reason_is_rendered_from_its_data(plan: Path) -> None:
    doc = json.loads(plan.read_text(encoding="utf-8"))
    for entry in _entries(doc):
        data = entry["reason_data"]
        if data is None:
            assert entry["reason"] == ""
        else:
            assert from_data(data).text == entry["reason"], entry["address"]


def test_the_golden_plans_carry_every_engine_and_kind_reason_they_exercise() -> None:
    codes = {e["reason_data"]["code"] for p in CASES.glob("*/plan.json")
             for e in _entries(json.loads(p.read_text(encoding="utf-8"))) if e["reason_data"]}
    assert {"immutable", "unmanaged", "system", "new_pipeline", "item_delete",
            "manual_steps", "unfinished_pipeline", "residue_of_stopped_apply"} <= codes


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError, match="no reason has the code 'nonsense'"):
        from_data({"code": "nonsense"})

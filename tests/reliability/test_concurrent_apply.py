"""Two applies against one portal: the second must notice instead of interleaving writes.

The real portal has no lock API, so the design is optimistic: a plan remembers the live objects
it was made from, and apply re-reads them right before writing and refuses when they changed
("plan is stale"). What is left is the window between that re-read and the write (one request);
docs/reliability.md says what can and cannot happen in it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from reliability_harness import duplicates

from provisioner import engine
from provisioner.cli import main
from provisioner.client import BitrixClient, InvalidRequest
from provisioner.sandbox import Sandbox

PIPELINE = """
[deal.pipelines.hr]
name = "{name}"

[[deal.pipelines.hr.stages]]
code = "CALL"
name = "{stage}"

[[deal.pipelines.hr.stages]]
code = "WON"
name = "Принят"
semantics = "success"

[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"
"""


def config(tmp_path: Path, name: str, stage: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(PIPELINE.format(name=name, stage=stage), encoding="utf-8")
    return path


def hr_pipelines(state: Path) -> list[dict[str, Any]]:
    data = Sandbox.open(state).store.data
    return [c for c in data["categories"]["2"].values() if c.get("originId") == "hr"]


def cli(*args: str, stdin: Any = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def test_a_saved_plan_made_before_another_apply_is_refused_as_stale(tmp_path: Path) -> None:
    state = str(tmp_path / "portal.json")
    first, second = config(tmp_path, "Кандидаты", "Созвон"), config(tmp_path, "HR", "Звонок")
    assert cli("plan", str(first), "--out", str(tmp_path / "a.json"), "--sandbox-state",
               state)[0] == 0
    assert cli("plan", str(second), "--out", str(tmp_path / "b.json"), "--sandbox-state",
               state)[0] == 0
    assert cli("apply", str(tmp_path / "a.json"), "--sandbox-state", state)[0] == 0
    before = Sandbox.open(state).store.data
    code, out, err = cli("apply", str(tmp_path / "b.json"), "--sandbox-state", state)
    assert code == 1 and "plan is stale" in err, (out, err)
    assert Sandbox.open(state).store.data == before  # not one write of the second apply
    assert [p["name"] for p in hr_pipelines(Path(state))] == ["Кандидаты"]


class ConcurrentApplyAtPrompt(io.BytesIO):
    """The answer to apply's question, typed while another apply runs against the portal."""

    def __init__(self, other: list[str]) -> None:
        super().__init__(b"yes\n")
        self.other, self.done = other, False

    def _other_apply(self) -> None:
        if not self.done:
            self.done = True
            assert CliRunner().invoke(main, self.other).exit_code == 0

    def read(self, size: int | None = -1) -> bytes:
        if size != 0:
            self._other_apply()
        return super().read(size)

    def read1(self, size: int = -1) -> bytes:
        self._other_apply()
        return super().read1(size)

    def readinto(self, buffer: Any) -> int:
        self._other_apply()
        return super().readinto(buffer)

    def readline(self, size: int | None = -1) -> bytes:
        self._other_apply()
        return super().readline(size)


def test_interactive_apply_notices_an_apply_made_while_it_waited(tmp_path: Path) -> None:
    state = str(tmp_path / "portal.json")
    first, second = config(tmp_path, "Кандидаты", "Созвон"), config(tmp_path, "HR", "Звонок")
    other = ["apply", str(first), "--auto-approve", "--sandbox-state", state]
    result = CliRunner().invoke(main, ["apply", str(second), "--sandbox-state", state],
                                input=ConcurrentApplyAtPrompt(other))
    assert [p["name"] for p in hr_pipelines(Path(state))] == ["Кандидаты"]  # the other's only
    assert result.exit_code == 1, result.stderr
    assert "Error: plan is stale: the portal changed since the plan was made" in result.stderr
    assert "  + deal.pipeline[hr]: appeared on the portal\n" in result.stderr
    assert result.stderr.endswith("Nothing was applied: run `provision apply` again to review "
                                  "the new plan.\n")


def test_two_library_applies_planned_from_one_read_do_not_duplicate(
        sb: Sandbox, client: BitrixClient) -> None:
    live = engine.read_live(client)
    plans = [engine.make_plan(engine.load_text(PIPELINE.format(name=n, stage="x"), f"{n}.toml"),
                              live) for n in ("A", "B")]
    outcomes = []
    for plan in plans:
        try:
            engine.apply(plan, client)
            outcomes.append("applied")
        except engine.ApplyFailed:
            outcomes.append("refused")
        except Exception as exc:  # a stale-plan refusal, whatever its class
            outcomes.append(type(exc).__name__)
    assert duplicates(sb.store.data) == [], outcomes
    assert outcomes == ["applied", "StalePlan"]
    names = [c["name"] for c in sb.store.data["categories"]["2"].values()]
    assert "A" in names and "B" not in names  # not one write of the stale plan


def test_the_portal_itself_refuses_a_second_stage_with_one_code(client: BitrixClient) -> None:
    """Why only pipelines (originId) can duplicate in the race window: stage codes are unique
    per list on the portal (ERROR_CORE), so an interleaved second add of a stage fails."""
    fields = {"ENTITY_ID": "SOURCE", "STATUS_ID": "FAIR", "NAME": "Ярмарка"}
    client.call("crm.status.add", {"fields": fields})
    with pytest.raises(InvalidRequest) as caught:
        client.call("crm.status.add", {"fields": fields})
    assert str(caught.value) == ("crm.status.add: ERROR_CORE: The specified status ID already "
                                 "exists. (HTTP 400)")

"""Writes the floor does not count are not sent (issue 18): a stage a new pipeline comes with,
as wanted, is reported done and not updated; the portal ends as desired all the same."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.cost import _later_rounds
from provisioner.kinds.statuses.deal_pipelines import DealPipelines

# A new deal pipeline whose NEW, WON and LOSE stages have the names and colours the sandbox
# gives them (the docs' English defaults, docs/portal-rules.md#default-stages), and one stage
# renamed.
PIPELINE = """
[deal.pipelines.hr]
name = "Hiring"
[[deal.pipelines.hr.stages]]
code = "NEW"
name = "New"
color = "#39A8EF"
[[deal.pipelines.hr.stages]]
code = "PREPARATION"
name = "Screening"
[[deal.pipelines.hr.stages]]
code = "WON"
name = "Deal successful"
semantics = "success"
color = "#7BD500"
[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Deal failed"
semantics = "failure"
color = "#FF5752"
"""


class Counting:
    """Forwards to a BitrixClient and keeps the methods of every sub-call sent."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.methods: list[str] = []

    def batch(self, calls: Any, halt: bool = False) -> Any:
        self.methods.extend(method for method, _ in calls.values())
        return self.client.batch(calls, halt=halt)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_stages_made_as_wanted_are_not_updated_and_are_reported_done(
        client: BitrixClient) -> None:
    """Fails before issue 18's change: NEW was updated to what it held (4 updates, not 3)."""
    desired = engine.load_text(PIPELINE)
    plan = engine.make_plan(desired, engine.read_live(client))
    counting = Counting(client)
    report = engine.apply(plan, counting, reread=False)
    stages = [d for d in report.done if ".stage[" in d]
    assert stages == [
        "+ deal.pipeline[hr].stage[NEW] (made by the portal with the pipeline, as wanted)",
        *[f"- deal.pipeline[hr].stage[{code}] (made by the portal with the pipeline)"
          for code in ("PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "APOLOGY")],
        # renamed; WON and LOSE take SORT 30 and 40 (the portal made them at 60 and 70)
        "~ deal.pipeline[hr].stage[PREPARATION]", "~ deal.pipeline[hr].stage[WON]",
        "~ deal.pipeline[hr].stage[LOSE]"]
    assert counting.methods.count("crm.status.update") == 3
    assert counting.methods.count("crm.status.delete") == 4
    # every change of the plan is named by what was done
    done = " ".join(report.done)
    assert all(str(c.address) + " " in done + " " or f"{c.address} (" in done
               for c in plan.changes)
    again = engine.make_plan(desired, engine.read_live(client))
    assert again.changes == ()


SPA = """
[smart_processes.hr]
title = "HR"
stages = true
categories = true
[smart_processes.hr.pipelines.main]
default = true
name = "{name}"
[[smart_processes.hr.pipelines.main.stages]]
code = "NEW"
name = "Start"
[[smart_processes.hr.pipelines.main.stages]]
code = "SUCCESS"
name = "Success"
semantics = "success"
[[smart_processes.hr.pipelines.main.stages]]
code = "FAIL"
name = "Failure"
semantics = "failure"
"""


@pytest.mark.parametrize(("name", "updates", "done"), [
    # the sandbox names the pipeline it makes with a smart process "General"
    ("General", 0, "~ smart_process[hr].pipeline[main] (named so by the portal already)"),
    ("Hiring", 1, "~ smart_process[hr].pipeline[main]"),
])
def test_a_new_smart_process_pipeline_is_renamed_only_when_named_otherwise(
        client: BitrixClient, name: str, updates: int, done: str) -> None:
    desired = engine.load_text(SPA.format(name=name))
    counting = Counting(client)
    report = engine.apply(engine.make_plan(desired, engine.read_live(client)), counting,
                          reread=False)
    assert counting.methods.count("crm.category.update") == updates
    assert done in report.done
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


def test_the_estimate_counts_no_call_for_stages_made_as_wanted(client: BitrixClient) -> None:
    """The plan compares with the live default pipeline's stages (the portal makes a new
    pipeline's as it made those): NEW is held, the other three are written."""
    plan = engine.make_plan(engine.load_text(PIPELINE), engine.read_live(client))
    held = DealPipelines().held(plan.changes, plan.desired_nodes, plan.live_nodes)
    assert sorted(map(str, held)) == ["deal.pipeline[hr].stage[NEW]"]
    rounds = _later_rounds(plan.changes, [], held)
    assert rounds == {1: 1, 2: 3}  # the pipeline, then PREPARATION, WON and LOSE

"""Writes the floor does not count are not sent (issue 18): a stage a new pipeline comes with,
as wanted, is reported done and not updated; the portal ends as desired all the same."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.cost import _later_rounds
from provisioner.kinds.smart_processes.kind import SmartProcesses
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

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
        self.methods.extend(method for method, _ in calls.values())
        return self.client.batch(calls, halt=halt, rows=rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def test_stages_made_as_wanted_are_not_updated_and_are_reported_done(
        client: BitrixClient) -> None:
    """Fails before issue 18's change: NEW was updated to what it held (4 updates, not 3);
    then WON and LOSE were (their SORT settled 30 and 40 by position, not the portal's 60 and
    70: 3 updates, not 1)."""
    desired = engine.load_text(PIPELINE)
    plan = engine.make_plan(desired, engine.read_live(client))
    counting = Counting(client)
    report = engine.apply(plan, counting, reread=False)
    stages = [d for d in report.done if ".stage[" in d]
    assert stages == [
        *[f"+ deal.pipeline[hr].stage[{code}] (made by the portal with the pipeline, as wanted)"
          for code in ("NEW", "WON", "LOSE")],
        *[f"- deal.pipeline[hr].stage[{code}] (made by the portal with the pipeline)"
          for code in ("PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "APOLOGY")],
        "~ deal.pipeline[hr].stage[PREPARATION]"]  # renamed (SORT 20, as the portal made it)
    assert counting.methods.count("crm.status.update") == 1
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
    pipeline's as it made those): NEW, WON and LOSE are held, PREPARATION is written."""
    plan = engine.make_plan(engine.load_text(PIPELINE), engine.read_live(client))
    held = DealPipelines().held(plan.changes, plan.desired_nodes, plan.live_nodes)
    assert sorted(map(str, held)) == [f"deal.pipeline[hr].stage[{code}]"
                                      for code in ("LOSE", "NEW", "WON")]
    rounds = _later_rounds(plan.changes, [], held)
    assert rounds == {1: 1, 2: 1}  # the pipeline, then PREPARATION


# The portal's eight stages as it makes them (the sandbox's default pipeline holds the same),
# and two of the config's own between FINAL_INVOICE and WON: an export of a portal whose
# pipelines were made there and extended (bench/portal.py's deal pipelines).
PORTAL_STAGES = [("NEW", "New", "#39A8EF", ""), ("PREPARATION", "Document preparation",
                 "#2FC6F6", ""), ("PREPAYMENT_INVOICE", "Prepayment invoice", "#55D0E0", ""),
                 ("EXECUTING", "In progress", "#47E4C2", ""),
                 ("FINAL_INVOICE", "Final invoice", "#FFA900", ""),
                 ("DEMO", "Demo", "#2FC6F6", ""), ("NEGOTIATE", "Negotiate", "#55D0E0", ""),
                 ("WON", "Deal successful", "#7BD500", "success"),
                 ("LOSE", "Deal failed", "#FF5752", "failure"),
                 ("APOLOGY", "Failure reason analysis", "#FF5752", "failure")]


def _pipeline(stages: list[tuple[str, str, str, str]]) -> str:
    text = '[deal.pipelines.sales2]\nname = "Sales 2"\n'
    for code, name, color, semantics in stages:
        text += (f'[[deal.pipelines.sales2.stages]]\ncode = "{code}"\nname = "{name}"\n'
                 f'color = "{color}"\n' + (f'semantics = "{semantics}"\n' if semantics else ""))
    return text


def test_a_new_pipelines_stages_made_as_wanted_keep_the_portals_sort(
        client: BitrixClient) -> None:
    """Issue 18 (apply4): the stages the portal makes with a new pipeline, wanted as it makes
    them, keep its SORT (WON 60, not 80 by position), and the config's own settle between
    in round steps; apply then writes none of the portal's stages: 2 adds, no update (before:
    WON, LOSE and APOLOGY were updated to SORT 80, 90 and 100)."""
    desired = engine.load_text(_pipeline(PORTAL_STAGES))
    plan = engine.make_plan(desired, engine.read_live(client))
    sorts = {str(c.address).split("stage[")[1][:-1]: c.after["sort"] for c in plan.changes
             if ".stage[" in str(c.address)}
    assert sorts == {"NEW": 10, "PREPARATION": 20, "PREPAYMENT_INVOICE": 30, "EXECUTING": 40,
                     "FINAL_INVOICE": 50, "DEMO": 52, "NEGOTIATE": 54, "WON": 60, "LOSE": 70,
                     "APOLOGY": 80}
    counting = Counting(client)
    report = engine.apply(plan, counting, reread=False)
    assert counting.methods.count("crm.status.update") == 0
    assert counting.methods.count("crm.status.add") == 2
    assert sum("as wanted)" in d for d in report.done) == 8
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


def test_a_new_pipelines_stages_named_otherwise_settle_by_position(client: BitrixClient) -> None:
    """The portal's codes under other names are written anyway (renamed): they settle 10, 20,
    ... by position, as before, and no SORT keeps the portal's value."""
    renamed = [(code, f"{name} (ours)", color, sem) for code, name, color, sem in PORTAL_STAGES]
    plan = engine.make_plan(engine.load_text(_pipeline(renamed)), engine.read_live(client))
    sorts = [c.after["sort"] for c in plan.changes if ".stage[" in str(c.address)]
    assert sorts == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


def test_one_read_of_the_pipelines_checks_every_pipeline_a_batch_adds(
        client: BitrixClient) -> None:
    """Issue 18 (apply4): the twin check of a new pipeline (issue 14) reads the pipelines after
    the create; one read after the batch's creates checks them all (before: one a pipeline, 3
    here), and a twin is still found (tests/distrust/test_twins.py). The stages each new
    pipeline comes with are read back from one read of the whole status list (before: one
    filtered read a pipeline)."""
    text = "".join(PIPELINE.replace("deal.pipelines.hr", f"deal.pipelines.p{n}")
                   for n in range(3))
    desired = engine.load_text(text)
    counting = Counting(client)
    report = engine.apply(engine.make_plan(desired, engine.read_live(client)), counting,
                          reread=False)
    assert counting.methods.count("crm.category.add") == 3
    assert counting.methods.count("crm.category.list") == 1
    # and one read of the whole status list gives the stages the portal made for all three
    assert counting.methods.count("crm.status.list") == 1
    assert ("  read the stages the portal made for deal.pipeline[p0] and 2 more"
            in report.done)
    assert ("  read the deal pipelines after adding deal.pipeline[p0], deal.pipeline[p1] and "
            "deal.pipeline[p2]") in report.done
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


SPA_STAGES = """
[smart_processes.buy]
title = "Purchases"
stages = true
categories = true
[smart_processes.buy.pipelines.main]
default = true
name = "General"
[[smart_processes.buy.pipelines.main.stages]]
code = "NEW"
name = "Start"
color = "#22B9FF"
[[smart_processes.buy.pipelines.main.stages]]
code = "REVIEW"
name = "Review"
[[smart_processes.buy.pipelines.main.stages]]
code = "SUCCESS"
name = "{success}"
semantics = "success"
color = "#00FF00"
[[smart_processes.buy.pipelines.main.stages]]
code = "FAIL"
name = "Failure"
semantics = "failure"
color = "#FF0000"
"""


@pytest.mark.parametrize(("success", "sorts", "updates", "held"), [
    # as the docs show a new pipeline's stages made: NEW 10, SUCCESS 40, FAIL 50 are kept
    ("Success", [10, 20, 40, 50], 0, ["FAIL", "NEW", "SUCCESS"]),
    # SUCCESS named otherwise is written anyway (renamed): it settles between its neighbours
    ("Purchased", [10, 20, 30, 50], 1, ["FAIL", "NEW"]),
])
def test_a_new_smart_process_pipelines_stages_made_as_wanted_keep_the_portals_sort(
        client: BitrixClient, success: str, sorts: list[int], updates: int,
        held: list[str]) -> None:
    """Issue 18 (apply4): before, a new smart process's stages settled 10, 20, ... by
    position, and SUCCESS and FAIL made at 40 and 50 were updated to 30 and 40; the plan's
    estimate counts no call for the stages it expects made as wanted."""
    desired = engine.load_text(SPA_STAGES.replace("{success}", success))
    plan = engine.make_plan(desired, engine.read_live(client))
    assert [c.after["sort"] for c in plan.changes if ".stage[" in str(c.address)] == sorts
    expected = SmartProcesses().held(plan.changes, plan.desired_nodes, plan.live_nodes)
    assert sorted(str(a).split("stage[")[1][:-1] for a in expected) == held
    counting = Counting(client)
    engine.apply(plan, counting, reread=False)
    assert counting.methods.count("crm.status.update") == updates
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


TWO_PIPELINES = SPA_STAGES.replace("{success}", "Success") + """
[smart_processes.buy.pipelines.second]
name = "Second line"
[[smart_processes.buy.pipelines.second.stages]]
code = "NEW"
name = "Start"
color = "#22B9FF"
[[smart_processes.buy.pipelines.second.stages]]
code = "CHECK"
name = "Check"
[[smart_processes.buy.pipelines.second.stages]]
code = "SUCCESS"
name = "Success"
semantics = "success"
color = "#00FF00"
[[smart_processes.buy.pipelines.second.stages]]
code = "FAIL"
name = "Failure"
semantics = "failure"
color = "#FF0000"
"""


class Batches(Counting):
    """Counting, and the methods of each batch apart."""

    def __init__(self, client: BitrixClient) -> None:
        super().__init__(client)
        self.batches: list[list[str]] = []

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
        self.batches.append([method for method, _ in calls.values()])
        return super().batch(calls, halt=halt, rows=rows)


def test_a_new_smart_process_and_its_pipelines_apply_in_two_rounds(
        client: BitrixClient) -> None:
    """Issue 18 (apply4): the second pipeline is added in the batch of its smart process (by
    `$result`); one read of the type's pipelines gives the first one's id and checks the
    second for twins, one read of the whole status list the stages both came with; then one
    round writes the stages (before: 3 rounds, 2 pipeline reads, 2 stage reads)."""
    desired = engine.load_text(TWO_PIPELINES)
    plan = engine.make_plan(desired, engine.read_live(client))
    assert plan.cost is not None and plan.cost.apply_requests == 2
    counting = Batches(client)
    engine.apply(plan, counting, reread=False)
    assert counting.batches == [
        ["crm.type.add", "crm.category.add", "crm.type.list", "crm.category.list",
         "crm.status.list"],
        # each pipeline: PREPARATION and CLIENT deleted (not in the config), REVIEW or CHECK
        # added; NEW, SUCCESS and FAIL made as wanted
        ["crm.status.delete", "crm.status.delete", "crm.status.add"] * 2]
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


# A new deal pipeline of the portal's own stages only, each as the portal makes it, and a new
# smart process whose pipeline (named as the portal names it) keeps only the portal's system
# stages, as made: every desired stage is held, and apply's one write after the creates is the
# delete of the stages the config leaves out (PREPAYMENT_INVOICE, EXECUTING, FINAL_INVOICE,
# APOLOGY; PREPARATION, CLIENT).
ALL_AS_MADE = """
[deal.pipelines.opt]
name = "Опт"
stages = [
    { code = "NEW", name = "New" },
    { code = "PREPARATION", name = "Document preparation" },
    { code = "WON", name = "Deal successful", semantics = "success" },
    { code = "LOSE", name = "Deal failed", semantics = "failure" },
]

[smart_processes.repairs]
title = "Ремонты"
stages = true

[smart_processes.repairs.pipelines.main]
name = "General"
default = true
stages = [
    { code = "NEW", name = "Start" },
    { code = "SUCCESS", name = "Success", semantics = "success" },
    { code = "FAIL", name = "Failure", semantics = "failure" },
]
"""


@pytest.mark.parametrize("kind", ["deal", "smart_processes"])
def test_the_estimate_counts_the_deletes_of_stages_made_and_left_out(
        client: BitrixClient, kind: str) -> None:
    """trial2: when every desired stage of a new pipeline is made as wanted (held), apply still
    sends a round after the create: the deletes of the stages the portal made that the config
    leaves out (and, for a deal pipeline, its stamp as reconciled, last: deal_new.finish). The
    plan's estimate counts that round (before: ~1 request, 2 sent)."""
    text = ALL_AS_MADE.split("\n[smart_processes")[0] if kind == "deal" else \
        "[smart_processes" + ALL_AS_MADE.split("\n[smart_processes", 1)[1]
    desired = engine.load_text(text)
    plan = engine.make_plan(desired, engine.read_live(client))
    counting = Batches(client)
    engine.apply(plan, counting, reread=False)
    assert counting.batches[-1] == (["crm.status.delete"] * 4 + ["crm.category.update"]
                                    if kind == "deal" else ["crm.status.delete"] * 2)
    assert plan.cost is not None and plan.cost.apply_requests == len(counting.batches) == 2
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


RENAMED_DEFAULT = """
[deal.pipelines.sales]
name = "Продажи"
default = true
stages = [
    { code = "NEW", name = "Новая" },
    { code = "PREPARATION", name = "Оформление" },
    { code = "WON", name = "Сделка успешна", semantics = "success" },
    { code = "LOSE", name = "Сделка провалена", semantics = "failure" },
]
"""


@pytest.mark.xfail(strict=True, reason="design question (trial2): a new deal pipeline's stages "
                   "are judged against the live default pipeline's, which a config may have "
                   "renamed; the portal makes its own defaults (helpdesk: a new pipeline comes "
                   "with eight default stages; the sandbox: reference.DEAL_STAGES)")
def test_stages_named_as_a_renamed_default_pipelines_are_not_expected_made_as_wanted(
        client: BitrixClient) -> None:
    """trial2: the default pipeline renamed by an apply (as the seed config does), then a new
    pipeline copying its stages: the portal makes the new pipeline's stages with its own
    default names, not the renamed ones, so apply updates all four; the plan expects them made
    as wanted (held) and settles its SORTs around them."""
    engine.apply(engine.make_plan(engine.load_text(RENAMED_DEFAULT), engine.read_live(client)),
                 client, reread=False)
    copy = RENAMED_DEFAULT.replace("sales", "opt").replace("default = true\n", "")
    plan = engine.make_plan(engine.load_text(RENAMED_DEFAULT + copy), engine.read_live(client))
    held = DealPipelines().held(plan.changes, plan.desired_nodes, plan.live_nodes)
    counting = Counting(client)
    engine.apply(plan, counting, reread=False)
    assert counting.methods.count("crm.status.update") == 4
    assert held == set()


RELATED_NEW = """
[smart_processes.orders]
title = "Заказы"

[smart_processes.claims]
title = "Претензии"
parents = ["orders"]
"""


def test_the_estimate_counts_the_round_of_relations_to_a_new_smart_process(
        client: BitrixClient) -> None:
    """trial2: a relation to a smart process the same apply makes is written in a round after
    every process is made (its id is unknown before); the estimate said ~1 request where apply
    sends 2, and counts that round now (`ClosesRounds`)."""
    desired = engine.load_text(RELATED_NEW)
    plan = engine.make_plan(desired, engine.read_live(client))
    counting = Batches(client)
    engine.apply(plan, counting, reread=False)
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()
    assert plan.cost is not None and plan.cost.apply_requests == len(counting.batches)

"""Seeded fault injection during apply: nothing lost, nothing duplicated, re-run converges.

The fast subset of bench/faults.py (which runs thousands): 30 seeded runs over generated
desired states and portal-config/, plus one targeted test per fault kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_harness import (
    ALL_KINDS,
    Killed,
    RecordingAdapter,
    ScheduledFaults,
    Tally,
    duplicates,
    generated_case,
    make_client,
    plan_and_apply,
    reread_violations,
    run_once,
)

from provisioner import engine
from provisioner.client.errors import OperationTimeLimit, ServerError, TransportError
from provisioner.sandbox import Sandbox
from provisioner.sandbox.faults import FaultKind, FaultPlan
from helpers import CONFIG as SEED

ROOT = Path(__file__).resolve().parents[2]
PORTAL_CONFIG = SEED
NEW_PIPELINE = """
[deal.pipelines.hr]
name = "Кандидаты"

[[deal.pipelines.hr.stages]]
code = "CALL"
name = "Первый созвон"

[[deal.pipelines.hr.stages]]
code = "INTERVIEW"
name = "Собеседование"

[[deal.pipelines.hr.stages]]
code = "WON"
name = "Принят"
semantics = "success"

[[deal.pipelines.hr.stages]]
code = "LOSE"
name = "Отказ"
semantics = "failure"
"""


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    logging.disable(logging.WARNING)  # the client logs each retry; thousands of lines otherwise
    yield
    logging.disable(logging.NOTSET)


def _assert_clean(tally: Tally) -> None:
    assert tally.failures == [], tally.failures[:3]
    assert tally.converged == tally.runs
    assert (tally.duplicates, tally.unintended_deletions, tally.deleted_without_consent,
            tally.reread_violations, tally.crashes) == (0, 0, 0, 0, 0)


@pytest.mark.slow
def test_30_seeded_runs_of_generated_desired_states() -> None:
    tally = Tally()
    for seed in range(30):
        desired, setup, allow_destroy, _ = generated_case(seed)
        tally.add(run_once(seed, desired, scenario="generated", setup=setup,
                           allow_destroy=allow_destroy))
    _assert_clean(tally)
    assert sum(tally.injected.values()) >= 20  # the faults did strike
    assert tally.first_errors["none"] < tally.runs  # and some of them stopped an apply


@pytest.mark.slow
def test_every_fault_kind_at_every_request_of_portal_config() -> None:
    """Each kind at request 1 (the read), 2 (the write) and 3 (after it): all converge."""
    desired = engine.load_desired(PORTAL_CONFIG)
    tally = Tally()
    for index, kind in enumerate(ALL_KINDS):
        for at in (1, 2, 3):
            seed = 1000 + 10 * index + at
            tally.add(run_once(seed, desired, scenario=f"{kind}@{at}", faults=1, kinds=(kind,),
                               max_requests=1 if at == 1 else at))
    _assert_clean(tally)
    assert set(tally.injected) == set(ALL_KINDS)


def _new_pipeline_sandbox() -> tuple[Sandbox, engine.DesiredState]:
    return Sandbox.in_memory(), engine.load_text(NEW_PIPELINE, "hr.toml")


def _hr_pipelines(sb: Sandbox) -> list[dict[str, object]]:
    return [c for c in sb.store.data["categories"]["2"].values() if c.get("originId") == "hr"]


def strike_the_write(sb: Sandbox, name: str) -> None:
    """The fault for the first write batch of apply: request 1 is apply's re-read of the portal
    (is the plan stale?), request 2 the write."""
    sb.app.faults = sb.faults = ScheduledFaults({2: name})


@pytest.mark.parametrize("name", ["drop_after_commit", "timeout_committed"])
def test_write_lost_in_transit_is_not_repeated(name: str) -> None:
    """The category was created but the answer was lost: the error says so (maybe committed),
    the applier sends nothing more, and the re-run finds the pipeline by its stamp."""
    sb, desired = _new_pipeline_sandbox()
    adapter = RecordingAdapter(sb)
    client = make_client(sb, adapter, oauth=False)
    plan = engine.make_plan(desired, engine.read_live(client))
    strike_the_write(sb, name)
    with pytest.raises(engine.ApplyFailed) as caught:
        engine.apply(plan, client)
    assert caught.value.maybe_committed and isinstance(caught.value.__cause__, TransportError)
    assert caught.value.report.uncertain == ["+ deal.pipeline[hr]"]
    assert len(_hr_pipelines(sb)) == 1  # it did happen
    writes_after = [e for e in adapter.log[adapter.log.index(next(
        e for e in adapter.log if e.outcome == "uncertain")) + 1:] if e.write]
    assert writes_after == [] and reread_violations(adapter.log) == 0
    plan_and_apply(make_client(sb, RecordingAdapter(sb), oauth=False), desired, False, [])
    assert len(_hr_pipelines(sb)) == 1 and duplicates(sb.store.data) == []
    again = engine.make_plan(desired, engine.read_live(client))
    assert again.changes == ()


def test_server_error_on_a_write_is_uncertain_and_not_retried() -> None:
    sb, desired = _new_pipeline_sandbox()
    client = make_client(sb, RecordingAdapter(sb), oauth=False)
    plan = engine.make_plan(desired, engine.read_live(client))
    strike_the_write(sb, "server_error")
    before = sb.requests.total
    with pytest.raises(engine.ApplyFailed) as caught:
        engine.apply(plan, client)
    assert caught.value.maybe_committed and isinstance(caught.value.__cause__, ServerError)
    assert sb.requests.total == before + 2  # the re-read, one attempt: no blind retry
    assert _hr_pipelines(sb) == []  # the fault struck before the method ran


def test_expired_oauth_token_mid_apply_is_refreshed_and_apply_completes() -> None:
    sb, desired = _new_pipeline_sandbox()
    client = make_client(sb, RecordingAdapter(sb), oauth=True)
    plan = engine.make_plan(desired, engine.read_live(client))
    sb.faults.add(FaultKind.EXPIRED_TOKEN, method="batch", count=1)
    engine.apply(plan, client)
    assert client.stats.refreshes == 1
    assert len(_hr_pipelines(sb)) == 1
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


def test_rate_limit_is_retried_and_operation_time_limit_stops_cleanly() -> None:
    sb, desired = _new_pipeline_sandbox()
    client = make_client(sb, RecordingAdapter(sb), oauth=False)
    plan = engine.make_plan(desired, engine.read_live(client))
    sb.faults.add(FaultKind.RATE_LIMIT, method="batch", count=2)
    engine.apply(plan, client)
    assert client.stats.retries == 2 and len(_hr_pipelines(sb)) == 1

    sb2, _ = _new_pipeline_sandbox()
    client2 = make_client(sb2, RecordingAdapter(sb2), oauth=False)
    plan2 = engine.make_plan(desired, engine.read_live(client2))
    sb2.faults.add(FaultKind.TIME_LIMIT, method="batch", count=10)
    with pytest.raises(OperationTimeLimit):
        engine.apply(plan2, client2)
    assert _hr_pipelines(sb2) == []  # refused before running: nothing half-made


@pytest.mark.parametrize("mode", ["kill_before", "kill_after"])
@pytest.mark.parametrize("at", [2, 3])
def test_process_killed_between_rounds_converges(mode: str, at: int) -> None:
    sb, desired = _new_pipeline_sandbox()
    adapter = RecordingAdapter(sb, kill_at=at, kill_mode=mode)
    with pytest.raises(Killed):
        plan_and_apply(make_client(sb, adapter, oauth=False), desired, False, [])
    sb.app.faults = sb.faults = FaultPlan()
    client = make_client(sb, RecordingAdapter(sb), oauth=False)
    plan_and_apply(client, desired, False, [])
    final = engine.make_plan(desired, engine.read_live(client))
    assert [c for c in final.changes if c.action is not engine.Action.MANUAL] == []
    assert len(_hr_pipelines(sb)) == 1 and duplicates(sb.store.data) == []


def test_scheduled_faults_strike_the_requests_they_name() -> None:
    plan = ScheduledFaults({2: "server_error", 3: "kill_before"})
    taken = [plan.take("batch") for _ in range(3)]
    assert taken[0] is None and taken[1] is not None and taken[2] is None
    assert plan.injected == {"server_error": 1}  # kills are the transport's business


def test_generated_states_are_valid_and_varied() -> None:
    texts = {generated_case(seed)[3] for seed in range(20)}
    assert len(texts) == 20
    assert generated_case(7)[3] == generated_case(7)[3]  # seeded: same seed, same case


def _stages(sb: Sandbox, category: object) -> list[tuple[str, str]]:
    """(code, name) of a deal pipeline's stages on the portal, in its order."""
    rows = sorted((r for r in sb.store.data["statuses"].values()
                   if r["ENTITY_ID"] == f"DEAL_STAGE_{category}"),
                  key=lambda r: (int(r["SORT"]), int(r["ID"])))
    return [(str(r["STATUS_ID"]).split(":", 1)[1], str(r["NAME"])) for r in rows]


@pytest.mark.parametrize(("at", "mode"), [(3, "kill_after"), (4, "kill_before")])
def test_killed_new_pipeline_leaves_no_portal_default_stages(at: int, mode: str) -> None:
    """The process dies once crm.category.add ran (request 3: the plan's read, apply's re-read,
    then the create's batch, its answer never read) or right before the round that reconciles
    the stages the portal made with it (request 4). The pipeline is left stamped unfinished;
    the re-run, without --allow-destroy, deletes those stages the config leaves out (residue,
    empty) and ends where an apply that was not interrupted ends (the system stage NEW stays,
    as the portal keeps it), the pipeline stamped as reconciled."""
    sb, desired = _new_pipeline_sandbox()
    with pytest.raises(Killed):
        plan_and_apply(make_client(sb, RecordingAdapter(sb, kill_at=at, kill_mode=mode),
                                   oauth=False), desired, False, [])
    assert [c["originatorId"] for c in _hr_pipelines(sb)] == ["provision:unfinished"]
    client = make_client(sb, RecordingAdapter(sb), oauth=False)
    plans: list[engine.Plan] = []
    plan_and_apply(client, desired, False, plans)
    assert [(f"{c.action.symbol} {c.address}", c.destructive) for c in plans[0].changes
            if c.action is engine.Action.DELETE] == [
        (f"- deal.pipeline[hr].stage[{code}]", False)
        for code in ("PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE",
                     "APOLOGY")]
    hr = _hr_pipelines(sb)[0]
    clean, _ = _new_pipeline_sandbox()
    plan_and_apply(make_client(clean, RecordingAdapter(clean), oauth=False), desired, False, [])
    assert _stages(sb, hr["id"]) == _stages(clean, _hr_pipelines(clean)[0]["id"]) == [
        ("NEW", "New"), ("CALL", "Первый созвон"), ("INTERVIEW", "Собеседование"),
        ("WON", "Принят"), ("LOSE", "Отказ")]
    assert (hr["originatorId"], hr["originId"]) == ("provision", "hr")
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()
    assert duplicates(sb.store.data) == []


def test_the_reread_rule_checker_catches_a_blind_retry() -> None:
    """The harness would see it if the applier wrote again after an uncertain write."""
    from reliability_harness import Exchange

    blind = [Exchange("batch", False, "ok"), Exchange("batch", True, "uncertain"),
             Exchange("batch", True, "ok")]
    careful = [Exchange("batch", False, "ok"), Exchange("batch", True, "uncertain"),
               Exchange("batch", False, "ok"), Exchange("batch", True, "ok")]
    assert reread_violations(blind) == 1 and reread_violations(careful) == 0


def test_generated_states_cover_fields_and_smart_processes_when_those_kinds_exist() -> None:
    texts = "".join(generated_case(seed)[3] for seed in range(40))
    from provisioner.kinds import KINDS

    paths = {tuple(k.path) for k in KINDS}
    if ("deal", "fields") in paths:
        assert ".fields." in texts
    if ("smart_processes",) in paths:
        assert "[smart_processes." in texts


REMOVABLE = ("PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "APOLOGY")
ENGLISH = {"NEW": "New", "PREPARATION": "Document preparation",
           "PREPAYMENT_INVOICE": "Prepayment invoice", "EXECUTING": "In progress",
           "FINAL_INVOICE": "Final invoice", "WON": "Deal successful", "LOSE": "Deal failed",
           "APOLOGY": "Failure reason analysis"}
SEMANTICS = {"WON": "success", "LOSE": "failure", "APOLOGY": "failure"}


@st.composite
def pipeline_stages(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(code, name) of a new pipeline's stages in the config: any of the portal's default
    codes (named as the portal names them or otherwise) and codes of the config's own, in the
    portal's order of kinds (process, success, failure); a valid list holds a process stage,
    the one success stage and a failure stage."""
    out: list[tuple[str, str]] = []
    for code in ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE",
                 "OWN1", "OWN2", "WON", "LOSE", "APOLOGY"):
        if code == "WON" and not out:
            out.append(("OWN1", "Этап OWN1"))
        if code == "WON" or draw(st.booleans()):
            own = code.startswith("OWN") or draw(st.booleans())
            out.append((code, f"Этап {code}" if own else ENGLISH[code]))
    if out[-1][0] == "WON":
        out.append(("LOSE", ENGLISH["LOSE"]))  # a list needs a failure stage
    return out


def _pipeline_text(stages: list[tuple[str, str]]) -> str:
    rows = [f'    {{ code = "{code}", name = "{name}"'
            + (f', semantics = "{SEMANTICS[code]}"' if code in SEMANTICS else "") + " },"
            for code, name in stages]
    return '[deal.pipelines.hr]\nname = "Кандидаты"\nstages = [\n' + "\n".join(rows) + "\n]\n"


@settings(max_examples=30, deadline=None)
@given(stages=pipeline_stages(), kill=st.sampled_from([(3, "kill_after"), (4, "kill_before")]))
def test_a_stopped_create_never_leaves_stages_that_need_consent(
        stages: list[tuple[str, str]], kill: tuple[int, str]) -> None:
    """Whatever stages a new pipeline's config names: an apply that dies once the pipeline is
    created (request 3: its batch ran, the answer never read; request 4: right before its
    stages' round) leaves nothing its re-run needs --allow-destroy for, and the re-run ends with
    the stages of an apply that was not interrupted, the config's in its order. A pipeline is
    created stamped unfinished, and stamped `provision` by one call after its stages, only
    where its config leaves out a stage of the portal's that could be residue (deal_new.py
    `leaves_residue`); one naming every such stage is created stamped `provision` and costs no
    stamp call."""
    desired = engine.load_text(_pipeline_text(stages), "hr.toml")
    leaves = not set(REMOVABLE) <= {code for code, _ in stages}
    sb = Sandbox.in_memory()
    with pytest.raises(Killed):
        plan_and_apply(make_client(sb, RecordingAdapter(sb, kill_at=kill[0], kill_mode=kill[1]),
                                   oauth=False), desired, False, [])
    assert [c["originatorId"] for c in _hr_pipelines(sb)] == [
        "provision:unfinished" if leaves else "provision"]
    client = make_client(sb, RecordingAdapter(sb), oauth=False)
    plan_and_apply(client, desired, False, [])
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()
    clean = Sandbox.in_memory()
    clean_client = make_client(clean, RecordingAdapter(clean), oauth=False)
    sent: list[str] = []
    batch = clean_client.batch

    def recording(calls: Any, *args: Any, **kwargs: Any) -> Any:
        sent.extend(method for method, _ in calls.values())
        return batch(calls, *args, **kwargs)

    clean_client.batch = recording  # type: ignore[method-assign]
    plan_and_apply(clean_client, desired, False, [])
    assert sent.count("crm.category.update") == leaves
    hr, clean_hr = _hr_pipelines(sb)[0], _hr_pipelines(clean)[0]
    got, want = _stages(sb, hr["id"]), _stages(clean, clean_hr["id"])
    assert sorted(got) == sorted(want)  # where a system stage the config leaves out stands is
    assert [s for s in got if s in stages] == stages  # not the config's to say
    assert (hr["originatorId"], clean_hr["originatorId"]) == ("provision", "provision")
    assert duplicates(sb.store.data) == []

"""Write answers' shapes, issue 14 item 7: every id a kind reads from a write's answer is
checked where it is read; an answer that cannot be trusted stops apply with what was done, what
may have been (uncertain) and what was not, before any further write.

Failed before (main 5c1f354): `{"category": {"id": null}}` gave `TypeError: int() argument
must be ... not 'NoneType'` after the pipeline was made; a smart process's `crm.type.add`
answered without `type` gave `KeyError: 'type'`; a new smart process whose pipeline read came
back empty gave `RuntimeError: generator raised StopIteration`; a COMMAND_DEADLINE before the
write batch ended apply with the client's error alone, no done / not-done list; and the read
error said its method twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from bent import Bent, on_method, writes

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.client.errors import CommandDeadline, InsufficientScope
from provisioner.client.models import BatchResult
from provisioner.engine.applier import ApplyFailed
from provisioner.errors import ProvisionError

PIPELINE = """
[deal.pipelines.hr]
name = "Кандидаты"
stages = [
    { code = "NEW", name = "Первый созвон" },
    { code = "WON", name = "Принят", semantics = "success" },
    { code = "LOSE", name = "Отказ", semantics = "failure" },
]

[lists.SOURCE]
items = [{ code = "CALL", name = "Звонок" }, { code = "FAIR", name = "Выставка" }]
"""

SMART_PROCESS = """
[smart_processes.hr_candidates]
title = "Кандидаты"
stages = true

[smart_processes.hr_candidates.pipelines.hiring]
name = "Найм"
default = true
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Принят", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]
"""


def _apply(client: Any, text: str) -> ApplyFailed:
    desired = engine.load_text(text)
    with pytest.raises(ApplyFailed) as err:
        engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    return err.value


def test_a_pipeline_id_of_null_is_uncertain(client: BitrixClient) -> None:
    bent = Bent(client, on_method("crm.category.add", lambda _r: {"category": {"id": None}}))
    failed = _apply(bent, PIPELINE)
    assert failed.maybe_committed
    assert str(failed).splitlines()[0] == (
        'crm.category.add: MALFORMED_RESPONSE (provision\'s own code): the portal answered {"category": {"id": null}} '
        "for + deal.pipeline[hr]: no id at [category][id], so what it made cannot be told")
    assert failed.report.uncertain == ["+ deal.pipeline[hr]"]
    assert "+ deal.pipeline[hr]" not in failed.report.done
    assert "+ list[SOURCE].item[FAIR]" in failed.report.done
    assert failed.report.not_done == ["+ deal.pipeline[hr].stage[NEW]",
                                      "+ deal.pipeline[hr].stage[WON]",
                                      "+ deal.pipeline[hr].stage[LOSE]"]
    # nothing was written after that answer: the portal's default stages are still there
    cats = client.call("crm.category.list", {"entityTypeId": 2}).result["categories"]
    hr = next(c["id"] for c in cats if c.get("originId") == "hr")
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": f"DEAL_STAGE_{hr}"}}).result
    assert len(rows) == 8
    # and a re-run reads first, finds the pipeline, and finishes
    desired = engine.load_text(PIPELINE)
    engine.apply(engine.make_plan(desired, engine.read_live(client)), client)
    assert engine.make_plan(desired, engine.read_live(client)).changes == ()


def test_a_write_answered_as_done_that_did_not_run_is_said(client: BitrixClient) -> None:
    def dropped(calls: Any) -> Any:  # the pipeline's add is not run (a read runs instead) ...
        return {k: (m, p) if k != "new_hr" else ("crm.category.list", {"entityTypeId": 2})
                for k, (m, p) in calls.items()}

    def made(_calls: Any, results: dict[str, Any]) -> None:  # ... and answered as made
        if "new_hr" in results:
            results["new_hr"] = {"category": {"id": 900}}
    failed = _apply(Bent(client, made, before=dropped), PIPELINE)
    assert str(failed).splitlines()[0] == (
        "crm.category.add: MALFORMED_RESPONSE (provision's own code): the portal answered id 900 for + "
        "deal.pipeline[hr], but the list read right after it does not hold that id: the write "
        "was answered as done and may not have run")


def test_a_smart_process_answer_without_its_type_is_uncertain(client: BitrixClient) -> None:
    bent = Bent(client, on_method("crm.type.add", lambda _r: {"types": []}))
    failed = _apply(bent, SMART_PROCESS)
    assert str(failed).splitlines()[0] == (
        'crm.type.add: MALFORMED_RESPONSE (provision\'s own code): the portal answered {"types": []} for + '
        "smart_process[hr_candidates]: no id at [type][id], so what it made cannot be told")
    assert failed.report.uncertain == ["+ smart_process[hr_candidates]"]


def test_a_new_smart_process_without_its_pipeline_stops(client: BitrixClient) -> None:
    def none(result: Any) -> Any:
        return {"categories": []} if isinstance(result, dict) else result
    bent = Bent(client, lambda calls, results: on_method("crm.category.list", none)(
        calls, results) if writes(calls) else None)
    failed = _apply(bent, SMART_PROCESS)
    assert str(failed).splitlines()[0] == (
        "apply stopped: crm.category.list: MALFORMED_RESPONSE (provision's own code): the portal answered [] for the "
        "pipelines of new smart process 128: not one default pipeline")
    assert str(failed).endswith("Nothing was written after that answer. Run plan and apply "
                                "again: they read the portal first, and go on from what is "
                                "there.")


def test_a_command_deadline_before_the_writes_lists_what_was_not_done(
        client: BitrixClient) -> None:
    def deadline(calls: Any) -> Any:
        if writes(calls):
            raise CommandDeadline("COMMAND_DEADLINE", "the command's deadline of 1 s "
                                  "(PROVISION_DEADLINE) passed after 2 requests, 0 write "
                                  "requests (0 answered); no further request is sent",
                                  method="batch")
        return calls
    failed = _apply(Bent(client, before=deadline), PIPELINE)
    assert not failed.maybe_committed and isinstance(failed.__cause__, CommandDeadline)
    assert str(failed) == "\n".join([
        "apply stopped: batch: COMMAND_DEADLINE (provision's own code): the command's deadline of 1 s "
        "(PROVISION_DEADLINE) passed after 2 requests, 0 write requests (0 answered); no "
        "further request is sent",
        "done (0):",
        "not done (6):",
        "  + deal.pipeline[hr]",
        "  + deal.pipeline[hr].stage[NEW]",
        "  + deal.pipeline[hr].stage[WON]",
        "  + deal.pipeline[hr].stage[LOSE]",
        "  ~ list[SOURCE].item[CALL]",
        "  + list[SOURCE].item[FAIR]",
        "Nothing is half-made: run plan and apply again to finish."])


def test_a_failed_read_names_its_method_once(client: BitrixClient) -> None:
    class Refusing:
        def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> BatchResult:
            out = client.batch(dict(calls), halt=halt, rows=rows)
            key = next(k for k, (m, _p) in calls.items() if m == "crm.type.list")
            error = InsufficientScope("insufficient_scope", "The request requires higher "
                                      "privileges than provided by the webhook token",
                                      status=401, method="crm.type.list")
            from provisioner.client.errors import for_command
            return BatchResult({k: v for k, v in out.results.items() if k != key},
                               {key: for_command(error, key)}, out.totals, out.nexts)
    with pytest.raises(ProvisionError) as err:
        engine.read_live(Refusing())
    assert str(err.value) == (
        "reading the portal failed: crm.type.list: insufficient_scope: The request requires "
        "higher privileges than provided by the webhook token (HTTP 401)")


def test_a_create_is_checked_for_twins_when_a_later_call_of_its_batch_failed(
        client: BitrixClient) -> None:
    """Issue 18 (apply4): the pipelines' list is read once, after every create of the batch; a
    failure later in the batch stops it before that read, so the pipeline made is checked
    against a list read on its own, and the failure is what apply reports."""
    def refused(calls: Any) -> Any:  # FAIR's add without a NAME: the portal refuses it
        return {k: (m, {"fields": {f: v for f, v in p["fields"].items() if f != "NAME"}})
                if m == "crm.status.add" and p["fields"].get("STATUS_ID") == "FAIR" else (m, p)
                for k, (m, p) in calls.items()}
    bent = Bent(client, before=refused)
    failed = _apply(bent, PIPELINE)
    assert failed.report.failed == "+ list[SOURCE].item[FAIR]"
    assert "+ deal.pipeline[hr]" in failed.report.done
    number = next(n for n, calls in enumerate(bent.sent) if writes(calls))
    first = [m for m, _ in bent.sent[number].values()]
    assert first[0] == "crm.category.add" and "crm.category.list" in first[-2:]  # not reached
    assert list(bent.sent[number + 1].values()) == [("crm.category.list", {"entityTypeId": 2})]
    assert len(bent.sent) == number + 2


SMART_PROCESS_THREE = """
[smart_processes.repairs]
title = "Ремонты"
stages = true
categories = true

[smart_processes.repairs.pipelines.main]
name = "Основная"
default = true
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Готово", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]

[smart_processes.repairs.pipelines.warranty]
name = "Гарантия"
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Готово", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]

[smart_processes.repairs.pipelines.returns]
name = "Возвраты"
stages = [
    { code = "NEW", name = "Новый" },
    { code = "SUCCESS", name = "Готово", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]
"""


def test_a_pipeline_added_with_its_smart_process_is_checked_when_a_later_add_failed(
        client: BitrixClient) -> None:
    """trial2: a new smart process's further pipelines go in the batch of the type, their
    entityTypeId a `$result` reference; when a later call of that batch is refused, the batch
    stops before the read of the type's pipelines, and the pipelines made are checked against
    that list read on its own. Read in a batch of its own, the reference must be resolved from
    the batch's answers (else the read names no smart process, and the pipeline just made is
    reported as "answered as done and may not have run"): the refused add is what apply
    reports, the first pipeline done."""
    def refused(calls: Any) -> Any:  # the second pipeline's add without a name: refused
        return {k: (m, {**p, "fields": {}}) if m == "crm.category.add"
                and p["fields"].get("name") == "Возвраты" else (m, p)
                for k, (m, p) in calls.items()}
    bent = Bent(client, before=refused)
    failed = _apply(bent, SMART_PROCESS_THREE)
    assert failed.report.failed == "+ smart_process[repairs].pipeline[returns]"
    assert "+ smart_process[repairs].pipeline[warranty]" in failed.report.done
    again = [calls["listed"] for calls in bent.sent if list(calls) == ["listed"]]
    assert [method for method, _ in again] == ["crm.type.list", "crm.category.list"]
    etid = again[1][1]["entityTypeId"]
    assert isinstance(etid, int) and etid > 0

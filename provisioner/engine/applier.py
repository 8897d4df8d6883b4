"""apply: run a plan's writes in dependency order, batched, and report what was done.

Every kind's apply is a generator of rounds; round N of all kinds goes out together in batches
of at most 50 calls (with halt), so a typical apply is one or two requests. A new deal pipeline
takes two rounds: (1) crm.category.add plus, in the same batch, crm.status.list of the stages the
portal made for it (`$result[...]` reference); (2) the stage writes that reconcile them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.client.errors import BitrixAPIError
from provisioner.client.policy import is_read
from provisioner.engine import planfile, records
from provisioner.engine.live import read_live
from provisioner.engine.planner import make_plan
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import Action, Call, Kind, Plan, Script
from provisioner.model.rounds import chunks

Progress = Callable[[str], None]


class WriteClient(Protocol):
    def batch(self, calls: Any, halt: bool = False) -> Any: ...


@dataclass
class ApplyReport:
    """What apply did; `failed` and `not_done` are set when it stopped on an error."""

    done: list[str] = field(default_factory=list)
    failed: str | None = None
    error: str | None = None
    not_done: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    # writes sent whose answer was lost (timeout, dropped connection, 5xx, unreadable answer)
    uncertain: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # the plan's summary: add/change/destroy

    def summary(self) -> str:
        calls = f"{len(self.done)} REST call{'s' if len(self.done) != 1 else ''}"
        if self.counts:
            text = (f"Apply complete: {self.counts['add']} added, {self.counts['change']} changed, "
                    f"{self.counts['destroy']} destroyed ({calls}).")
        else:
            text = f"Apply complete: {calls} made."
        if self.manual:
            text += (f" {len(self.manual)} manual change(s) left for an administrator, not "
                     "applied: run `provision runbook` for the steps, then `provision attest`.")
        return text


class ApplyFailed(ProvisionError):
    """A write was refused, or its answer was lost (`maybe_committed`, the portal's error as
    `__cause__`); the report says what was done, what may have been, and what was not."""

    def __init__(self, report: ApplyReport, maybe_committed: bool = False) -> None:
        self.report = report
        self.maybe_committed = maybe_committed
        lines = [f"{report.failed}: {report.error}" if maybe_committed else
                 f"apply stopped: {report.failed}: {report.error}",
                 f"done ({len(report.done)}):", *(f"  {d}" for d in report.done)]
        if maybe_committed:
            head = (f"may have been applied, outcome unknown ({len(report.uncertain)}): the "
                    "portal's answer to them was lost")
            lines += [head, *(f"  {d}" for d in report.uncertain)]
        lines += [f"not done ({len(report.not_done)}):", *(f"  {d}" for d in report.not_done),
                  AGAIN_UNCERTAIN if maybe_committed else AGAIN]
        super().__init__("\n".join(lines))


AGAIN = "Nothing is half-made: run plan and apply again to finish."
AGAIN_UNCERTAIN = ("Run plan and apply again: they read the portal first, so what was applied "
                   "is seen and not made twice.")


def apply(plan: Plan, client: WriteClient, *, allow_destroy: bool = False,
          allow_data_loss: bool = False, progress: Progress = lambda _line: None,
          kinds: Sequence[Kind] = KINDS, reread: bool = True) -> ApplyReport:
    """Make the portal match the plan; raise DestroyRefused / DataLossRefused / StalePlan /
    ApplyFailed.

    First the portal is read again and the plan made again from its desired state; when the
    live objects it was computed from changed (another apply, a person), StalePlan names what
    changed and nothing is written. `reread=False` is for callers that have just done so
    (the CLI, after its question). With data loss allowed, the records counted in what the
    plan deletes are deleted first (the portal refuses to delete a stage, pipeline or smart
    process that holds records)."""
    records.check_safe(plan, allow_destroy, allow_data_loss)
    if reread:
        plan = replanned(plan, client, kinds)
    report = ApplyReport(manual=[str(c.address) for c in plan.changes
                                 if c.action is Action.MANUAL], counts=plan.summary())
    purge = records.purge_calls(client, plan, kinds) if plan.data_loss else []
    scripts = [_script(kind, plan) for kind in kinds]
    _run(client, [s for s in [_once(purge), *scripts] if s is not None], report, progress)
    return report


def replanned(plan: Plan, client: WriteClient, kinds: Sequence[Kind] = KINDS) -> Plan:
    """The plan made again from a fresh read; StalePlan when the portal changed since `plan`.
    A plan not made by make_plan (no desired state) is returned as it is."""
    if plan.desired is None:
        return plan
    now = make_plan(plan.desired, read_live(client, kinds), plan.options, kinds)
    if plan.records:
        now = records.count_records(now, client, kinds)
    planfile.check_unchanged(plan, now)
    return now


def _once(calls: list[Call]) -> Script | None:
    """A one-round script (the record deletions that go before everything else)."""
    if not calls:
        return None

    def script() -> Script:
        yield calls

    return script()


def _script(kind: Kind, plan: Plan) -> Script | None:
    mine = [c for c in plan.changes if c.kind == kind.name and c.action is not Action.MANUAL]
    if not mine:
        return None
    return kind.apply(mine, plan.desired_nodes, plan.live_nodes)


def _run(client: WriteClient, scripts: list[Script], report: ApplyReport,
         progress: Progress) -> None:
    pending: list[tuple[Script, list[Call]]] = []
    for script in scripts:
        _advance(script, None, pending)
    round_no = 0
    while pending:
        round_no += 1
        calls = [call for _, cs in pending for call in cs]
        results = _execute(client, calls, round_no, report, progress)
        current, pending, offset = pending, [], 0
        for script, cs in current:
            _advance(script, results[offset:offset + len(cs)], pending)
            offset += len(cs)


def _advance(script: Script, results: list[Any] | None,
             pending: list[tuple[Script, list[Call]]]) -> None:
    try:
        calls = next(script) if results is None else script.send(results)
    except StopIteration:
        return
    if calls:
        pending.append((script, calls))
    else:
        _advance(script, [], pending)


def _execute(client: WriteClient, calls: list[Call], round_no: int, report: ApplyReport,
             progress: Progress) -> list[Any]:
    results: list[Any] = []
    for number, batch in enumerate(chunks(calls)):
        keys = [c.key or f"r{round_no}_{number}_{i}" for i, c in enumerate(batch)]
        commands = {k: (c.method, dict(c.params)) for k, c in zip(keys, batch)}
        out = _send(client, commands, report, batch, calls[len(results) + len(batch):])
        for key, call in zip(keys, batch):
            if key in out.errors or key not in out.results:
                _fail(report, call, out.errors.get(key), calls[len(results):])
            progress(call.label)
            report.done.append(call.label)
            results.append(out.results[key])
    return results


def _send(client: WriteClient, commands: dict[str, tuple[str, dict[str, Any]]],
          report: ApplyReport, batch: list[Call], rest: list[Call]) -> Any:
    """One write batch; when its answer is lost, ApplyFailed says which writes may have run."""
    try:
        return client.batch(commands, halt=True)
    except BitrixAPIError as exc:
        if not exc.maybe_committed:
            raise  # refused before anything ran (rate or time limit): nothing to add
        report.failed, report.error = exc.method or "batch", exc.detail()
        report.uncertain = [c.label for c in batch if not is_read(c.method)]
        report.not_done = [c.label for c in rest]
        raise ApplyFailed(report, maybe_committed=True) from exc


def _fail(report: ApplyReport, call: Call, error: Any, rest: list[Call]) -> None:
    report.failed = call.label
    report.error = str(error) if error is not None else "not run (an earlier call failed)"
    report.not_done = [c.label for c in rest[1:]]
    raise ApplyFailed(report)

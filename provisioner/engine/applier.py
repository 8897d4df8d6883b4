"""apply: run a plan's writes in dependency order, batched, and report what was done.

Every kind's apply is a generator of rounds; round N of all kinds goes out together in batches
of at most 50 calls (with halt), so a typical apply is one or two requests. A new deal pipeline
takes two rounds: (1) crm.category.add plus, in the same batch, crm.status.list of the stages the
portal made for it (`$result[...]` reference); (2) the stage writes that reconcile them, then
the pipeline stamped as reconciled (kinds/statuses/deal_new.py: what a stop between the two
rounds leaves is residue, deleted by the next apply without --allow-destroy while empty).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.engine import planfile, records
from provisioner.engine.cost import label_addresses
from provisioner.engine.gcpause import gc_paused
from provisioner.engine.live import read_live
from provisioner.engine.planner import make_plan
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import HELD, Action, AnyKind, Call, Plan, Script
from provisioner.model.answers import CODE, Claim, UntrustedAnswer, Verdict, dig, judge
from provisioner.model.rounds import chunks, once, parallel

Progress = Callable[[str], None]


class WriteClient(Protocol):
    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any: ...


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

    def __init__(self, report: ApplyReport, maybe_committed: bool = False,
                 again: str | None = None) -> None:
        self.report = report
        self.maybe_committed = maybe_committed
        lines = [f"{report.failed}: {report.error}" if maybe_committed else
                 f"apply stopped: {report.failed}: {report.error}",
                 f"done ({len(report.done)}):", *(f"  {d}" for d in report.done)]
        if maybe_committed:
            head = (f"may have been applied, outcome unknown ({len(report.uncertain)}): the "
                    "portal's answer to them was lost or cannot be trusted")
            lines += [head, *(f"  {d}" for d in report.uncertain)]
        lines += [f"not done ({len(report.not_done)}):", *(f"  {d}" for d in report.not_done),
                  again or (AGAIN_UNCERTAIN if maybe_committed else AGAIN)]
        super().__init__("\n".join(lines))


class ApplyInterrupted(ProvisionError):
    """Ctrl-C (SIGINT) stopped the apply: what was done, the batch in flight whose outcome is
    unknown, what was not started; running plan and apply again converges."""

    prefix = ""  # the message says what happened
    exit_code = 130  # 128 + SIGINT, as shells report it

    def __init__(self, report: ApplyReport) -> None:
        self.report = report
        lines = [f"Interrupted (Ctrl-C) during apply. Done ({len(report.done)}):",
                 *(f"  {d}" for d in report.done)]
        if report.uncertain:
            lines += [f"Uncertain ({len(report.uncertain)}): sent in the batch in flight when "
                      "the apply was interrupted; the portal may or may not have made them:",
                      *(f"  {d}" for d in report.uncertain)]
        rest = f"Not started: {len(report.not_done)} more call(s) of this round" \
            if report.not_done else "Not started"
        lines += [f"{rest}, and every later step of the plan.", INTERRUPTED_AGAIN]
        super().__init__("\n".join(lines))


INTERRUPTED_AGAIN = ("Run `provision plan` to see where the portal stands, then `provision "
                     "apply` again: both read the portal first, so what was applied (or may "
                     "have been) is seen and not made twice, and the run converges.")
AGAIN = "Nothing is half-made: run plan and apply again to finish."
AGAIN_UNCERTAIN = ("Run plan and apply again: they read the portal first, so what was applied "
                   "is seen and not made twice.")
AGAIN_STOPPED = ("Nothing was written after that answer. Run plan and apply again: they read the "
                 "portal first, and go on from what is there.")


def apply(plan: Plan, client: WriteClient, *, allow_destroy: bool = False,
          allow_data_loss: bool = False, progress: Progress = lambda _line: None,
          kinds: Sequence[AnyKind] = KINDS, reread: bool = True) -> ApplyReport:
    """Make the portal match the plan; raise DestroyRefused / DataLossRefused / StalePlan /
    ApplyFailed.

    First the portal is read again and the plan made again from its desired state; when the
    live objects it was computed from changed (another apply, a person), StalePlan names what
    changed and nothing is written. `reread=False` is for callers that have just done so
    (the CLI, after its question). With data loss allowed, the records counted in what the
    plan deletes are deleted first (the portal refuses to delete a stage, pipeline or smart
    process that holds records). Residue deletions (`Change.residue`) go only counted empty
    right before apply: by the re-read, or here when the caller re-read without counting
    them; one that gained records refuses the plan (StalePlan)."""
    records.check_safe(plan, allow_destroy, allow_data_loss)
    if reread:
        plan = replanned(plan, client, kinds)
    elif records.uncounted_residue(plan):
        plan = recounted(plan, client, kinds)
    records.check_safe(plan, allow_destroy, allow_data_loss)  # counts made since, if any
    report = ApplyReport(manual=[str(c.address) for c in plan.changes
                                 if c.action is Action.MANUAL], counts=plan.summary())
    # the records counted in what the plan deletes go first, in a round of their own
    try:
        purge = records.purge_calls(client, plan, kinds) if plan.data_loss else []
        _run_all(client, plan, [once(purge), *(_script(kind, plan) for kind in kinds)], report,
                 progress)
    except KeyboardInterrupt:  # between batches: nothing in flight
        raise ApplyInterrupted(report) from None
    return report


def replanned(plan: Plan, client: WriteClient, kinds: Sequence[AnyKind] = KINDS) -> Plan:
    """The plan made again from a fresh read; StalePlan when the portal changed since `plan`.
    A plan not made by make_plan (no desired state) is returned as it is."""
    if plan.desired is None:
        return plan
    live = read_live(client, kinds, plan.languages)
    with gc_paused():  # as the workspace plans (engine/gcpause.py)
        now = make_plan(plan.desired, live, plan.options, kinds)
    if plan.records or now.residue:  # residue is deleted only counted empty, now
        now = records.count_records(now, client, kinds)
    records.check_residue(plan, now)
    # compared on what the plan counted (a plan of make_plan alone counted nothing): a residue
    # deletion that holds records now is no longer one, so the changes differ
    planfile.check_unchanged(plan, dataclasses.replace(now, records={
        a: r for a, r in now.records.items() if a in plan.records}))
    return now


def recounted(plan: Plan, client: WriteClient, kinds: Sequence[AnyKind] = KINDS) -> Plan:
    """The plan with its records counted now (the caller re-read the portal but counted
    none); StalePlan when a residue deletion holds records (`records.check_residue`)."""
    now = records.count_records(plan, client, kinds)
    records.check_residue(plan, now)
    return now


def _script(kind: AnyKind, plan: Plan) -> Script:
    mine = [c for c in plan.changes if c.kind == kind.name and c.action is not Action.MANUAL]
    return kind.apply(mine, plan.desired_nodes, plan.live_nodes) if mine else once([])


class _Stop(Exception):  # internal: `apply` turns it into ApplyFailed
    """Apply stops: `failed` (a call's label or a method) and why; `uncertain`: writes whose
    outcome is unknown (moved out of `done`)."""

    def __init__(self, failed: str, error: str, uncertain: Sequence[str] = (),
                 maybe_committed: bool = False, checked: bool = False) -> None:
        super().__init__(error)
        self.failed, self.error = failed, error
        self.uncertain = list(uncertain)
        self.maybe_committed = maybe_committed or bool(uncertain)
        self.checked = checked  # stopped by a check of an answer, not by a refused write


def _run_all(client: WriteClient, plan: Plan, scripts: list[Script], report: ApplyReport,
             progress: Progress) -> None:
    """`_run`, and on a stop the report filled in (done, uncertain, not done) as ApplyFailed."""
    try:
        _run(client, scripts, report, progress)
    except (_Stop, UntrustedAnswer) as exc:
        stop = exc if isinstance(exc, _Stop) else _Stop(exc.method, f"{CODE}: {exc.detail}",
                                                          exc.uncertain, checked=True)
        report.failed, report.error = stop.failed, stop.error
        report.uncertain = [*report.uncertain, *stop.uncertain]
        report.done = [d for d in report.done if d not in report.uncertain]
        report.not_done = _not_done(plan, report)
        cause = exc.__cause__ if isinstance(exc, _Stop) else exc
        again = AGAIN_STOPPED if stop.checked and not stop.maybe_committed else None
        raise ApplyFailed(report, stop.maybe_committed, again) from cause


def _not_done(plan: Plan, report: ApplyReport) -> list[str]:
    """The plan's changes no label of what was done, tried or failed names."""
    named = {a for label in [*report.done, *report.uncertain, report.failed or ""]
             for a in label_addresses(label)}
    return [f"{c.action.symbol} {c.address}" for c in plan.changes
            if c.action is not Action.MANUAL and str(c.address) not in named]


def _run(client: WriteClient, scripts: list[Script], report: ApplyReport,
         progress: Progress) -> None:
    """Round N of every script goes out together, in batches of 50 (model/rounds.py)."""
    rounds = parallel(scripts)
    made: set[tuple[str, int]] = set()  # (delete method, id) of what this apply created
    try:
        calls = next(rounds)
    except StopIteration:
        return
    for round_no in itertools.count(1):
        results = _execute(client, calls, round_no, report, progress, made)
        try:
            calls = rounds.send(results)
        except StopIteration:
            return


def _execute(client: WriteClient, calls: list[Call], round_no: int, report: ApplyReport,
             progress: Progress, made: set[tuple[str, int]] | None = None) -> dict[str, Any]:
    """Send one round; the results of its keyed calls, by key. `made`: what this apply created
    so far (the twin checks leave it alone), added to."""
    made = set() if made is None else made
    for call in calls:
        if call.method == HELD:  # on the portal as wanted already: done, nothing sent
            progress(call.label)
            report.done.append(call.label)
    calls = [c for c in calls if c.method != HELD]
    keys = [c.key for c in calls if c.key is not None]
    if len(set(keys)) != len(keys):
        raise ValueError(f"two calls of one apply round share a key: {sorted(keys)}")
    results: dict[str, Any] = {}
    sent = 0
    for number, batch in enumerate(chunks(calls)):
        names = [c.key or f"r{round_no}_{number}_{i}" for i, c in enumerate(batch)]
        commands = {k: (c.method, dict(c.params)) for k, c in zip(names, batch, strict=True)}
        # the round's calls this batch holds (a claims' read is the batch's own; a shared read
        # stands for every call that asked it)
        sent += sum(0 if c.check else 1 + len(c.also) for c in batch)
        out = _send(client, commands, report, batch, calls[sent:])
        failed = None
        for name, call in zip(names, batch, strict=True):
            if name in out.errors or name not in out.results:
                failed = (call, out.errors.get(name))
                break
            if call.label:  # a read the script needs (a field's labels) names no change
                progress(call.label)
                report.done.append(call.label)
            if call.key is not None:
                results[call.key] = out.results[name]
            for key in call.also:  # a shared read's other askers (model/rounds.py chunks)
                results[key] = out.results[name]
        # creates that ran are checked for twins even when a later call of the batch failed
        _check_claims(client, batch, names, out.results, report, progress, made)
        if failed is not None:
            call, error = failed
            raise _Stop(call.label or call.method, str(error) if error is not None else
                        "not run (an earlier call failed)")
    return results


def _send(client: WriteClient, commands: dict[str, tuple[str, dict[str, Any]]],
          report: ApplyReport, batch: list[Call], rest: list[Call]) -> Any:
    """One write batch; when it fails, the stop says which writes may have run (none, for a
    refusal before anything ran: a rate or time limit, the command's deadline)."""
    # imported here: the engine package loads without the REST client (`provision validate`)
    from provisioner.client.errors import BitrixAPIError
    from provisioner.client.policy import is_read

    try:
        return client.batch(commands, halt=True)
    except KeyboardInterrupt:  # the batch was sent, or was being sent: its outcome is unknown
        report.uncertain = [c.label for c in batch if not is_read(c.method)]
        report.not_done = [c.label for c in rest]
        raise ApplyInterrupted(report) from None
    except BitrixAPIError as exc:
        uncertain = [c.label for c in batch if not is_read(c.method)] if exc.maybe_committed \
            else []
        raise _Stop(exc.method or "batch", exc.detail(), uncertain, exc.maybe_committed) \
            from exc


def _check_claims(client: WriteClient, batch: list[Call], names: list[str],
                  results: Mapping[str, Any], report: ApplyReport, progress: Progress,
                  made: set[tuple[str, int]]) -> None:
    """Each create with a `Claim` that ran, against the list read after it in its batch (read
    again here when a failure stopped the batch before that read): the later of two twins
    deletes itself, and apply stops saying so (model/answers.py)."""
    reads = {(c.method, repr(c.params)): n for n, c in zip(names, batch, strict=True)
             if c.check or c.shared}
    listed = {read: results[n] for read, n in reads.items() if n in results}
    removed: list[tuple[str, str]] = []  # (method, what was done) of each twin removed
    for name, call in zip(names, batch, strict=True):
        claim = call.claim
        if claim is None or name not in results:
            continue
        read = (claim.read[0], repr(claim.read[1]))
        if read not in listed:
            listed[read] = _read_again(client, claim, call, results)
        ours = {i for method, i in made if method == claim.undo[0]}
        verdict = judge(claim, results[name], listed[read], call.method, call.label, ours)
        made.add((claim.undo[0], verdict.made))
        if verdict.earlier:
            removed.append((call.method, _remove_twin(client, call, claim, verdict, report,
                                                      progress, results)))
    if removed:  # the method of the first create found twinned (a batch may hold several)
        raise _Stop(removed[0][0], "; ".join(text for _, text in removed) + ": this apply "
                    "stopped, leaving the rest to the other apply", checked=True)


def _read_again(client: WriteClient, claim: Claim, call: Call,
                results: Mapping[str, Any]) -> Any:
    """The list a create wrote into, read on its own: a later call of the create's batch failed,
    so the batch's own read of it did not run (halt). A `$result[...]` reference in the read's
    params (the smart process a pipeline was added to in the same batch) is resolved from the
    batch's answers, as the undo's is: in a batch of its own it would name nothing."""
    from provisioner.client.errors import BitrixAPIError  # here: see _send

    try:
        out = client.batch({"listed": (claim.read[0], _resolved(claim.read[1], results))},
                           halt=True)
    except BitrixAPIError as exc:
        raise _Stop(claim.read[0], f"{call.label.removeprefix('+ ')} was made; reading "
                    f"{claim.what} to check it has no twin failed: {exc.detail()}",
                    maybe_committed=False) from exc
    if "listed" not in out.results:
        raise _Stop(claim.read[0], f"{call.label.removeprefix('+ ')} was made; reading "
                    f"{claim.what} to check it has no twin failed: {out.errors.get('listed')}")
    return out.results["listed"]


def _remove_twin(client: WriteClient, call: Call, claim: Claim, verdict: Verdict,
                 report: ApplyReport, progress: Progress,
                 results: Mapping[str, Any] | None = None) -> str:
    """Delete what this apply just made (the later id); what was done, for the message. A
    `$result[...]` reference in the undo's params (the type a pipeline was added to in the
    same batch) is resolved from the batch's answers: the undo goes in a batch of its own."""
    what = call.label.removeprefix("+ ")
    first = ", ".join(str(i) for i in verdict.earlier)
    method, params = claim.undo[0], _resolved(claim.undo[1], results or {})
    from provisioner.client.errors import BitrixAPIError  # here: see _send

    try:
        out = client.batch({"undo": (method, {**params, "id": verdict.made})}, halt=True)
    except BitrixAPIError as exc:
        error = exc.detail()
    else:
        error = str(out.errors["undo"]) if "undo" in out.errors else ""
    if error:
        raise _Stop(call.method, f"{what} was made twice at once, by this apply (id "
                    f"{verdict.made}) and another (id {first}); deleting this apply's copy "
                    f"failed ({error}): delete id {verdict.made} on the portal")
    label = f"- {what} (id {verdict.made}: a twin of id {first}, made by this apply)"
    progress(label)
    report.done.append(label)
    return (f"{what} was made at the same moment by another apply (id {first}); this apply "
            f"deleted its own copy (id {verdict.made})")


_REFERENCE = re.compile(r"\$result\[(\w+)\]((?:\[\w+\])*)")


def _resolved(params: Mapping[str, Any], results: Mapping[str, Any]) -> dict[str, Any]:
    """`params` with each value that is one `$result[key][a][b]` reference replaced by that
    value of the batch's answers (docs/portal-rules.md#batch, as the portal resolves it)."""
    out = dict(params)
    for name, value in params.items():
        found = _REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if found:
            steps = re.findall(r"\[(\w+)\]", found[2])
            out[name] = dig(results.get(found[1]), steps)
    return out

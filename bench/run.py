"""Requests of plans and applies beside the floor derived from the portal's data:
`python -m bench.run` (from the repository root; `--no-record` to only print, `--diff` to add
the diff's CPU at L1 and L10).

Measured in one process, against sandboxes with the portal's rate limit on and a virtual clock
(rate-limited seconds cost no wall time): the HTTP requests of each step beside its floor
(bench/floor.py), the plan's own estimate and a naive client (one request per call); reads of
L1 over HTTP on 127.0.0.1 beside fast_bitrix24. bench/wait.py times what a user waits for.
See bench/portal.py for what the portals hold and docs/benchmarks.md for the definitions.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.diffcpu import DiffCpu, desired_of, scenario_cpu_alone, unlimited_live
from bench.floor import Floor, apply_floor, change_floor, read_floor
from bench.measure import LIMIT, Portal, Recorded, Stopwatch, limited_seconds
from bench.peers import NOTES, engine_over_http, fast_bitrix24_over_http, naive_read, served
from bench.portal import L1, change_tenth, fill, tenth_fields
from provisioner import engine
from provisioner.engine.live import read_languages
from provisioner.kinds import KINDS
from provisioner.sandbox.store import Store

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


@dataclass
class Row:
    """One line of the table: requests and rate-limited seconds beside the floor's."""

    step: str
    floor: int
    ours: int
    ours_s: float
    floor_s: float
    refused: int = 0
    naive: int | None = None
    naive_s: float | None = None
    estimate: int | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else 1.0


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    http: list[tuple[str, Any]] = field(default_factory=list)
    diff: DiffCpu | None = None
    facts: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)


# ---- steps ---------------------------------------------------------------------------------

def measured_plan(portal: Portal, desired: Any) -> tuple[Any, list[Recorded], Any]:
    portal.idle()
    client = portal.client()
    watch = Stopwatch(portal)
    # the plan's read, as the workspace does it: labels in the languages the config names
    languages = read_languages(desired.parts)
    plan = engine.make_plan(desired, engine.read_live(client, languages=languages))
    return plan, list(client.calls), watch.stop()


def measured_apply(portal: Portal, plan: Any) -> tuple[int, Any]:
    """Apply right after its plan, as `provision apply --auto-approve` does: the bucket keeps
    the plan's reads, and the plan's read is the fresh read (no re-read)."""
    client = portal.client()
    watch = Stopwatch(portal)
    engine.apply(plan, client, allow_destroy=True, reread=False)
    # the calls sent (the report also names, done, what the portal held as wanted: no call)
    return len(client.calls), watch.stop()


def converged(portal: Portal, desired: Any) -> bool:
    plan, _, _ = measured_plan(portal, desired)
    return not plan.has_actionable


def estimate_of(plan: Any) -> int | None:
    """The plan's own estimate of its apply's requests (the `REST cost` line)."""
    cost = getattr(plan, "cost", None)
    return None if cost is None else int(cost.apply_requests)


def plan_row(step: str, portal: Portal, desired: Any, floor: Floor, res: Results
             ) -> tuple[Any, list[Recorded]]:
    refused = portal.refused
    plan, calls, span = measured_plan(portal, desired)
    portal.idle()
    naive = portal.client()
    watch = Stopwatch(portal)
    naive_read(naive, calls)
    nspan = watch.stop()
    res.rows.append(Row(step, floor.requests, span.requests, span.seconds,
                        limited_seconds(floor.requests), portal.refused - refused,
                        nspan.requests, nspan.seconds, note=f"{floor.calls} read calls"))
    return plan, calls


def apply_row(step: str, portal: Portal, plan: Any, floor: Floor, before: int,
              res: Results) -> None:
    """`before`: the floor of the reads the apply follows (they fill the bucket first)."""
    refused = portal.refused
    writes, span = measured_apply(portal, plan)
    floor_s = limited_seconds(floor.requests, LIMIT, before)
    res.rows.append(Row(step, floor.requests, span.requests, span.seconds, floor_s,
                        portal.refused - refused, writes, limited_seconds(writes, LIMIT),
                        estimate_of(plan), f"{floor.calls} write calls at the floor, "
                                           f"{writes} sent"))


def apply_from_empty(label: str, store: Store, desired: Any, res: Results) -> None:
    empty = Portal.of()
    reads = read_floor(Store.new())
    plan_row(f"plan from empty ({label})", empty, desired, reads, res)
    plan, _, _ = measured_plan(empty, desired)  # again: the apply follows its own plan's reads
    apply_row(f"apply from empty ({label})", empty, plan, apply_floor(store), reads.requests,
              res)
    res.checks.append((f"apply from empty converges ({label})", converged(empty, desired)))


def scenario_l1(res: Results) -> tuple[Store, Any, list[Recorded]]:
    store = fill(Store.new(), L1)
    desired = desired_of(unlimited_live(store))
    plan, calls = plan_row("no-op plan (L1)", Portal.of(store), desired, read_floor(store), res)
    res.checks.append(("no-op plan has no changes (L1)", not plan.changes))
    apply_from_empty("L1", store, desired, res)
    return store, desired, calls


def scenario_change(store: Store, desired: Any, res: Results) -> None:
    relabelled = tenth_fields(store)
    touched = change_tenth(store)
    portal = Portal.of(store)
    plan, _ = plan_row("10% change: plan", portal, desired, read_floor(store), res)
    res.facts.append(f"10% change: {touched} objects edited on the portal, "
                     f"{len(plan.changes)} changes planned")
    # in ru and en: the bench's configs name no other language (as read_floor above)
    floor = change_floor(store, touched - len(relabelled), relabelled)
    res.facts.append(f"10% change: the apply's floor: {floor.text()}")
    plan, _, _ = measured_plan(portal, desired)
    apply_row("10% change: apply", portal, plan, floor, read_floor(store).requests, res)
    res.checks.append(("10% change converges", converged(portal, desired)))


def scenario_large(res: Results, plan_at: int = 10, apply_at: int = 4) -> None:
    big = fill(Store.new(), L1.times(plan_at))
    plan, _ = plan_row(f"no-op plan (L{plan_at})", Portal.of(big),
                       desired_of(unlimited_live(big)), read_floor(big), res)
    res.checks.append((f"no-op plan has no changes (L{plan_at})", not plan.changes))
    del big, plan
    store = fill(Store.new(), L1.times(apply_at))
    apply_from_empty(f"L{apply_at}", store, desired_of(unlimited_live(store)), res)


def scenario_http(store: Store, calls: list[Recorded], res: Results) -> None:
    with served(store) as sandbox:
        ours, peer = None, None
        for _ in range(5):  # alternate, so that both see the same machine load
            run = engine_over_http(sandbox)
            ours = run if ours is None or run.wall < ours.wall else ours
            try:
                run = fast_bitrix24_over_http(sandbox, calls)
            except ImportError:
                continue
            peer = run if peer is None or run.wall < peer.wall else peer
    assert ours is not None
    res.http.append(("provision", ours))
    res.http.append(("fast_bitrix24", peer))
    res.facts.extend(sorted(NOTES))


def judge(res: Results) -> None:
    for row in res.rows:
        name = f"{row.step}: the floor ({row.floor}) is not above the requests sent ({row.ours})"
        res.checks.append((name, row.floor <= row.ours))
        res.checks.append((f"{row.step}: no QUERY_LIMIT_EXCEEDED", row.refused == 0))
    targets = {"no-op plan (L10)": 20, "apply from empty (L1)": 40}  # issue 18's
    for row in res.rows:
        if row.step in targets:
            name = f"{row.step}: at most {targets[row.step]} requests ({row.ours} now)"
            res.targets.append((name, row.ours <= targets[row.step]))


# ---- output --------------------------------------------------------------------------------

def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def table(res: Results) -> str:
    head = ("| step | floor (requests) | provision (requests) | × floor | rate-limited s "
            "(floor) | provision rate-limited s | plan's estimate | naive (requests) | naive "
            "rate-limited s | note |")
    lines = [head, "|" + "---|" * 10]
    for r in res.rows:
        lines.append(f"| {r.step} | {r.floor} | {r.ours} | {r.ratio:.2f} | {_s(r.floor_s)} | "
                     f"{_s(r.ours_s)} | {'' if r.estimate is None else '~' + str(r.estimate)} "
                     f"| {'' if r.naive is None else r.naive} | {_s(r.naive_s)} | {r.note} |")
    http = ("| reads of L1 over HTTP (127.0.0.1), same lists | requests | rate-limited s | "
            "wall s (best of 5) |")
    lines += ["", http, "|---|---|---|---|"]
    for name, run in res.http:
        lines.append(f"| {name} | not installed | | |" if run is None else
                     f"| {name} | {run.requests} | {run.limited:.1f} | {run.wall:.3f} |")
    if res.diff is not None:
        lines += ["", diff_table(res.diff)]
    return "\n".join(lines)


def diff_table(diff: DiffCpu) -> str:
    cpu, calls = diff.cpu, diff.calls
    head = ("| diff (make_plan) | CPU s, caches emptied before each run | CPU s, caches as left "
            "| Python function calls |")
    return "\n".join([
        head, "|---|---|---|---|",
        f"| L1 | {cpu['L1']:.4f} | {cpu['L1 warm']:.4f} | {calls['L1']:,.0f} |",
        f"| L10 | {cpu['L10']:.4f} | {cpu['L10 warm']:.4f} | {calls['L10']:,.0f} |",
        f"| L10 / L1 | {cpu['ratio']:.2f}× | {cpu['ratio warm']:.2f}× | {calls['ratio']:.2f}× |",
    ])


def report(res: Results) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    kinds = ", ".join(k.name for k in KINDS)
    machine = (f"Python {platform.python_version()} on {platform.machine()}, "
               f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; kinds "
               f"registered: {kinds}.")
    facts = [f"- {f}" for f in res.facts]
    checks = [f"- [{'x' if ok else ' '}] {name}" for name, ok in res.checks]
    targets = [f"- [{'x' if ok else ' '}] {name}" for name, ok in res.targets]
    aims = "Targets of issue 18 (the engine's work, not checked):"
    return "\n".join([f"### Run of {when}", "", machine, "", table(res), "", *facts, "",
                      "Checks:", *checks, "", aims, *targets])


def record(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="add the diff's CPU (minutes)")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)
    res = Results()
    store, desired, calls = scenario_l1(res)
    scenario_http(store, calls, res)
    scenario_change(store, desired, res)
    scenario_large(res)
    if args.diff:
        res.diff = DiffCpu()
        scenario_cpu_alone(10, res.diff)
        res.facts.extend(res.diff.facts)
        res.checks.extend(res.diff.checks)
    judge(res)
    text = report(res)
    print(text)
    if not args.no_record:
        record(text)
    return 0 if all(ok for _, ok in res.checks) else 1


if __name__ == "__main__":
    sys.exit(main())

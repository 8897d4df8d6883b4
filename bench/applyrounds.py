"""Where an apply's requests go: `python -m bench.applyrounds [--sizes 1,4]` (from the
repository root). Not a test, not recorded: it prints.

For each size, the apply from empty of the portal's export (as `bench.run` makes it), without the
rate limit: per round of the apply, its batches (calls in each, so part-filled ones show) and the
calls per method; then the calls per method over the whole apply beside the floor's
(bench/floor.py `apply_floor`). The "why" of each call is in its label: the reads of an apply
(twin checks, stages read back) are named apart from the writes.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.diffcpu import desired_of, unlimited_live
from bench.floor import apply_floor
from bench.portal import L1, fill
from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.engine import applier
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store


@dataclass
class Round:
    number: int
    batches: list[int] = field(default_factory=list)  # calls per batch request
    methods: Counter[str] = field(default_factory=Counter)
    held: int = 0  # calls not sent (the portal holds what they name as wanted)


@dataclass
class Breakdown:
    rounds: list[Round] = field(default_factory=list)
    requests: int = 0  # HTTP requests of the whole apply (twin undos included)

    def text(self, floor: Any) -> str:
        lines = ["| round | requests | calls per batch | calls by method |", "|---|---|---|---|"]
        for r in self.rounds:
            fill_ = ", ".join(str(n) for n in r.batches)
            methods = ", ".join(f"{m} {n}" for m, n in r.methods.most_common())
            if r.held:
                methods += f"; held (not sent) {r.held}"
            lines.append(f"| {r.number} | {len(r.batches)} | {fill_} | {methods} |")
        total: Counter[str] = Counter()
        for r in self.rounds:
            total.update(r.methods)
        calls = sum(total.values())
        lines += ["", f"{self.requests} requests, {calls} calls; floor {floor.requests} "
                  f"requests, {floor.calls} calls", "",
                  "| method | calls sent | floor |", "|---|---|---|"]
        at_floor: Counter[str] = Counter()
        for line in floor.lines:
            at_floor[line.method] += line.calls
        for method in sorted(set(total) | set(at_floor)):
            lines.append(f"| {method} | {total[method]} | {at_floor[method]} |")
        return "\n".join(lines)


def recorded_apply(plan: Any, client: Any) -> Breakdown:
    """Apply `plan`, recording each round's batches as `applier._execute` sends them."""
    out = Breakdown()
    original = applier._execute

    class Counting:
        def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:
            if out.rounds:
                out.rounds[-1].batches.append(len(calls))
                out.rounds[-1].methods.update(m for m, _ in calls.values())
            return client.batch(calls, halt=halt, rows=rows)

    def execute(client_: Any, calls: list[Any], round_no: int, *args: Any,
                **kwargs: Any) -> Any:
        out.rounds.append(Round(round_no, held=sum(c.method == "held" for c in calls)))
        return original(client_, calls, round_no, *args, **kwargs)

    before = client.stats.requests
    applier._execute = execute  # type: ignore[assignment]
    try:
        engine.apply(plan, Counting(), allow_destroy=True, reread=False)
    finally:
        applier._execute = original
    out.requests = client.stats.requests - before
    return out


def breakdown(size: int) -> str:
    store = fill(Store.new(), L1.times(size))
    desired = desired_of(unlimited_live(store))
    sandbox = Sandbox(MemoryStores(Store.new()))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited())
    plan = engine.make_plan(desired, engine.read_live(client))
    rounds = recorded_apply(plan, client)
    again = engine.make_plan(desired, engine.read_live(client))
    converged = "converged" if not again.has_actionable else "NOT converged"
    estimate = getattr(getattr(plan, "cost", None), "apply_requests", None)
    return (f"### L{size}: apply from empty ({converged}; the plan's estimate ~{estimate})\n\n"
            + rounds.text(apply_floor(store)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4", help="portal sizes, comma-separated")
    args = parser.parse_args(argv)
    for size in (int(s) for s in args.sizes.split(",") if s):
        print(breakdown(size))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

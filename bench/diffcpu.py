"""CPU of the diff (make_plan) at L1 and a larger portal, in new interpreters: `bench.run --diff`.

The diff is about 3% of a plan's CPU (bench/wait.py times the whole command); this step keeps its
growth in check: linear work, and CPU within (scale + 1)x of L1's.
"""

from __future__ import annotations

import concurrent.futures
import cProfile
import functools
import gc
import math
import multiprocessing
import pstats
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.portal import L1, change_tenth, fill
from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store


@dataclass
class DiffCpu:
    cpu: dict[str, float] = field(default_factory=dict)
    calls: dict[str, float] = field(default_factory=dict)
    facts: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)


def desired_of(live: Any) -> Any:
    """The desired state that matches `live` exactly: its export, loaded back."""
    with tempfile.TemporaryDirectory() as tmp:
        engine.export(live, tmp)
        return engine.load_desired(tmp)


def unlimited_live(store: Store) -> Any:
    sandbox = Sandbox(MemoryStores(store))
    return engine.read_live(BitrixClient.from_webhook(sandbox.webhook_url,
                                                      session=sandbox.session(),
                                                      rate=RateLimit.unlimited()))


def cpu_of(fns: dict[str, Callable[[], Any]], number: dict[str, int], rounds: int = 10,
           evict: Callable[[], None] | None = None) -> dict[str, float]:
    """CPU seconds of one run of each function: the best of `rounds` samples, a sample being
    `number[name]` runs divided by `number[name]` (as `timeit` does), so that every sample of
    every function spans about the same time and meets the same machine noise; samples of the
    functions interleave, so that all see the same load. `evict`, when given, runs before each
    run, untimed. Objects made before (the sandbox stores, the portals' desired and live
    states) are frozen out of the garbage collector's reach; the collector runs as in the CLI
    during each run (make_plan pauses it itself)."""
    gc.collect()
    gc.freeze()
    try:
        best = dict.fromkeys(fns, math.inf)
        for _ in range(rounds):
            for name, fn in fns.items():
                spent = 0.0
                for _ in range(number[name]):
                    if evict is not None:
                        evict()
                    start = time.process_time()
                    fn()
                    spent += time.process_time() - start
                best[name] = min(best[name], spent / number[name])
        return best
    finally:
        gc.unfreeze()


class Evictor:
    """Writes a buffer larger than any processor cache, so that what the next run reads comes
    from memory, as in `provision plan`, which plans once, after reading the portal."""

    SIZE = 128 * 1024 * 1024  # four times a 32 MiB L3
    CHUNK = 1024 * 1024

    def __init__(self) -> None:
        self.buffer = bytearray(self.SIZE)
        self.fill = bytes(self.CHUNK)

    def __call__(self) -> None:
        for at in range(0, self.SIZE, self.CHUNK):
            self.buffer[at:at + self.CHUNK] = self.fill


def calls_of(fn: Callable[[], Any]) -> int:
    """Python function calls made by `fn` (a machine-independent measure of work)."""
    profile = cProfile.Profile()
    profile.runcall(fn)
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def scenario_cpu(scale: int, res: DiffCpu) -> None:
    diffs: dict[str, Callable[[], Any]] = {}
    for label, size in (("L1", L1), (f"L{scale}", L1.times(scale))):
        store = fill(Store.new(), size)
        desired = desired_of(unlimited_live(store))
        change_tenth(store)  # a 10% change on the live side, so the diff also builds changes
        live = unlimited_live(store)
        del store
        diffs[label] = functools.partial(engine.make_plan, desired, live)
        res.calls[label] = calls_of(diffs[label])
        res.facts.append(f"{label}: {size.objects()} objects generated")
    # A sample of L1 is `scale` diffs: as long as one diff of L{scale}. Measured twice: with
    # the caches as the previous run left them, where L1's objects stay in the processor's
    # cache from one run to the next and L{scale}'s cannot; and with the caches emptied
    # before each run, for both sizes alike: the like-for-like comparison of the two sizes.
    big, number = f"L{scale}", {"L1": scale, f"L{scale}": 1}
    warm = cpu_of(diffs, number, rounds=30)
    cold = cpu_of(diffs, number, rounds=30, evict=Evictor())
    res.cpu.update({"L1": cold["L1"], big: cold[big], "ratio": cold[big] / cold["L1"],
                    "L1 warm": warm["L1"], f"{big} warm": warm[big],
                    "ratio warm": warm[big] / warm["L1"]})
    res.calls["ratio"] = res.calls[big] / res.calls["L1"]


INTERPRETERS = 3  # the CPU step's runs, each in an interpreter of its own


def scenario_cpu_alone(scale: int, res: DiffCpu, runs: int = INTERPRETERS) -> None:
    """`scenario_cpu` in new interpreters, as `provision plan` runs: the heap the scenarios
    before it left (servers, 5,000 applied changes, fast_bitrix24) does not shape its own.
    The ratio of one interpreter depends on where its objects happen to lie in memory (one
    run's layout against another's moved it from 9.2x to 11.5x on the same code): the step
    runs in `runs` interpreters, one after the other, and the one with the median ratio (caches
    emptied) is reported and checked; every interpreter's ratios are printed."""
    context = multiprocessing.get_context("spawn")
    alone: list[DiffCpu] = []
    for _ in range(runs):
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            alone.append(pool.submit(_cpu_results, scale).result())
    ranked = sorted(alone, key=lambda r: r.cpu["ratio"])
    median = ranked[len(ranked) // 2]
    res.cpu.update(median.cpu)
    res.calls.update(median.calls)
    res.facts.extend(median.facts)
    res.facts.append(
        f"diff CPU L{scale} / L1 in each of {runs} interpreters, caches emptied: "
        + ", ".join(f"{r.cpu['ratio']:.2f}×" for r in alone) + "; caches as left: "
        + ", ".join(f"{r.cpu['ratio warm']:.2f}×" for r in alone))
    check = (f"diff CPU at L{scale} within {scale + 1}x of L1 (both from memory; median of "
             f"{runs} interpreters)")
    res.checks.append((check, res.cpu["ratio"] <= scale + 1))
    res.checks.append((f"diff work (function calls) at L{scale} within {scale + 1}x of L1",
                       res.calls["ratio"] <= scale + 1))


def _cpu_results(scale: int) -> DiffCpu:
    res = DiffCpu()
    scenario_cpu(scale, res)
    return res

"""Where a no-op plan's client CPU goes, phase by phase, at L1/L10/L100 (sandbox in memory).

    python -m bench.planphases              # L1 and L10
    python -m bench.planphases --sizes 10 --runs 3
    python -m bench.planphases --sizes 10,100 --cli   # `provision plan` as a process instead
    python -m bench.planphases --sizes 100 --cli --keep /tmp/portals --product ../main

The portal is made by bench/portal.py and exported as the desired state; the plan then runs in
this process as `provision plan` runs it (engine/live.py's steps, one by one, the collector
paused as read_live pauses it), against the sandbox served in memory on a thread of its own
(the client's exchange thread). Each phase is timed with `time.thread_time` of this thread, so
the sandbox's own CPU is left out; `read` is the client's part of reading the portal (decoding
the answers, de-duplicating the rows); `live` and `fingerprint` are made while it reads
(engine/live.py `LiveStep`) and counted apart; `provision plan` makes no fingerprint without
`--json` (nor does this bench: its column reads 0.00). Not a test: it prints a table.

`--cli --reference DIR` runs DIR's provision (another checkout: the issue's build, the last
release) and this one in turn on the same portal, and prints each pair's CPU ratio and their
median: these machines drift by a third within an hour, so only a ratio of builds run in turn
compares across sessions (docs/benchmarks.md, "The teardown skipped, and the CPU targets judged
on the issue's own machine"). Each pair is given for the whole process and for the command
alone (its CPU from its first step to its exit functions, as the issue measured a plan's
phases). `--lift-file-limit` lets the issue's build (5c1f354) read an L100 config past its 5 MB
file limit, as the issue did to measure it, and `--our-sandbox` serves both builds with this
checkout's sandbox (served by its own at L100, 5c1f354's client broke off its reads): the ratio
times the issue's own figure (89.7 s at L100, 5.35 s at L10) is this build on the issue's
machine (docs/benchmarks.md, "The L100 target judged against the issue's own build").

`--cli` runs `provision plan CONFIG --webhook-url URL` as a process instead, against the
portal served from memory by bench/served.py (the portal's rate limit on), and reports the
command's CPU seconds (user + sys) and peak memory (`wait4`), its exit code and the requests the
sandbox received. The export that makes CONFIG reads labels in ru and en only (the benchmark
portals have no others, and an L100 export in all 21 languages reads about 1.3 GB).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.portal import L1, fill
from bench.waiting import Cli, Served, write_old_state
from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.engine import live as lv
from provisioner.engine.gcpause import gc_paused
from provisioner.engine.reader import Reader
from provisioner.kinds import KINDS
from provisioner.model import PlanOptions
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store

PHASES = ("load", "read", "live", "fingerprint", "diff", "text")


def _timed(times: dict[str, float], name: str, fn: Callable[[], Any]) -> Any:
    started = time.thread_time()
    out = fn()
    times[name] = time.thread_time() - started
    return out


def plan_once(config: Path, client: BitrixClient) -> tuple[dict[str, float], int]:
    times: dict[str, float] = {}
    desired = _timed(times, "load", lambda: engine.load_desired(config))
    with gc_paused():
        reader = Reader(client)
        languages = lv.read_languages(desired.parts)  # as the workspace reads for a plan
        # as `provision plan` reads (its text shows no live fingerprint: only --json makes one)
        step = lv.LiveStep(KINDS, languages, fingerprint=False)
        # the live parts are built and the fingerprint made while the portal is read
        # (engine/live.py LiveStep): their CPU is counted apart from the read's
        _timed(times, "read", lambda: lv.read_into(reader, step))
        live = _timed(times, "live", step.finish)
    times["live"] += step.spent["live"]
    times["fingerprint"] = step.spent["fingerprint"]
    times["read"] -= step.spent["live"] + step.spent["fingerprint"]
    with gc_paused():  # as the workspace plans
        plan = _timed(times, "diff", lambda: engine.make_plan(desired, live, PlanOptions()))
    _timed(times, "text", lambda: engine.render_text(plan))
    return times, reader.requests


def measure(k: int, runs: int) -> list[str]:
    store = fill(Store.new(), L1.times(k))
    sandbox = Sandbox(MemoryStores(store))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited())
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as tmp:
        config = Path(tmp) / f"L{k}"
        engine.export(engine.read_live(client, languages={}), str(config))
        for _ in range(runs):
            times, requests = plan_once(config, client)
            cells = " | ".join(f"{times[p]:.2f}" for p in PHASES)
            lines.append(f"| L{k} | {requests} | {cells} | {sum(times.values()):.2f} | "
                         f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} |")
    return lines


def measure_cli(k: int, runs: int, keep: Path | None = None,
                product: Path | None = None) -> list[str]:
    """`provision plan` of L<k>'s export, as a process, against L<k> served from memory.
    `keep`: a directory where the export and the portal's state are made once and found again
    (L100's take minutes and GBs to make); `product`: another checkout to run (its
    `provisioner` first on the path, as bench.wait's --product)."""
    lines = []
    with _portal(k, keep) as (work, state):
        for _ in range(runs):
            with Served(product, state, memory=True) as server:
                run = Cli(product, work).run("plan", f"L{k}", "--webhook-url", server.url)
            note = "" if run.code == 0 else run.first_error()
            lines.append(f"| L{k} | {server.requests} | {run.cpu:.2f} | {run.peak_mb:,.0f} | "
                         f"{run.wall:.1f} | {run.code} {note} |")
    return lines


def measure_pairs(k: int, runs: int, reference: Path, keep: Path | None = None,
                  product: Path | None = None, lift: bool = False,
                  our_sandbox: bool = False) -> list[str]:
    """`provision plan` of L<k>'s export by `reference`'s checkout and by `product`'s (default:
    this one) in turn, `runs` pairs: a line a pair with both CPUs and their ratio, for the
    whole process and for the command alone (start-up and teardown left out: what the issue
    measured), then the medians. `lift`: the reference's 5 MB file limit lifted (waiting.py);
    `our_sandbox`: both served by this checkout's sandbox (the reference's own is too slow at
    L100: 5c1f354's client broke off its reads there, broken pipes on the sandbox's side),
    else each by its own."""
    lines: list[str] = []
    whole: list[float] = []
    alone: list[float] = []
    cpus: dict[str, list[float]] = {"reference": [], "product": []}
    with _portal(k, keep) as (work, state):
        for n in range(runs):
            pair: dict[str, Cli.Run] = {}
            for name, checkout in (("reference", reference), ("product", product)):
                with Served(None if our_sandbox else checkout, state, memory=True) as server:
                    run = Cli(checkout, work, lift).run("plan", f"L{k}", "--webhook-url",
                                                        server.url)
                if run.code != 0:
                    raise SystemExit(f"L{k} {name}: exit {run.code}: {run.first_error()}")
                pair[name] = run
                cpus[name].append(run.cpu)
            ref, ours = pair["reference"], pair["product"]
            whole.append(ours.cpu / ref.cpu)
            command = _command_ratio(ref, ours)
            if command is not None:
                alone.append(command)
            lines.append(f"| L{k} | {n + 1} | {ref.cpu:.2f} | {ours.cpu:.2f} | {whole[-1]:.3f} | "
                         f"{_n(ref.command_cpu)} | {_n(ours.command_cpu)} | {_n(command, 3)} | "
                         f"{ref.peak_mb:,.0f} / {ours.peak_mb:,.0f} |")
    lines.append(f"| L{k} | median | {statistics.median(cpus['reference']):.2f} | "
                 f"{statistics.median(cpus['product']):.2f} | {_spread(whole)} | | | "
                 f"{_spread(alone)} | |")
    return lines


def _command_ratio(ref: Cli.Run, ours: Cli.Run) -> float | None:
    if ref.command_cpu is None or ours.command_cpu is None or ref.command_cpu <= 0:
        return None
    return ours.command_cpu / ref.command_cpu


def _n(value: float | None, places: int = 2) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _spread(ratios: list[float]) -> str:
    if not ratios:
        return ""
    return f"**{statistics.median(ratios):.3f}** ({min(ratios):.3f}-{max(ratios):.3f})"


@contextmanager
def _portal(k: int, keep: Path | None) -> Iterator[tuple[Path, Path]]:
    """The directory holding L<k>'s export and the state file of its portal: `keep`, made
    there once and found again, else a temporary one."""
    with tempfile.TemporaryDirectory(prefix="bench-phases-") as tmp:
        work = keep or Path(tmp)
        state = work / f"state-L{k}.json"
        if not state.exists() or not (work / f"L{k}").is_dir():
            work.mkdir(parents=True, exist_ok=True)
            _make(k, work, state)
        yield work, state


def _make(k: int, work: Path, state: Path) -> None:
    """L<k>'s export in work/L<k> and its portal's state in `state`."""
    store = fill(Store.new(), L1.times(k))
    sandbox = Sandbox(MemoryStores(store))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited())
    engine.export(engine.read_live(client, languages={}), str(work / f"L{k}"))
    write_old_state(store, state)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="L sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--cli", action="store_true", help="`provision plan` as a process")
    parser.add_argument("--keep", type=Path, help="--cli: make the portals here once, reuse them")
    parser.add_argument("--product", type=Path, help="--cli: run this checkout's provision")
    parser.add_argument("--reference", type=Path,
                        help="--cli: run this checkout's provision and ours in turn, and "
                        "print the CPU ratios")
    parser.add_argument("--lift-file-limit", action="store_true",
                        help="--reference: lift the 5 MB file limit of a build that has it "
                        "(5c1f354, the issue's: an L100 fields.toml is 30 MB)")
    parser.add_argument("--our-sandbox", action="store_true",
                        help="--reference: serve both builds with this checkout's sandbox")
    args = parser.parse_args(argv)
    if args.cli and args.reference is not None:
        print("| portal | pair | reference CPU s | CPU s | ratio | reference command CPU s | "
              "command CPU s | command ratio | peak MB (reference / ours) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for k in (int(x) for x in args.sizes.split(",") if x.strip()):
            for line in measure_pairs(k, args.runs, args.reference, args.keep, args.product,
                                      args.lift_file_limit, args.our_sandbox):
                print(line, flush=True)
        return
    if args.cli:
        print("| portal | requests | CLI CPU s | CLI peak MB | wall s | exit |")
        print("|---|---|---|---|---|---|")
        for k in (int(x) for x in args.sizes.split(",") if x.strip()):
            for line in measure_cli(k, args.runs, args.keep, args.product):
                print(line, flush=True)
        return
    print(f"| portal | requests | {' | '.join(PHASES)} | client CPU s | process peak MB |")
    print("|" + "---|" * (len(PHASES) + 4))
    for k in (int(x) for x in args.sizes.split(",") if x.strip()):
        for line in measure(k, args.runs):
            print(line, flush=True)


if __name__ == "__main__":
    main()

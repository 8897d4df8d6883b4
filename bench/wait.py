"""What a user waits for: `provision plan` and `provision apply` end to end, as processes, against
a sandbox served over HTTP with the portal's rate limit on, beside the floor and fast_bitrix24.

    python -m bench.wait                                  # everything (about 20 minutes)
    python -m bench.wait --plans 1 --applies 4 --served file --no-record
    python -m bench.wait --product /tmp/old --no-record   # the same, run by an older checkout

For each portal size: a no-op plan of the portal against its own export, and `apply
--auto-approve` of that export to an empty portal (then a plan that must find nothing to do).
Served two ways: by `provision sandbox serve` (its state file) and from memory, both in a
process of their own (bench/served.py). Measured: wall seconds, the CLI's CPU seconds and peak
memory, HTTP requests, QUERY_LIMIT_EXCEEDED answers, the sandbox's own CPU. Floors are derived
from the portal's data (bench/floor.py). Not a test: it prints a table and records it in
docs/benchmarks.md (`--no-record` to only print).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.floor import apply_floor, read_floor
from bench.portal import L1, fill
from bench.waiting import (
    Cli,
    Counts,
    Served,
    export_config,
    fast_bitrix24_reads,
    limited_seconds,
    settle,
    write_old_state,
)
from provisioner.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:wait:start -->", "<!-- bench:wait:end -->"


@dataclass
class Row:
    """One line of the table."""

    portal: str
    step: str
    served: str
    requests: int | None = None
    floor: int | None = None
    refused: str = ""
    wall: float | None = None
    floor_wall: float | None = None
    own_wall: float | None = None  # rate-limited seconds of the requests it did send
    cpu: float | None = None
    peak_mb: float | None = None
    sandbox_cpu: float | None = None
    note: str = ""


def _n(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _met(check: Cli.Run, counted: Counts) -> str:
    """The check's own QUERY_LIMIT_EXCEEDED, said where there were any (never counted as the
    apply's)."""
    refused = counted.refused or 0
    if not (check.limit_errors or refused):
        return ""
    return f"its check met {check.limit_errors} QUERY_LIMIT_EXCEEDED ({refused} refused)"


def table(rows: Sequence[Row]) -> str:
    head = ("| portal | step | served | requests (floor) | QUERY_LIMIT_EXCEEDED | wall s | floor "
            "wall s | its requests' rate-limited s | CLI CPU s | CLI peak MB | sandbox CPU s "
            "| note |")
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        requests = "" if r.requests is None else f"{r.requests}" + (
            "" if r.floor is None else f" ({r.floor})")
        lines.append(f"| {r.portal} | {r.step} | {r.served} | {requests} | {r.refused} | "
                     f"{_n(r.wall)} | {_n(r.floor_wall)} | {_n(r.own_wall)} | {_n(r.cpu, 2)} | "
                     f"{_n(r.peak_mb, 0)} | {_n(r.sandbox_cpu)} | {r.note} |")
    return "\n".join(lines)


class Bench:
    """One run: where the product is, the configs and states made so far."""

    def __init__(self, product: Path | None, work: Path, servings: Sequence[str]) -> None:
        self.cli = Cli(product, work)
        self.product = product
        self.work = work
        self.servings = servings
        self.rows: list[Row] = []

    def portal(self, k: int) -> tuple[Store, Path]:
        """The L<k> portal: its store and its export (the desired state), as a path relative
        to the directory the CLI runs in (so that its messages name it shortly)."""
        store = fill(Store.new(), L1.times(k))
        export_config(store, self.work / f"L{k}")
        return store, Path(f"L{k}")

    def plan(self, k: int, store: Store, config: Path) -> None:
        floor = read_floor(store).requests
        state = write_old_state(store, self.work / f"L{k}-state.json")
        for served in self.servings:
            with self._served(state, served) as server:
                run = self.cli.run("plan", str(config), "--webhook-url", server.url)
            self.rows.append(self._row(f"L{k}", "no-op plan", served, run, server, floor,
                                       server.requests))
        peer = fast_bitrix24_reads(store)
        note = ("not installed" if peer is None else f"failed: {peer.failure}" if peer.failure
                else "the same lists, read in this process")
        sent = peer.requests if peer else None
        self.rows.append(Row(f"L{k}", "reads by fast_bitrix24", "memory", sent, floor,
                             wall=peer.wall if peer else None, floor_wall=limited_seconds(floor),
                             own_wall=limited_seconds(sent) if sent is not None else None,
                             note=note))

    def apply(self, k: int, store: Store, config: Path) -> None:
        floor = read_floor(Store.new()).requests + apply_floor(store).requests
        for served in self.servings:
            state = self.work / f"empty-{served}-{k}.json"
            state.unlink(missing_ok=True)
            with self._served(state, served) as server:
                run = self.cli.run("apply", str(config), "--auto-approve", "--webhook-url",
                                   server.url)
                applied = server.counts()  # the apply's own: the check below is not its
                settle()
                check = self.cli.run("plan", str(config), "--webhook-url", server.url,
                                     "--detailed-exitcode")
            row = self._row(f"L{k}", "apply from empty", served, run, applied, floor,
                            applied.requests)
            row.sandbox_cpu = server.cpu
            converged = "converged" if check.code == 0 else f"NOT converged (exit {check.code})"
            row.note = ", ".join(x for x in (row.note, converged, _met(check, server.final.since(
                applied))) if x)
            self.rows.append(row)

    @staticmethod
    def _row(portal: str, step: str, served: str, run: Cli.Run, server: Served | Counts,
             floor: int, requests: int | None) -> Row:
        refused = f"{run.limit_errors}" + ("" if server.refused is None
                                           else f" ({server.refused} refused)")
        note = "" if run.code == 0 else f"exit {run.code}: {run.first_error()}"
        return Row(portal, step, served, requests, floor, refused, run.wall,
                   limited_seconds(floor), limited_seconds(requests or 0), run.cpu,
                   run.peak_mb, server.cpu, note)

    @contextmanager
    def _served(self, state: Path, served: str) -> Iterator[Served]:
        copy = state
        if served == "file" and state.exists():  # a copy: the served file changes
            copy = state.with_name(f"{state.stem}-served{state.suffix}")
            shutil.copy(state, copy)
        with Served(self.product, copy, memory=served == "memory") as server:
            yield server

    def unplannable(self, k: int, config: Path) -> bool:
        """L<k> cannot be loaded by the CLI: record why, instead of failing."""
        run = self.cli.run("validate", str(config))
        if run.code != 0:
            self.not_plannable(k, run.first_error())
        return run.code != 0

    def not_plannable(self, k: int, reason: str) -> None:
        for step in ("no-op plan", "apply from empty"):
            self.rows.append(Row(f"L{k}", step, "", note=f"not plannable: {reason}"))


def report(bench: Bench, started: float, load: tuple[float, float]) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    product = str(bench.product) if bench.product else "this checkout"
    machine = (f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} "
               f"CPUs; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end; "
               f"{time.perf_counter() - started:.0f} s in all; product: {product}.")
    return "\n".join([f"### Run of {when}", "", machine, "", table(bench.rows)])


def record(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=sizes, default=[1, 10, 100], help="L sizes to plan")
    parser.add_argument("--applies", type=sizes, default=[1, 4, 10], help="L sizes to apply")
    parser.add_argument("--served", default="file,memory", help="file, memory or both")
    parser.add_argument("--product", type=Path, help="run the CLI and sandbox of this checkout")
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args(argv)
    started, load = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-wait-") as tmp:
        bench = Bench(args.product, Path(tmp), args.served.split(","))
        for k in sorted(set(args.plans) | set(args.applies)):
            try:
                store, config = bench.portal(k)
            except Exception as exc:
                bench.not_plannable(k, f"its export failed: {type(exc).__name__}: {exc}")
                continue
            if bench.unplannable(k, config):
                continue
            if k in args.plans:
                bench.plan(k, store, config)
            if k in args.applies:
                bench.apply(k, store, config)
            del store
            print(table(bench.rows), flush=True)
    text = report(bench, started, (load, os.getloadavg()[0]))
    print(text)
    if not args.no_record:
        record(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tools of bench/wait.py: the CLI run as a user runs it (a process: wall, CPU, peak memory), the
sandbox served in a process of its own, the portal's export, and fast_bitrix24's reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from bench.measure import Portal
from bench.peers import fast_bitrix24_over_http, served
from provisioner import engine
from provisioner.client import BitrixClient, RateLimit
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store

ROOT = Path(__file__).resolve().parent.parent
BURST, PER_SECOND = 50, 2.0  # the cloud's default plans (docs/portal-rules.md#limits)


def limited_seconds(requests: int) -> float:
    """Seconds `requests` back-to-back requests wait under the portal's limit (from an idle
    bucket): the rate-limit floor of that many requests."""
    return max(0, requests - BURST) / PER_SECOND


def environment(product: Path | None) -> dict[str, str]:
    """The environment that runs `product`'s provision (default: this checkout)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if product is not None:
        env["PYTHONPATH"] = str(product)
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the other checkout as it is
    return env


class Cli:
    """Runs `provision ...` in a new process, as a user does, and measures it."""

    @dataclass
    class Run:
        code: int
        wall: float
        cpu: float
        peak_mb: float
        stdout: str
        stderr: str
        # The command's own CPU: from its first step (imports done) to the exit functions,
        # the interpreter's start-up and teardown left out; None where the CLI wrote none
        command_cpu: float | None = None

        @property
        def limit_errors(self) -> int:
            """QUERY_LIMIT_EXCEEDED answers the client met (it logs each retry on stderr)."""
            return self.stderr.count("QUERY_LIMIT_EXCEEDED")

        def first_error(self) -> str:
            """The error's first line, and the first problem when that line only counts
            them ("1 problem in the desired state:")."""
            lines = [line.strip() for line in self.stderr.splitlines() if line.strip()]
            if not lines:
                return "(nothing on stderr)"
            return " ".join(lines[:2]) if lines[0].endswith(":") and len(lines) > 1 else lines[0]

    def __init__(self, product: Path | None, work: Path, lift_file_limit: bool = False) -> None:
        self.env = environment(product)
        if lift_file_limit:
            self.env[LIFT_ENV] = "1"
        self.work = work

    def run(self, *args: str) -> Cli.Run:
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            started = time.perf_counter()
            peak = Path(tempfile.mkstemp(prefix="bench-peak-")[1])
            proc = subprocess.Popen(
                [sys.executable, "-c", ENTRY, *args], cwd=self.work,
                env={**self.env, PEAK_ENV: str(peak)}, stdout=out, stderr=err, text=True)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            hwm, command_cpu = _measured(peak, usage.ru_maxrss)
            return Cli.Run(proc.returncode, wall, usage.ru_utime + usage.ru_stime, hwm,
                           out.read(), err.read(), command_cpu)


# The CLI's own peak: Linux keeps in a child's ru_maxrss the resident size of the parent it was
# forked from (exec keeps the high-water mark), and this process holds the exported portal (GBs
# at L100), so wait4's figure was the bench's, not the CLI's. VmHWM in /proc/self/status is the
# running program's own, read as it exits.
# The command's CPU is written beside it (`time.process_time` at its first step and in the exit
# functions): the issue measured a plan's phases, not the interpreter's start-up, and a build
# from before cli/leave.py frees every object at exit one by one (seconds at L100).
#
# BENCH_LIFT_FILE_LIMIT: the build (5c1f354) refuses a file over 5 MB
# (`engine.loader.MAX_FILE_BYTES`, since replaced by `Limits`), an L100 fields.toml is 30 MB, and
# the issue measured its L100 plan past that limit; a build with the attribute gets it lifted.
PEAK_ENV = "BENCH_PEAK_FILE"
LIFT_ENV = "BENCH_LIFT_FILE_LIMIT"
ENTRY = """import atexit, os, time
def _peak():
    spent = time.process_time() - started
    with open("/proc/self/status") as f:
        hwm = next((l.split()[1] for l in f if l.startswith("VmHWM:")), "")
    with open(os.environ["BENCH_PEAK_FILE"], "w") as f:
        f.write(f"{hwm} {spent:.3f}")
atexit.register(_peak)
try:
    from provisioner.cli import run  # the `provision` script's entry (cli/leave.py)
except ImportError:  # a checkout from before it (--product)
    from provisioner.cli import main as run
if os.environ.get("BENCH_LIFT_FILE_LIMIT"):
    from provisioner.engine import loader
    if hasattr(loader, "MAX_FILE_BYTES"):
        loader.MAX_FILE_BYTES = 1 << 30
started = time.process_time()
run()
"""


def _measured(file: Path, maxrss_kb: int) -> tuple[float, float | None]:
    """VmHWM written by the CLI at exit, in MB (wait4's, an upper bound, where /proc is
    absent), and the command's CPU seconds (None when it wrote none)."""
    try:
        words = file.read_text().split()
    finally:
        file.unlink(missing_ok=True)
    hwm = int(words[0]) / 1024 if words and words[0].isdigit() else maxrss_kb / 1024
    return hwm, float(words[1]) if len(words) > 1 else None


@dataclass(frozen=True)
class Counts:
    """What the served sandbox counted so far: HTTP requests, those refused with
    QUERY_LIMIT_EXCEEDED (None when the sandbox served does not count them), its CPU seconds."""

    requests: int = 0
    refused: int | None = None
    cpu: float | None = None

    @classmethod
    def of(cls, line: str) -> Counts:
        counted = json.loads(line)
        return cls(counted["requests"], counted["refused"], counted["cpu"])

    def since(self, earlier: Counts) -> Counts:
        """The counts of what came after `earlier` (the CPU seconds stay the whole run's)."""
        refused = None if self.refused is None or earlier.refused is None \
            else self.refused - earlier.refused
        return Counts(self.requests - earlier.requests, refused, self.cpu)


def settle(sleep: Callable[[float], None] = time.sleep) -> float:
    """Wait until the portal's bucket, however full the command before left it, is empty again
    (BURST / PER_SECOND seconds), and return the seconds waited. A command started at once
    after a long apply is another process whose client starts with an empty bucket of its own:
    its reads, back to back, meet the apply's last requests still in the portal's bucket (one
    QUERY_LIMIT_EXCEEDED at L4: 45 there, 10 reads). A user's next command is not measured here,
    so it starts as it would later, from an empty bucket."""
    seconds = BURST / PER_SECOND
    sleep(seconds)
    return seconds


class Served:
    """bench/served.py in a process of its own, for the span of a `with` block; `counts()` asks
    for what it counted so far, and `final` holds what it counted in all."""

    def __init__(self, product: Path | None, state: Path, memory: bool) -> None:
        args = [sys.executable, str(ROOT / "bench" / "served.py"), "--state", str(state)]
        self.proc = subprocess.Popen(args + (["--memory"] if memory else []), cwd=state.parent,
                                     env=environment(product), stdout=subprocess.PIPE,
                                     text=True)
        self.final = Counts()

    @property
    def requests(self) -> int:
        return self.final.requests

    @property
    def refused(self) -> int | None:
        return self.final.refused

    @property
    def cpu(self) -> float | None:
        return self.final.cpu

    def __enter__(self) -> Self:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=60)
            raise RuntimeError(f"the sandbox did not start (exit {self.proc.returncode})")
        self.url = str(json.loads(line)["url"])
        return self

    def counts(self) -> Counts:
        """What the sandbox counted so far (it answers SIGUSR1 with a line and serves on)."""
        assert self.proc.stdout is not None
        self.proc.send_signal(signal.SIGUSR1)
        return Counts.of(self.proc.stdout.readline())

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        assert self.proc.stdout is not None
        self.proc.send_signal(signal.SIGTERM)
        line = self.proc.stdout.readline()
        self.proc.wait(timeout=60)
        if line:
            self.final = Counts.of(line)


def export_config(store: Store, where: Path) -> Path:
    """The portal's export (what `provision export` writes): the desired state of a no-op plan
    and of an apply to an empty portal."""
    sandbox = Sandbox(MemoryStores(store))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session(),
                                       rate=RateLimit.unlimited())
    engine.export(engine.read_live(client), str(where))
    return where


def write_old_state(store: Store, path: Path) -> Path:
    """The portal as one JSON document (the state file's older format, which every version of
    the sandbox reads: the current one converts it when it opens it)."""
    path.write_text(json.dumps(store.data, ensure_ascii=False), "utf-8")
    return path


@dataclass(frozen=True)
class PeerRun:
    requests: int | None
    wall: float | None
    failure: str = ""  # why it stopped, where it did (the run's other rows still count)


def fast_bitrix24_reads(store: Store) -> PeerRun | None:
    """fast_bitrix24 reading the lists a no-op plan reads, from the portal served over HTTP
    from memory in this process (bench/peers.py); None when it is not installed."""
    portal = Portal.of(store)
    client = portal.client()
    engine.read_live(client)
    with served(store) as sandbox:
        try:
            run = fast_bitrix24_over_http(sandbox, client.calls)
        except ImportError:
            return None
        except Exception as exc:  # the peer's own failure is a result, not the bench's end
            last = str(exc).splitlines()[0][:120] if str(exc) else ""
            return PeerRun(None, None, f"{type(exc).__name__}: {last}")
    return PeerRun(run.requests, run.wall)



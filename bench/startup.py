"""Start-up time of the command line: `python -m bench.startup` (from the repository root).

Not a test (nothing is timed in pytest): it runs each command in a fresh interpreter RUNS times
and prints min / median / max wall seconds and min / median CPU seconds (user + system: on a
shared machine the CPU is what compares between runs; wall time waits for the other jobs),
beside a bare interpreter (the floor no import
work can go under), and the modules `import provisioner.cli` loads with their cumulative import
time (`python -X importtime`), largest first. Commands that read a config use the repository's
`portal-config/`; none talks to a portal.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from provisioner.cli import run; sys.argv[0] = 'provision'; run()"
COMMANDS: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "provision --help": ["-c", ENTRY, "--help"],
    "provision --version": ["-c", ENTRY, "--version"],
    "provision validate portal-config": ["-c", ENTRY, "validate", "portal-config"],
    "provision plan --help": ["-c", ENTRY, "plan", "--help"],
}


def timed(args: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of `python ARGS`, `runs` times (one unmeasured run first, for the
    disk cache); a run that fails stops the benchmark."""
    env = {**os.environ, "NO_COLOR": "1"}
    seconds: list[float] = []
    cpu: list[float] = []
    for number in range(runs + 1):
        before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                              check=False)
        took = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"{args} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
        if number:
            seconds.append(took)
            cpu.append(_children_cpu() - before)
    return seconds, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def imports(top: int) -> list[tuple[int, str]]:
    """The `top` largest cumulative import times (µs) under `import provisioner.cli`."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import provisioner.cli"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:top]


def table(runs: int) -> list[str]:
    lines = [f"{'command':<36} {'min s':>7} {'median s':>9} {'max s':>7} {'CPU min s':>10} "
             f"{'CPU median s':>13}   ({runs} runs)"]
    for name, args in COMMANDS.items():
        seconds, cpu = timed(args, runs)
        lines.append(f"{name:<36} {min(seconds):>7.3f} {statistics.median(seconds):>9.3f} "
                     f"{max(seconds):>7.3f} {min(cpu):>10.3f} {statistics.median(cpu):>13.3f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--top", type=int, default=12, help="import-time rows to show")
    args = parser.parse_args()
    for line in table(args.runs):
        print(line)
    print()
    print(f"{'cumulative import µs':>21}  module (import provisioner.cli)")
    for micros, module in imports(args.top):
        print(f"{micros:>21}  {module}")


if __name__ == "__main__":
    main()

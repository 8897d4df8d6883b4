"""Applies at once, each a real `provision apply --auto-approve` process, against one portal.

Issue 14 item 1 found by chance, in 4 runs of 10, two applies that both read the portal before
either wrote and so created every new pipeline twice; the next plan said "No changes". Here the
portal holds the first write batches until every apply has sent one (`HeldWrites`), so the
window is certain. Two defences are tested apart: the lock per portal (applies on one machine
share a lock directory: the others wait, then plan from what the first made) and, for applies
that share no lock (other machines: a lock directory each), the check after each create (the
later of two twins deletes itself and its apply stops). Every run ends with no twin on the
portal and, after one more apply of each config where one stopped, a plan with no change.
`PROVISION_CONCURRENCY_RUNS` repeats each test (default 1; issue 14 asks for 20 and more).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from hostile_portal import HostilePortal, Reply, Request, running

HERE = Path(__file__).resolve().parent
A, B = HERE / "desired", HERE / "desired_b"  # both make pipeline hr; B makes ops too
MAIN = "from provisioner.cli import run; run()"
RUNS = int(os.environ.get("PROVISION_CONCURRENCY_RUNS", "1"))


class HeldWrites:
    """The first write batches wait (up to `timeout` s) until `parties` of them are there, then
    all run; later ones pass at once."""

    name = "held-writes"

    def __init__(self, parties: int, timeout: float = 20) -> None:
        self.barrier = threading.Barrier(parties, timeout=timeout)
        self.opened = threading.Event()

    def answer(self, request: Request, portal: HostilePortal) -> Reply:
        if request.writes and not self.opened.is_set():
            # an apply that stopped before writing (or waits for a lock) lets the others go on
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait()
            self.opened.set()
        return portal.forward(request)


def _provision(url: str, locks: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", MAIN, *argv],
                          env={"B24_WEBHOOK_URL": url, "PROVISION_DEADLINE": "60",
                               "PROVISION_LOCK_DIR": str(locks), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, check=False)


def _at_once(url: str, jobs: list[tuple[Path, Path]]) -> list[subprocess.CompletedProcess[str]]:
    """`apply CONFIG --auto-approve` for each (config, lock directory), all started together."""
    done: list[subprocess.CompletedProcess[str]] = []
    runs = [threading.Thread(target=lambda c=config, lk=locks: done.append(
        _provision(url, lk, "apply", str(c), "--auto-approve"))) for config, locks in jobs]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    return done


def twins(portal: HostilePortal) -> list[str]:
    """Natural keys that more than one object holds in the sandbox: pipelines by stamp, rows
    of a status list by code."""
    data = portal.sandbox.store.data
    keys: Counter[str] = Counter()
    for entity, cats in data["categories"].items():
        keys.update(f"pipeline {entity}/{c['originId']}" for c in cats.values()
                    if c.get("originId"))
    keys.update(f"row {r['ENTITY_ID']}/{r['STATUS_ID']}" for r in data["statuses"].values())
    return sorted(k for k, n in keys.items() if n > 1)


def _plans_converged(portal: HostilePortal, locks: Path, configs: list[Path]) -> None:
    for config in configs:
        final = _provision(portal.webhook_url, locks, "plan", str(config))
        assert final.returncode == 0, final.stderr
        assert final.stdout.endswith("No changes. The portal matches the desired state.\n"), \
            final.stdout


def _clean(done: list[subprocess.CompletedProcess[str]]) -> None:
    for proc in done:
        assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
        assert proc.returncode in (0, 1), proc.stderr


@pytest.mark.slow  # real processes
@pytest.mark.parametrize("_run", range(RUNS))
def test_two_applies_at_once_make_no_twin(_run: int, tmp_path: Path) -> None:
    """Two applies of one config that share no lock (two machines): both read before either
    writes; the later pipeline deletes itself, its apply says so, exit 1; one `hr` stays.
    Before the check after each create: 2 pipelines `hr` in every run."""
    with running(HeldWrites(2)) as portal:
        done = _at_once(portal.webhook_url, [(A, tmp_path / "one"), (A, tmp_path / "two")])
        pipelines = [c for c in portal.sandbox.store.data["categories"]["2"].values()
                     if c.get("originId") == "hr"]
        _clean(done)
        assert len(pipelines) == 1, f"{len(pipelines)} pipelines 'hr': twins"
        codes = sorted(p.returncode for p in done)
        loser = next(p for p in done if p.returncode == 1) if codes == [0, 1] else None
        assert loser is not None, [p.stderr for p in done]
        assert ("deal.pipeline[hr] was made at the same moment by another apply (id "
                in loser.stderr and "this apply deleted its own copy (id " in loser.stderr)
        assert twins(portal) == []
        _plans_converged(portal, tmp_path / "one", [A])


@pytest.mark.slow  # real processes
@pytest.mark.parametrize("_run", range(RUNS))
def test_applies_on_one_machine_wait_for_each_other(_run: int, tmp_path: Path) -> None:
    """Four applies, two of each config, sharing the lock: one writes at a time, the others
    wait and plan from what it made; all exit 0, no twin, both plans converged."""
    locks = tmp_path / "locks"
    with running(HeldWrites(4, timeout=0.5)) as portal:
        done = _at_once(portal.webhook_url, [(A, locks), (B, locks), (A, locks), (B, locks)])
        _clean(done)
        assert [p.returncode for p in done] == [0, 0, 0, 0], [p.stderr for p in done]
        waited = [p for p in done if "Waiting for another apply of http://127.0.0.1:" in p.stderr]
        assert len(waited) >= 1, [p.stderr for p in done]
        assert twins(portal) == []
        _plans_converged(portal, locks, [A, B])


@pytest.mark.slow  # real processes
@pytest.mark.parametrize("_run", range(RUNS))
def test_applies_on_many_machines_leave_no_twin(_run: int, tmp_path: Path) -> None:
    """Four applies, two of each config, each with its own lock (four machines), all holding
    their first write until the four are there: every pipeline made twice deletes its later
    copy; after one more apply of each config, no twin and both plans converged."""
    with running(HeldWrites(4)) as portal:
        jobs = [(A, tmp_path / "a1"), (B, tmp_path / "b1"), (A, tmp_path / "a2"),
                (B, tmp_path / "b2")]
        done = _at_once(portal.webhook_url, jobs)
        _clean(done)
        assert twins(portal) == []
        assert any(p.returncode == 0 for p in done), [p.stderr for p in done]
        for config in (A, B):  # the stopped applies' configs, finished
            again = _provision(portal.webhook_url, tmp_path / "a1", "apply", str(config),
                               "--auto-approve")
            assert again.returncode == 0, again.stderr
        assert twins(portal) == []
        _plans_converged(portal, tmp_path / "a1", [A, B])

"""The progress the workspace reports: a phase, calls done, requests against the plan's
estimate, and the waits of the rate limit as they start and end (the CLI's status line draws
these on a terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import CONFIG

from provisioner.client import BitrixClient, RateLimit, deadline
from provisioner.engine import read_live
from provisioner.sandbox import Sandbox
from provisioner.workspace import PortalChoice, Workspace
from provisioner.workspace.progress import Progress, Tracker


class Virtual:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def skipped(monkeypatch: pytest.MonkeyPatch) -> Virtual:
    virtual = Virtual()
    monkeypatch.setattr(deadline, "SYSTEM", deadline.Timing(virtual.clock, virtual.sleep))
    return virtual


def test_a_slow_portal_shows_its_waits(skipped: Virtual) -> None:
    seen: list[Progress] = []
    tracker = Tracker(seen.append)
    sb = Sandbox.in_memory()
    tracker.client = BitrixClient.from_webhook(
        sb.webhook_url, session=sb.session(),
        rate=RateLimit(burst=1, per_second=0.5, reserve=0, slack=0),  # paced exactly
        sleep=tracker.sleep, clock=skipped.clock)
    tracker.phase("read")
    for _ in range(3):
        tracker.client.call("crm.status.list", {})
    waits = [p for p in seen if p.waiting]
    assert [p.waiting for p in waits] == [2.0, 2.0]  # each request after the first waits 2 s
    assert waits[0].text() == "reading the portal: request 1, waiting 2 s for the rate limit"
    # told when the second wait ends, just before the third request goes out
    assert seen[-1].text() == "reading the portal: request 2, waited 4 s for the rate limit"
    assert skipped.slept == [2.0, 2.0]


def test_apply_reports_each_call_against_the_plans_estimate(tmp_path: Path) -> None:
    seen: list[Progress] = []
    ws = Workspace(CONFIG, PortalChoice(sandbox_state=tmp_path / "s.json"), watch=seen.append)
    done = ws.apply()
    applying = [p for p in seen if p.phase == "apply"]
    # the phase's start, then 30 calls (each field's add is followed by the update of its
    # empty help and error texts: fields/labels.py; a new smart process's list is read with
    # its create)
    assert [p.calls for p in applying] == list(range(31))
    assert {p.requests_planned for p in applying} == {2}
    assert applying[-1].requests == done.requests == 2
    assert applying[-1].text() == "apply: 30 calls, request 2 of ~2"
    assert seen[0] == Progress("read")
    assert read_live(ws.connection.client).requests >= 1  # the client is the tracked one


def test_one_changed_flag_of_a_smart_process_prints_only_that_flag(tmp_path: Path) -> None:
    """The text shows what changed in the 13-key `features` table; the JSON keeps it whole."""
    import json

    from helpers import cli, write

    config = write(tmp_path / "cfg" / "spa.toml",
                   (CONFIG / "smart-processes.toml").read_text(encoding="utf-8"))
    at = ("--sandbox-state", str(tmp_path / "s.json"))
    assert cli("apply", str(config), *at, "--auto-approve").exit_code == 0
    write(config, config.read_text(encoding="utf-8").replace("automation = true",
                                                              "automation = false"))
    planned = cli("plan", str(config), *at)
    assert planned.stdout == (
        "  ~ smart_process[hr_candidates]\n"
        "      features.automation: true -> false\n"
        "REST cost: read 2 requests; apply needs ~1 request (~0 s under the rate limit).\n"
        "Plan: 0 to add, 1 to change, 0 to destroy.\n")
    change = json.loads(cli("plan", str(config), *at, "--json").stdout)["result"]["changes"][0]
    assert len(change["before"]["features"]) == len(change["after"]["features"]) == 13

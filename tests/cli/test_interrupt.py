"""Ctrl-C during apply: the summary says what was done, what is uncertain (the batch in flight)
and what was not started, exit 130; running apply again converges. And apply without
--auto-approve where no one can answer says how to run it in automation."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CONFIG, cli
from terminal import ENTRY, ROOT, HoldingPortal, child_env, serving

from provisioner.cli.output import INTERRUPTED


# As at a terminal: a process inherits an ignored SIGINT (a shell starts background jobs so, and
# Python then leaves Ctrl-C ignored), and a test run started in the background would hand that
# on to the apply, which then rightly ignores the SIGINT below.
AT_A_TERMINAL = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "


@pytest.mark.slow
def test_sigint_in_the_middle_of_an_apply_says_what_was_done_and_converges() -> None:
    portal = HoldingPortal(hold=2)  # round 1 goes through; round 2's batch is in flight
    with serving(portal) as url:
        args = [sys.executable, "-c", AT_A_TERMINAL + ENTRY, "apply", str(CONFIG),
                "--auto-approve", "--webhook-url", url]
        proc = subprocess.Popen(args, cwd=ROOT, env=child_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert portal.held.wait(120), "the apply never sent its second write batch"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == INTERRUPTED == 130, stderr
        assert "Traceback" not in stderr
        lines = stderr.splitlines()
        done = next(i for i, line in enumerate(lines) if line.startswith("Interrupted"))
        assert lines[done].startswith("Interrupted (Ctrl-C) during apply. Done (")
        count = int(lines[done].split("Done (")[1].split(")")[0])
        # the calls done are the last lines apply printed as it went (after the plan)
        assert count > 0
        assert [line[2:] for line in lines[done + 1: done + 1 + count]] == \
            stdout.splitlines()[-count:]
        uncertain = next(line for line in lines if line.startswith("Uncertain ("))
        assert "sent in the batch in flight" in uncertain
        assert lines[-1].startswith("Run `provision plan` to see where the portal stands, then "
                                    "`provision apply` again")
        portal.holding = False  # the portal answers again; the held batch never ran
        again = subprocess.run([*args], cwd=ROOT, env=child_env(), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=120, check=False)
        assert again.returncode == 0, again.stderr
        plan = subprocess.run([sys.executable, "-c", ENTRY, "plan", str(CONFIG),
                               "--detailed-exitcode", "--webhook-url", url], cwd=ROOT,
                              env=child_env(), capture_output=True, text=True, timeout=120,
                              check=False)
        assert plan.returncode == 0, plan.stdout  # converged: manual changes only


def test_apply_without_a_terminal_says_to_use_auto_approve(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    result = cli("apply", str(CONFIG), "--sandbox-state", str(state), stdin="")
    assert result.exit_code == 1
    # the question's line ends: piped together, the error no longer reads as its answer
    assert result.stdout.endswith("\nApply these changes? Only 'yes' is accepted: \n")
    assert result.stderr.splitlines()[-1] == (
        "No answer to the question: standard input is not a terminal, and nothing was applied. "
        "In automation, pass --auto-approve (`provision apply CONFIG --auto-approve`), or save a "
        "reviewed plan with `provision plan --out plan.json` and apply exactly that: "
        "`provision apply plan.json`.")
    assert cli("plan", str(CONFIG), "--sandbox-state", str(state),
               "--detailed-exitcode").exit_code == 2  # nothing was applied


def test_interrupted_envelope_in_json(tmp_path: Path) -> None:
    """An interrupt outside the writes (here: at a read) is exit 130 and type `interrupted`."""
    import json
    from unittest import mock

    with mock.patch("provisioner.workspace.workspace.read_live",
                    side_effect=KeyboardInterrupt):
        result = cli("plan", str(CONFIG), "--sandbox-state", str(tmp_path / "s.json"), "--json")
    doc = json.loads(result.stdout)
    assert (result.exit_code, doc["exit_code"], doc["ok"]) == (130, 130, False)
    assert doc["errors"][0]["type"] == "interrupted"
    assert doc["errors"][0]["message"].startswith("Interrupted (Ctrl-C)")

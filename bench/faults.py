"""Randomized fault injection against the sandbox: thousands of seeded plan+apply runs.

    .venv/bin/python bench/faults.py                 # 1,200 runs + 20 killed CLI processes
    .venv/bin/python bench/faults.py --runs 5000 --cli-kills 50 --seed 7

Every run: a fresh sandbox (often with an earlier config already applied), a desired state
(generated, or portal-config/), faults at random requests of plan+apply (QUERY_LIMIT_EXCEEDED,
500, OPERATION_TIME_LIMIT, expired OAuth token, timeouts with and without the write committed,
connection dropped after the commit, the process dying before or after a request), then a
recovery apply without faults. Counted: converged (the next plan has no changes besides manual
ones), duplicated natural keys, unintended deletions, deletions without consent (in a run
without --allow-destroy, anything that existed before the run and is gone), writes sent after an
uncertain write without a re-read, crashes (an unexpected exception: a traceback for a user), and
residue (objects the run made that the desired state lacks, left as notes). The harness lives in
tests/reliability/reliability_harness.py; the CI runs a 30-seed subset of it.

`--cli-kills N` also runs `provision apply` in a subprocess against a sandbox state file and
SIGKILLs it after a random delay; the state file must stay readable and a re-run must converge.
Exit status 1 when any run lost, duplicated or deleted something, or did not converge.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "reliability")]

# the harness lives in tests/reliability, on the path just set
from reliability_harness import (  # noqa: E402
    Tally,
    duplicates,
    generate_desired,
    generated_case,
    make_client,
    plan_and_apply,
    run_once,
)

from provisioner import engine  # noqa: E402
from provisioner.errors import ProvisionError  # noqa: E402
from provisioner.sandbox import Sandbox  # noqa: E402
from provisioner.sandbox.transport import SandboxAdapter  # noqa: E402


def fault_runs(runs: int, seed: int) -> Tally:
    tally = Tally()
    portal_config = engine.load_desired(ROOT / "portal-config")
    for n in range(runs):
        case_seed = seed * 1_000_003 + n
        if n % 10 == 9:  # one run in ten applies the repository's own portal-config/
            result = run_once(case_seed, portal_config, scenario="portal-config")
        else:
            desired, setup, allow_destroy, _ = generated_case(case_seed)
            result = run_once(case_seed, desired, scenario="generated", setup=setup,
                              allow_destroy=allow_destroy)
        tally.add(result)
    return tally


def cli_kill_runs(count: int, seed: int) -> dict[str, int]:
    """`provision apply` killed with SIGKILL at a random moment, then a re-run."""
    rng = random.Random(seed)
    out = {"runs": 0, "killed_mid_run": 0, "state_readable": 0, "converged": 0,
           "duplicates": 0}
    for n in range(count):
        with tempfile.TemporaryDirectory() as tmp:
            state, config = Path(tmp) / "sandbox.json", Path(tmp) / "desired.toml"
            config.write_text(generate_desired(random.Random(f"cli-{seed}-{n}")), "utf-8")
            Sandbox.open(state).store  # noqa: B018 - create and seed the portal file
            proc = subprocess.Popen(
                [sys.executable, "-c", "from provisioner.cli import run; run()", "apply",
                 str(config), "--auto-approve", "--sandbox-state", str(state)],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.02, 0.25))
            if proc.poll() is None:
                out["killed_mid_run"] += 1
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            out["runs"] += 1
            try:
                sb = Sandbox.open(state)
                sb.store  # noqa: B018 - the killed run's state file opens as a whole portal
                out["state_readable"] += 1
            except ProvisionError:
                continue
            client = make_client(sb, SandboxAdapter(sb), oauth=False)
            desired = engine.load_desired(config)
            plan_and_apply(client, desired, False, [])
            final = engine.make_plan(desired, engine.read_live(client))
            out["converged"] += not final.has_actionable
            out["duplicates"] += bool(duplicates(sb.store.data))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1200)
    parser.add_argument("--cli-kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the client logs each retry
    started = time.perf_counter()
    tally = fault_runs(args.runs, args.seed)
    elapsed = time.perf_counter() - started
    print(f"date: {datetime.date.today().isoformat()}  seed: {args.seed}  "
          f"wall: {elapsed:.1f} s")
    print(f"runs:                  {tally.runs}")
    print("faults injected:       " + ", ".join(
        f"{k} {v}" for k, v in sorted(tally.injected.items())) +
        f" (total {sum(tally.injected.values())})")
    print("first run ended by:    " + ", ".join(
        f"{k} {v}" for k, v in sorted(tally.first_errors.items())))
    print(f"converged:             {tally.converged}/{tally.runs}")
    print(f"duplicates:            {tally.duplicates}")
    print(f"unintended deletions:  {tally.unintended_deletions}")
    print(f"deleted w/o consent:   {tally.deleted_without_consent}")
    print(f"re-read violations:    {tally.reread_violations}")
    print(f"crashes:               {tally.crashes}")
    print(f"runs with residue:     {tally.residue} (portal-made stages left as notes)")
    for failure in tally.failures[:10]:
        print(f"  FAILED seed={failure.seed} {failure.scenario}: {failure}")
    bad = bool(tally.failures)
    if args.cli_kills:
        cli = cli_kill_runs(args.cli_kills, args.seed)
        print("CLI killed (SIGKILL):  " + ", ".join(f"{k} {v}" for k, v in cli.items()))
        bad = bad or cli["converged"] != cli["state_readable"] or bool(cli["duplicates"]) or \
            cli["state_readable"] != cli["runs"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

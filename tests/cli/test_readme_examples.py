"""The README's desired-state examples, copied together as a newcomer would, make a config that
validates, applies to the sandbox and then plans no change."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import cli, run, write

README = Path(__file__).resolve().parents[2] / "README.md"
# The format's sections, each one example; the robot snippets extend these and are left out.
SECTIONS = ("[deal.pipelines.sales]", "[[lead.statuses]]", "[deal.fields.EQUIPMENT_TYPE]",
            "[smart_processes.hr_candidates]")


def _examples() -> dict[str, str]:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return {block.split()[0]: block for block in blocks if block.split()[0] in SECTIONS}


def test_the_format_examples_make_one_config_that_converges(tmp_path: Path) -> None:
    """The field example is required from sales:PREPARATION, a stage the pipeline example
    lacked: copied together they were refused."""
    examples = _examples()
    assert sorted(examples) == sorted(SECTIONS)
    config = tmp_path / "config"
    for n, section in enumerate(SECTIONS):
        write(config / f"{n}.toml", examples[section])
    assert cli("validate", str(config)).stdout == f"Valid: {config} (4 files).\n"
    state = tmp_path / "sandbox.json"
    applied = run(state, "apply", str(config), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run(state, "plan", str(config))
    assert again.stdout.splitlines()[-1] == "Plan: 0 to add, 0 to change, 0 to destroy, 1 manual."


def test_the_terminal_session_page_shows_todays_seed_plan() -> None:
    """docs/terminal-session.md said "6 manual" and "26 calls" long after the companion app's
    bindings made them 8 and 30: its captures must hold the seed plan's golden text."""
    root = README.parent
    golden = (root / "tests" / "cases" / "seed-applied-leaves-only-manual-changes" /
              "plan.txt").read_text(encoding="utf-8")
    piped = (root / "docs" / "terminal-session" / "piped.txt").read_text(encoding="utf-8")
    page = (root / "docs" / "terminal-session.md").read_text(encoding="utf-8")
    assert golden in piped
    summary = golden.splitlines()[-1]
    assert page.count(summary) == 2  # the coloured capture and the piped one
    applied = next(line for line in piped.splitlines() if line.startswith("Apply complete:"))
    assert page.count(applied) == 2
    assert applied.split(" (")[1].split(")")[0] in README.read_text(encoding="utf-8")

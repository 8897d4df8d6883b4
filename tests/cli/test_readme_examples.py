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

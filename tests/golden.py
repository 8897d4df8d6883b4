"""Golden files: the `golden` fixture compares output with an expected file, `--update-golden`
writes it instead; a pytest plugin (tests/conftest.py loads it) so it can be tested on its own."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"  # the one layout: tests/cases/<behaviour>/, see its README.md
UPDATE = "--update-golden"

# Cases checked by a test of their own; every other folder is a plan case that
# tests/engine/test_engine_cases.py runs (desired + starting live state -> plan.txt, plan.json).
OWN_TEST = {
    "runbook-markdown-of-seed-automation": "tests/automation/test_runbook.py",
    "seed-applied-leaves-only-manual-changes": "tests/test_cli_engine.py",
    "seed-robots-and-triggers-planned-manual":
        "tests/automation_engine/test_engine_automation_plan.py",
    "smart-process-field-added": "tests/kinds/test_smart_processes.py",
}


def plan_cases() -> list[str]:
    """The names of the plan cases, sorted."""
    return sorted(p.name for p in CASES.iterdir() if p.is_dir() and p.name not in OWN_TEST)


class Golden:
    """Checks an output against its expected file; in update mode writes the file instead.

    A missing file fails like a different one: otherwise deleting an expected file (or
    misspelling its name) would turn the check into one that cannot fail.
    """

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, path: Path, actual: str) -> None:
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"{_shown(path)} is missing: run pytest with {UPDATE} to write it from "
                        "this output, then review and commit it", pytrace=False)
        expected = path.read_bytes().decode("utf-8")  # bytes: no newline translation
        if actual != expected:
            pytest.fail(f"{_shown(path)} differs from the output (- expected, + actual); if the "
                        f"change is intended, run pytest with {UPDATE} and commit the file\n"
                        + _diff(expected, actual, _shown(path)), pytrace=False)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _diff(expected: str, actual: str, name: str) -> str:
    lines = difflib.unified_diff(expected.splitlines(keepends=True),
                                 actual.splitlines(keepends=True),
                                 fromfile=f"{name} (expected)", tofile="actual output")
    # a line without its newline (last line of a file) would glue onto the next one
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end\n"
                   for line in lines)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(UPDATE, action="store_true", default=False,
                     help="write the expected files of golden tests (tests/cases/*) from the "
                          "output instead of comparing; a missing expected file fails without it")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption(UPDATE)))

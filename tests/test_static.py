"""The CI gates as tests (CI runs only `python -m pytest`): mypy --strict, ruff, the layers.

Marked slow: they take seconds; `-m "not slow"` leaves them out of a quick local loop.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = ("from importlinter.cli import lint_imports_command; "
                "lint_imports_command()")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, check=False)


@pytest.mark.slow
def test_mypy_strict_finds_nothing_in_provisioner_and_bench() -> None:
    """bench/ too: a benchmark that crashes only when its optional peer is installed (a lost
    @contextmanager in bench/peers.py) is caught here, not in a run an hour long."""
    done = _run("-m", "mypy", "--strict", "provisioner", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_ruff_finds_nothing() -> None:
    done = _run("-m", "ruff", "check", "provisioner", "tests", "bench")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_the_layers_import_one_way() -> None:
    """pyproject's [tool.importlinter] contracts: cli > workspace > engine > kinds > model,
    client and sandbox apart, no cycle between sibling packages or modules."""
    done = _run("-c", LINT_IMPORTS, "--no-cache", "--no-logo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout

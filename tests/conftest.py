"""Fixtures shared by every test folder (a sandbox, a client on it, a sandbox state file), the
golden-file plugin (`golden` fixture, `--update-golden`, tests/golden.py), the real-sleep guard
(tests/sleeps.py), the network guard (tests/netguard.py) and the Hypothesis profile (HYPOTHESIS_PROFILE, tests/profiles.py; loaded
here, before any test module)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import netguard  # noqa: F401  first: wraps socket before any client or server binds it
import profiles
import pytest
import sleeps  # noqa: F401  first: wraps time.sleep before provisioner binds it as a default
from helpers import client_of

from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox

pytest_plugins = ["golden", "sleeps", "netguard"]


def pytest_report_header() -> str:
    return f"hypothesis profile: {profiles.PROFILE}"


@pytest.fixture(autouse=True, scope="session")
def lock_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Apply's portal locks (provisioner/workspace/lock.py) in a directory of the test run,
    never the user's; processes the tests start inherit it."""
    path = tmp_path_factory.mktemp("locks")
    before = os.environ.get("PROVISION_LOCK_DIR")
    os.environ["PROVISION_LOCK_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("PROVISION_LOCK_DIR", None)
    else:
        os.environ["PROVISION_LOCK_DIR"] = before


@pytest.fixture
def sb() -> Sandbox:
    """A new in-memory sandbox portal."""
    return Sandbox.in_memory()


@pytest.fixture
def client(sb: Sandbox) -> BitrixClient:
    """A webhook client on `sb`, in process."""
    return client_of(sb)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """Where a CLI test keeps its sandbox (`--sandbox-state`); not created yet."""
    return tmp_path / "sandbox.json"

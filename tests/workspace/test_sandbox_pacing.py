"""The local sandbox a command uses without a webhook has no rate limit: its client must not
wait as it would for the cloud (the README's first apply waited about a minute for nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.client import deadline
from provisioner.workspace import PortalChoice

SOURCES = {"filter": {"ENTITY_ID": "SOURCE"}}


def test_the_default_sandbox_is_read_without_waiting(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    skipped = deadline.SkippedSleeps()  # waits cost no time and are listed
    monkeypatch.setattr(deadline, "SYSTEM", skipped.timing())
    connection = PortalChoice(sandbox_state=tmp_path / "sandbox.json").connect(None, print)
    for _ in range(120):  # past the cloud's burst of 50
        assert connection.client.call("crm.status.list", SOURCES).result
    assert skipped.slept == []
    assert connection.client.stats.requests == 120

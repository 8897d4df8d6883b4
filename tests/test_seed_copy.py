"""The tests plan a copy of the seed configuration, so what a user's own commands leave in
`portal-config/` (the README's `provision attest` writes attestations/ there) changes nothing."""

from __future__ import annotations

from pathlib import Path

import helpers
import pytest


def test_the_copy_holds_the_config_files_and_not_what_commands_add(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = tmp_path / "portal-config"
    (seed / "attestations").mkdir(parents=True)
    (seed / "attestations" / "sandbox.toml").write_text('portal = "sandbox"\n', encoding="utf-8")
    (seed / "deals.toml").write_text("[deal.pipelines]\n", encoding="utf-8")
    (seed / "provision.schema.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(helpers, "SEED_CONFIG", seed)

    copy = helpers._seed_copy()

    assert copy.name == "portal-config" and copy != seed
    assert sorted(p.name for p in copy.iterdir()) == ["deals.toml", "provision.schema.json"]


def test_the_suite_plans_the_copy() -> None:
    assert helpers.CONFIG != helpers.SEED_CONFIG
    assert sorted(p.name for p in helpers.CONFIG.iterdir()) == sorted(
        p.name for p in helpers.SEED_CONFIG.iterdir() if p.is_file())

"""Helpers of the automation kind's tests: the seed config copied where a test may edit it, and
the blocks of a plan's text that belong to one address."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import CONFIG


def config_copy(tmp: Path) -> Path:
    """portal-config/ copied into tmp/portal-config (attestations go to its attestations/)."""
    target = tmp / "portal-config"
    shutil.copytree(CONFIG, target, ignore=shutil.ignore_patterns("*.json"))
    return target


def edit(config: Path, old: str, new: str, name: str = "deal-pipelines.toml") -> None:
    text = (config / name).read_text(encoding="utf-8")
    assert old in text, old
    (config / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def stage_automation(plan_text: str) -> str:
    """The manual changes of stage robots and triggers in a plan's text (header and body)."""
    out: list[str] = []
    keep = False
    for line in plan_text.splitlines():
        if not line.startswith("      "):
            keep = line.startswith("  ! ") and (".robot[" in line or ".trigger[" in line)
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"

"""Two portals on one host, two ports (two sandboxes served on loopback): they keep separate
attestations, and after a migration from one to the other the id map is written. Before, both
were "127.0.0.1": attesting on one silenced the other's manual changes, and the migration looked
like an apply to the same portal (no id map)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import CONFIG as SEED, cli

from provisioner.sandbox import Sandbox
from provisioner.sandbox.server import Running, start

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Webhook URLs of two sandboxes served on 127.0.0.1, on two ports."""
    sandboxes = [Sandbox.open(tmp_path / f"{name}.json") for name in ("a", "b")]
    servers: list[Running] = [start(sb) for sb in sandboxes]  # each on a free port
    yield sandboxes[0].webhook_url, sandboxes[1].webhook_url
    for server in servers:
        server.stop()


def _robot_lines(text: str) -> list[str]:
    """The manual changes of robots and triggers in a plan's text."""
    return [line for line in text.splitlines()
            if line.startswith("  ! ") and (".robot[" in line or ".trigger[" in line)]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "portal-config"
    shutil.copytree(SEED, config, ignore=shutil.ignore_patterns("*.json"))
    return config


def test_attestations_are_kept_per_port(tmp_path: Path, two: tuple[str, str]) -> None:
    a, b = two
    portal_a, portal_b = a.split("/rest/")[0], b.split("/rest/")[0]
    assert portal_a.rsplit(":", 1)[0] == portal_b.rsplit(":", 1)[0] and portal_a != portal_b
    config = _config(tmp_path)
    for url in (a, b):
        done = cli("apply", str(config), "--auto-approve", "--webhook-url", url)
        assert done.exit_code == 0, done.output
    signed = cli("attest", str(config), "--by", "Ирина", "--webhook-url", a)
    assert signed.exit_code == 0, signed.output
    assert _robot_lines(cli("plan", str(config), "--webhook-url", a).stdout) == []
    assert len(_robot_lines(cli("plan", str(config), "--webhook-url", b).stdout)) == 5
    port_a = portal_a.rsplit(":", 1)[1]
    assert sorted(p.name for p in (config / "attestations").iterdir()) == [
        f"http_127.0.0.1_{port_a}.toml"]


def test_the_id_map_is_written_after_a_migration_between_ports(
        tmp_path: Path, two: tuple[str, str]) -> None:
    a, b = two
    portal_a, portal_b = a.split("/rest/")[0], b.split("/rest/")[0]
    assert cli("apply", str(_config(tmp_path)), "--auto-approve", "--webhook-url",
               a).exit_code == 0
    exported = tmp_path / "exported"
    assert cli("export", "--out", str(exported), "--webhook-url", a).exit_code == 0
    migrated = cli("apply", str(exported), "--auto-approve", "--webhook-url", b)
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout.endswith(f"wrote {exported / 'id-map.json'} (old -> new ids)\n")
    side = json.loads((exported / ".provision-ids.json").read_text(encoding="utf-8"))
    assert side["portal"] == portal_a
    id_map = json.loads((exported / "id-map.json").read_text(encoding="utf-8"))
    assert (id_map["from"], id_map["to"]) == (portal_a, portal_b)
    assert id_map["by_type"]["smart_process.entity_type_id"]  # ids of A paired with B's


def test_the_id_map_is_written_when_the_target_already_matches(tmp_path: Path,
                                                               two: tuple[str, str]) -> None:
    """A migration whose target needs no change still maps the ids (a second run, or a target
    set up by hand)."""
    a, b = two
    config = _config(tmp_path)
    for url in (a, b):
        assert cli("apply", str(config), "--auto-approve", "--webhook-url", url).exit_code == 0
    exported = tmp_path / "exported"
    assert cli("export", "--out", str(exported), "--webhook-url", a).exit_code == 0
    again = cli("apply", str(exported), "--auto-approve", "--webhook-url", b)
    assert again.stdout.endswith("No changes. The portal matches the desired state.\n"
                                 f"wrote {exported / 'id-map.json'} (old -> new ids)\n")
    same = cli("apply", str(exported), "--auto-approve", "--webhook-url", a)
    assert "id-map" not in same.stdout  # not a migration: A exported it

"""The change limit: an apply that would update or delete more of the managed objects than
--max-changes or the portal's max_changes allows is refused, naming the counts and how to
allow it; the portal is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CONFIG, cli, write

from provisioner.engine.threshold import ChangeLimit, Tally
from provisioner.model import Plan

REFUSED = ("Error: the plan updates or deletes 9 of the 9 managed objects on the portal (100%), "
           "over the limit of {limit} ({source}); review the plan, then allow it for this run "
           "with --max-changes 9 (or --max-changes 100%)")


@pytest.mark.parametrize(("text", "count", "share"), [
    ("12", 12, None), (12, 12, None), ("30%", None, 0.3), (" 2.5 % ", None, 0.025),
    ("0", 0, None), ("100%", None, 1.0)])
def test_limits_read_as_a_count_or_a_share(text: object, count: int | None,
                                           share: float | None) -> None:
    limit = ChangeLimit.parse(text)
    assert (limit.count, limit.share) == (count, share)


@pytest.mark.parametrize("text", ["lots", "1.5", "150%", True, -3, "", "5 objects"])
def test_other_limits_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="--max-changes: "):
        ChangeLimit.parse(text)


def test_a_share_rounds_down_and_creations_do_not_count() -> None:
    assert ChangeLimit.parse("30%").allows(3, 10) and not ChangeLimit.parse("30%").allows(4, 10)
    assert ChangeLimit.parse("0").allows(0, 0)
    assert Tally(0, 0).percent == 0 and Tally(1, 3).percent == 34
    from provisioner.engine.threshold import tally
    assert tally(Plan(())) == Tally(0, 0)


def _portal_config(tmp_path: Path, limit: str) -> Path:
    config = tmp_path / "repo" / "cfg"
    for path in CONFIG.glob("*.toml"):
        write(config / path.name, path.read_text(encoding="utf-8"))
    write(tmp_path / "repo" / "portals.toml",
          f'[portals.local]\nsandbox = "sandbox.json"\nmax_changes = "{limit}"\n')
    return config


def test_over_the_limit_is_refused_and_nothing_is_applied(state: Path) -> None:
    at = ("--sandbox-state", str(state))
    refused = cli("apply", str(CONFIG), *at, "--auto-approve", "--max-changes", "5")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == REFUSED.format(limit="5", source="--max-changes")
    assert cli("plan", str(CONFIG), *at, "--detailed-exitcode").exit_code == 2
    done = cli("apply", str(CONFIG), *at, "--auto-approve", "--max-changes", "9")
    assert done.exit_code == 0, done.output
    assert cli("plan", str(CONFIG), *at, "--detailed-exitcode").exit_code == 0


def test_the_portals_file_sets_it_and_the_option_overrides_it(tmp_path: Path) -> None:
    config = _portal_config(tmp_path, "50%")
    refused = cli("apply", str(config), "--portal", "local", "--auto-approve")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == REFUSED.format(
        limit="50%", source="max_changes of portal local in portals.toml")
    planned = cli("plan", str(config), "--portal", "local")
    assert planned.exit_code == 0
    assert planned.stderr.splitlines()[-1].startswith(
        "Warning: apply would refuse this plan: the plan updates or deletes 9 of the 9")
    allowed = cli("apply", str(config), "--portal", "local", "--auto-approve",
                  "--max-changes", "100%", "--json")
    assert json.loads(allowed.stdout)["result"]["applied"]["counts"]["change"] == 9


def test_a_wrong_limit_in_the_portals_file_is_named(tmp_path: Path) -> None:
    config = _portal_config(tmp_path, "most")
    result = cli("plan", str(config), "--portal", "local")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "portals.toml: portals.local.max_changes: write a count of objects (20) or a share "
        "(\"30%\"), not 'most'\n")

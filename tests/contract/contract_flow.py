"""The steps the contract properties take, through the library (`Workspace`), and their checks.

Each step is what a user does with the CLI (`apply`, `plan --out` / `apply FILE`, `export`,
`drift`), called as the CLI calls it; each check returns what went wrong as text, so that a
failing example says which object broke the contract.
"""

from __future__ import annotations

import copy
import inspect
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import profiles
from contract_configs import APP_TOKEN, WHOLE_ROWS, Tree, write_config
from contract_portal import Portal, View, new_portal
from contract_renames import XmlIds
from hypothesis import HealthCheck, settings

from provisioner.engine import Action, Plan, render_text
from provisioner.kinds.statuses import writes
from provisioner.workspace import Workspace


def examples(default: int) -> settings:
    """Settings of a property: `default` examples (a tenth under the dev profile), or
    CONTRACT_EXAMPLES (a larger run)."""
    count = int(os.environ.get("CONTRACT_EXAMPLES") or profiles.examples(default))
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass
class Case:
    """One example: its config written out, the portal it goes to, a scratch directory."""

    tree: Tree
    config: Path
    scratch: Path
    portal: Portal

    def workspace(self, config: Path | None = None, portal: Portal | None = None) -> Workspace:
        return Workspace(config or self.config, (portal or self.portal).connection)


@contextmanager
def case(tree: Tree, portal: Portal | None = None) -> Iterator[Case]:
    with tempfile.TemporaryDirectory() as tmp, whole_rows(tree.get(WHOLE_ROWS)):
        config = write_config(copy.deepcopy(tree), Path(tmp) / "config")
        scratch = Path(tmp) / "elsewhere"
        scratch.mkdir()
        yield Case(tree, config, scratch,
                   portal or new_portal(app_token=bool(tree.get(APP_TOKEN))))


@contextmanager
def whole_rows(limit: int | None) -> Iterator[None]:
    """The threshold of the whole status list's read of new pipelines' stages, for one example
    (None: the apply's own)."""
    if limit is None:
        yield
        return
    before = writes.WHOLE_ROWS
    writes.WHOLE_ROWS = limit
    try:
        yield
    finally:
        writes.WHOLE_ROWS = before


def applied(c: Case) -> Case:
    done = c.workspace().apply()
    assert done.report is None or done.report.failed is None, done.report
    return c


def actionable(plan: Plan) -> list[str]:
    """The changes besides manual ones, as the plan prints them (empty when converged)."""
    return [f"{c.action.symbol} {c.address}" for c in plan.changes
            if c.action is not Action.MANUAL]


def manual(plan: Plan) -> list[str]:
    return sorted(str(c.address) for c in plan.changes if c.action is Action.MANUAL)


def converged(ws: Workspace) -> str:
    """'' when a plan has nothing to apply; else the plan's text, for the failure message."""
    plan = ws.plan()
    return "" if not actionable(plan) else render_text(plan)


def assert_converged(ws: Workspace) -> None:
    text = converged(ws)
    assert text == "", text


def export_fresh(c: Case, portal: Portal | None = None) -> Path:
    out = c.scratch / "export"
    Workspace(None, (portal or c.portal).connection).export(out)
    return out


def export_over(c: Case) -> Path:
    """`export` into the directory of the config in use (with `--force` where export asks
    for it): the config's keys and what REST cannot read must survive."""
    ws = c.workspace()
    options: dict[str, Any] = {}
    if "force" in inspect.signature(ws.export).parameters:
        options["force"] = True
    ws.export(c.config, **options)
    return c.config


def xml_ids(v: View) -> XmlIds:
    """The portal's XML_ID of an item by its field's address and value (what export shows)."""
    def lookup(address: str, value: str) -> str:
        found = [k[len(address) + 6:-1] for k, o in v.items()
                 if k.startswith(f"{address}.item[") and o.attrs["value"] == value]
        assert len(found) == 1, (address, value, found)
        return found[0]
    return lookup

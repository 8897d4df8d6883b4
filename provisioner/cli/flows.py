"""What `plan`, `apply`, `drift` and `export` do, over the library; click lives in engine_cmds."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from provisioner.cli.portal_select import Target, beside, open_target
from provisioner.engine import drift, idmap, planfile
from provisioner.engine.applier import apply as apply_plan
from provisioner.engine.exporter import export
from provisioner.engine.live import read_live, with_local_records
from provisioner.engine.loader import DesiredState, load_desired
from provisioner.engine.planner import make_plan
from provisioner.engine.records import check_safe, count_records
from provisioner.engine.render import render_json, render_text
from provisioner.errors import ProvisionError
from provisioner.kinds import KINDS
from provisioner.model import Plan, PlanOptions

CONFIRM = "Apply these changes? Only 'yes' is accepted"
AGAIN = "Nothing was applied: run `provision apply` again to review the new plan."
ID_MAP = "id-map.json"


def err(text: str) -> None:
    click.echo(text, err=True)


@dataclass(frozen=True)
class Where:
    """The portal options every portal command takes."""

    portal_name: str | None = None
    portals_file: str | None = None
    webhook_url: str | None = None
    sandbox_state: str | None = None

    def open(self, config: str | None) -> Target:
        return open_target(config, self.portal_name, self.portals_file, self.webhook_url,
                           self.sandbox_state, err)


@dataclass(frozen=True)
class Consent:
    allow_destroy: bool = False
    allow_data_loss: bool = False
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    extra_protect: tuple[str, ...] = field(default=())


def make(config: str, desired: DesiredState, target: Target,
         options: PlanOptions) -> Plan:
    """Read the portal, plan (pure), count the records in what the plan deletes."""
    live = read_live(target.client)
    # Records kept beside CONFIG for this portal (attested robots): kinds/extensions.py
    live = with_local_records(live, Path(config), target.host, KINDS)
    plan = make_plan(desired, live, options)
    return count_records(plan, target.client)


def options_for(desired: DesiredState, target: Target,
                consent: Consent) -> PlanOptions:
    protect = tuple(dict.fromkeys([*desired.protect, *target.protect]))
    return PlanOptions(consent.allow_destroy, consent.allow_data_loss, protect,
                              consent.targets, consent.excludes)


def show_plan(config: str, where: Where, consent: Consent, as_json: bool, detailed: bool,
              out: str | None) -> None:
    desired = load_desired(config)  # before any portal is touched
    target = where.open(config)
    plan = make(config, desired, target, options_for(desired, target, consent))
    click.echo(render_json(plan) if as_json else render_text(plan), nl=False)
    if out:
        planfile.save(out, plan, desired, target.host)
        err(f"Saved the plan to {out}; apply it with `provision apply {out}`.")
    if detailed and plan.has_actionable:
        sys.exit(2)


def apply_config(config: str, where: Where, consent: Consent, auto_approve: bool,
                 id_map: str | None) -> None:
    desired = load_desired(config)
    target = where.open(config)
    plan = make(config, desired, target, options_for(desired, target, consent))
    click.echo(render_text(plan), nl=False)
    if not plan.has_actionable:
        return
    check_safe(plan, consent.allow_destroy, consent.allow_data_loss)
    if not auto_approve:
        plan = _confirmed(config, desired, target, plan)
    _run_apply(plan, target, consent.allow_destroy, consent.allow_data_loss)
    _after_apply(config, desired, target, id_map)


def _confirmed(config: str, desired: DesiredState, target: Target, plan: Plan) -> Plan:
    """Ask; then, as another apply (or a person) may have changed the portal while the question
    waited, read it again and refuse, naming what changed, when it did. With --auto-approve the
    plan's own read is that fresh read, so no second one is made."""
    if click.prompt(CONFIRM, default="", show_default=False) != "yes":
        err("Apply cancelled.")
        sys.exit(1)
    now = make(config, desired, target, plan.options)
    planfile.check_unchanged(plan, now, AGAIN)
    return now


def apply_saved(path: str, where: Where, consent: Consent, id_map: str | None) -> None:
    """Apply exactly the saved plan, or refuse it as stale; no question asked."""
    saved = planfile.load(path)
    target = where.open(None)
    now = make(path, saved.desired, target, saved.options)
    planfile.check_fresh(saved, now, target.host)
    click.echo(render_text(now), nl=False)
    if not now.has_actionable:
        return
    _run_apply(now, target, consent.allow_destroy or saved.options.allow_destroy,
               consent.allow_data_loss or saved.options.allow_data_loss)
    if id_map:
        _write_id_map(id_map, None, saved.desired, target)


def _run_apply(plan: Plan, target: Target, destroy: bool, data_loss: bool) -> None:
    """Apply a plan made from a read just now (the engine's own re-read would lack the
    attestations kept beside CONFIG)."""
    report = apply_plan(plan, target.client, allow_destroy=destroy, allow_data_loss=data_loss,
                        progress=click.echo, reread=False)
    click.echo(report.summary())
    for address in report.manual:
        click.echo(f"  ! {address}: manual, not applied")


def _after_apply(config: str, desired: DesiredState, target: Target,
                 id_map: str | None) -> None:
    """Write the id map when asked, or by default when CONFIG came from another portal."""
    side = idmap.read_side_file(config)
    migrating = side is not None and side.get("portal") != target.host
    if id_map or migrating:
        _write_id_map(id_map or str(beside(config, ID_MAP)), side, desired, target)


def _write_id_map(path: str, side: dict[str, Any] | None, desired: DesiredState,
                  target: Target) -> None:
    live = read_live(target.client)
    doc = idmap.id_map(side or {}, target.host, idmap.live_ids(live, desired),
                       idmap.users_by_email(target.client))
    click.echo(f"wrote {idmap.write_id_map(path, doc)} (old -> new ids)")


def run_drift(config: str, where: Where, as_json: bool) -> None:
    desired = load_desired(config)
    target = where.open(config)
    plan = make(config, desired, target, options_for(desired, target, Consent()))
    doc = drift.drift_document(plan)
    click.echo(drift.render_drift_json(doc) if as_json else drift.render_drift_text(doc),
               nl=False)
    if not doc["in_sync"]:
        sys.exit(2)


def run_export(out: str, where: Where) -> None:
    target = where.open(None)
    live = read_live(target.client)
    for path in export(live, out):
        click.echo(f"wrote {path}")
    side = idmap.write_side_file(out, target.host, idmap.live_ids(live),
                                 idmap.users_by_email(target.client))
    click.echo(f"wrote {side} (this portal's ids, for the id map after a migration)")


def guarded(fn: Callable[[], None]) -> None:
    """Expected errors: one clear message on stderr and exit 1, no traceback."""
    from provisioner.errors import ConfigError

    try:
        fn()
    except ConfigError as exc:
        err(exc.render())
        sys.exit(1)
    except ProvisionError as exc:
        err(f"Error: {exc}")
        sys.exit(1)

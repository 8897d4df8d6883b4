"""The library workflow: a config and a portal, and everything `provision` does with them.

    ws = Workspace("portal-config", PortalChoice(name="production"))
    plan = ws.plan()                                   # read (with attestations), plan, count
    done = ws.apply(Consent(), confirm=ask)            # ask, read again, refuse if stale, apply
    ws.apply_saved("plan.json")                        # exactly the saved plan, or StalePlan

The command line is a thin layer over this: what the CLI does, a Python caller gets by the same
calls. The workspace decides every read of the portal: the plan's read (which is the fresh read
apply uses: no second one), and after a question (`confirm`), another read that refuses the plan
when the portal changed while the question waited. It keeps the portal's identity, its
attestations (`AttestationStore`) and writes the id map after a migration.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from provisioner.automation import attest as att
from provisioner.engine import (
    ApplyReport,
    DesiredState,
    LiveState,
    Plan,
    PlanOptions,
    idmap,
    load_desired,
    make_plan,
    planfile,
    read_live,
)
from provisioner.engine import apply as apply_plan
from provisioner.engine import drift as drift_report
from provisioner.engine import export_documents
from provisioner.engine.carry import Carried, LeftOut
from provisioner.engine.gcpause import gc_paused
from provisioner.engine.live import read_languages
from provisioner.engine.records import check_safe, count_records
from provisioner.engine.threshold import ChangeLimit, check_limit
from provisioner.errors import ProvisionError
from provisioner.model.printable import printable
from provisioner.workspace import book
from provisioner.workspace.attestations import AttestationStore, with_attestations
from provisioner.workspace.exports import export_source, same_dir, write_export
from provisioner.workspace.identity import PortalIdentity
from provisioner.workspace.lock import PortalLock
from provisioner.workspace.progress import Tracker, Watch, requests_made
from provisioner.workspace.select import Connection, Notice, PortalChoice

ID_MAP = "id-map.json"
AGAIN = "Nothing was applied: run `provision apply` again to review the new plan."
CANCELLED = "Apply cancelled."
Confirm = Callable[[Plan], bool]
Show = Callable[[Plan], None]
Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    """The default `notice`: a library caller is told nothing it did not ask for."""


@dataclass(frozen=True)
class Consent:
    """What the person allowed, and which addresses the plan may touch. `max_changes`: the
    change limit of this run (engine/threshold.py), over the portal's own (portals.toml)."""

    allow_destroy: bool = False
    allow_data_loss: bool = False
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    max_changes: ChangeLimit | None = None


class Cancelled(ProvisionError):
    """The person asked did not confirm the apply; nothing was written."""

    prefix = ""  # printed as it is: a choice, not an error


@dataclass(frozen=True)
class Applied:
    """An apply's outcome: the plan applied (made from the last read), what was done (None when
    the plan had nothing to apply), the id map written, if any, and the HTTP requests the
    apply's writes took (a batch of up to 50 calls is one request)."""

    plan: Plan
    report: ApplyReport | None = None
    id_map: Path | None = None
    requests: int = 0


@dataclass(frozen=True)
class Exported:
    """An export's files; what no REST method could read (`unread`, in words); over a config
    (`source`), what was carried over from it and which of its objects the portal lacks."""

    files: tuple[Path, ...]
    ids: Path  # the exporting portal's ids, for the id map after a migration
    unread: tuple[str, ...] = ()
    carried: tuple[Carried, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    source: Path | None = None


class Workspace:
    """A config (a directory of *.toml, one file, or None for export and saved plans) and the
    portal it is planned against: chosen (`PortalChoice`) or already connected (`Connection`).
    The desired state is loaded before the portal is touched; the portal is connected once."""

    def __init__(self, config: str | Path | None,
                 portal: PortalChoice | Connection | None = None, *,
                 notice: Notice = _quiet, watch: Watch | None = None,
                 lock: PortalLock | None = None, fingerprint: bool = True) -> None:
        """`notice` gets what a person must be told (never a secret); `watch` gets the
        progress of reads and applies (workspace/progress.py), e.g. for a status line.
        `fingerprint`: whether the live reads make their fingerprint (a plan's
        `live_fingerprint`, engine/live.py `read_live`); "" without it."""
        self.config = Path(config) if config is not None else None
        self.portal = portal if portal is not None else PortalChoice()
        self.notice = notice
        self.tracker = Tracker(watch) if watch is not None else None
        self.lock = lock if lock is not None else PortalLock()  # one apply per portal
        self.fingerprint = fingerprint

    # ---- what the workspace holds --------------------------------------------------------

    @cached_property
    def desired(self) -> DesiredState:
        if self.config is None:
            raise ProvisionError("no config given: name a directory of *.toml files or a file")
        return load_desired(self.config)

    @cached_property
    def connection(self) -> Connection:
        if isinstance(self.portal, Connection):
            connection = self.portal
        else:
            sleep = self.tracker.sleep if self.tracker is not None else None
            connection = self.portal.connect(self.config, self.notice, sleep)
        if self.tracker is not None:
            self.tracker.client = connection.client
        return connection

    def _phase(self, name: str, requests_planned: int = 0) -> None:
        if self.tracker is not None:
            self.tracker.phase(name, requests_planned)

    @cached_property
    def identity(self) -> PortalIdentity:
        """The portal's identity; known without connecting to it."""
        if isinstance(self.portal, Connection):
            return self.portal.identity
        return self.portal.identity(self.config)

    @cached_property
    def store(self) -> AttestationStore:
        return AttestationStore(self.identity, self.config)

    @cached_property
    def attestations(self) -> att.Attestations:
        return self.store.read(self.notice)

    # ---- reading and planning ------------------------------------------------------------

    def read(self, attestations: att.Attestations | None = None,
             desired: DesiredState | None = None) -> LiveState:
        """The live state, plus the attestations of this portal (what REST cannot read):
        those kept for the config, unless others are given (a saved plan's). With `desired`,
        labels are read in the languages it names only (a plan's read); else in every one."""
        client = self.connection.client
        self._phase("read")
        languages = None if desired is None else read_languages(desired.parts)
        live = read_live(client, languages=languages, fingerprint=self.fingerprint)
        chosen = self.attestations if attestations is None else attestations
        return with_attestations(live, chosen)

    def options(self, consent: Consent) -> PlanOptions:
        protect = tuple(dict.fromkeys([*self.desired.protect, *self.connection.protect]))
        return PlanOptions(consent.allow_destroy, consent.allow_data_loss, protect,
                           consent.targets, consent.excludes)

    def plan(self, consent: Consent = Consent()) -> Plan:
        """Read the portal, plan (pure), count the records in what the plan deletes."""
        desired = self.desired  # loaded (and checked) before the portal is touched
        return self._plan(desired, self.options(consent))

    def _plan(self, desired: DesiredState, options: PlanOptions,
              attestations: att.Attestations | None = None) -> Plan:
        live = self.read(attestations, desired)
        with gc_paused():  # the plan's objects are no garbage either (engine/gcpause.py)
            plan = make_plan(desired, live, options)
        return count_records(plan, self.connection.client)

    def change_limit(self, consent: Consent) -> ChangeLimit | None:
        """This run's change limit, else the portal's (portals.toml), else none."""
        return consent.max_changes or self.connection.max_changes

    def check_limit(self, plan: Plan, consent: Consent) -> None:
        """TooManyChanges when the plan updates or deletes more managed objects than the
        change limit allows (engine/threshold.py)."""
        check_limit(plan, self.change_limit(consent))

    def save_plan(self, plan: Plan, path: str | Path) -> Path:
        """Write `plan` for `apply_saved`, with what it was made from (never a secret)."""
        local: dict[str, Any] = {}
        if self.attestations.stages or self.attestations.rules:
            local["attestations"] = att.to_document(self.attestations)
        side = idmap.read_side_file(self.config) if self.config is not None else None
        if side is not None:
            local["ids"] = side
        planfile.save(path, plan, self.desired, str(self.identity), local)
        return Path(path)

    # ---- applying --------------------------------------------------------------------------

    def apply(self, consent: Consent = Consent(), *, confirm: Confirm | None = None,
              show: Show | None = None, progress: Progress | None = None,
              id_map: str | Path | None = None) -> Applied:
        """Plan, `show` it, refuse what consent does not cover, ask `confirm` (None: approved,
        and the plan's own read is the fresh one), read again after the question and refuse
        when the portal changed meanwhile (StalePlan), apply, write the id map when asked or
        when the config was exported from another portal. Cancelled when `confirm` says no.
        The portal's lock (`PortalLock`) is held from the read apply writes from to the last
        write: around everything without a question, from the read after it with one."""
        self.desired  # noqa: B018  (loaded and checked before the lock and the portal)
        held = self.lock.held(self.identity, self.notice) if confirm is None else None
        with held or contextlib.nullcontext():
            plan = self.plan(consent)
            if show is not None:
                show(plan)
            side = idmap.read_side_file(self.config) if self.config is not None else None
            default = beside(self.config, ID_MAP) if self.config is not None else None
            if not plan.has_actionable:
                return Applied(plan, None, self._id_map(side, id_map, default))
            check_safe(plan, consent.allow_destroy, consent.allow_data_loss)
            self.check_limit(plan, consent)
            if confirm is not None and not confirm(plan):
                raise Cancelled(CANCELLED)
            with contextlib.nullcontext() if held else self.lock.held(self.identity, self.notice):
                if confirm is not None:
                    now = self._plan(self.desired, plan.options)
                    planfile.check_unchanged(plan, now, AGAIN)
                    plan = now
                report, requests = self._run(plan, consent.allow_destroy,
                                             consent.allow_data_loss, progress)
        return Applied(plan, report, self._id_map(side, id_map, default), requests)

    def apply_saved(self, path: str | Path, consent: Consent = Consent(), *,
                    show: Show | None = None, progress: Progress | None = None,
                    id_map: str | Path | None = None) -> Applied:
        """Apply exactly the saved plan, or refuse it (StalePlan: another portal, or the portal
        changed since); no question. Attestations and the exporting portal's ids come from the
        plan file, so it applies wherever it is kept; the id map goes beside it by default."""
        saved = planfile.load(path)  # a broken file is refused before the portal is touched
        if not self.identity.is_recorded_as(saved.portal):
            raise planfile.StalePlan(f"the plan was made for portal {saved.portal}, "
                                     f"not {self.identity}")
        kept = AttestationStore(self.identity, saved=saved.local.get("attestations") or {})
        with self.lock.held(self.identity, self.notice):
            now = self._plan(saved.desired, saved.options, kept.read())
            planfile.check_fresh(saved, now)
            if show is not None:
                show(now)
            report, requests = None, 0
            if now.has_actionable:
                self.check_limit(now, consent)
                report, requests = self._run(
                    now, consent.allow_destroy or saved.options.allow_destroy,
                    consent.allow_data_loss or saved.options.allow_data_loss, progress)
        side, default = saved.local.get("ids"), Path(path).parent / ID_MAP
        return Applied(now, report, self._id_map(side, id_map, default, saved.desired),
                       requests)

    def _run(self, plan: Plan, destroy: bool, data_loss: bool,
             progress: Progress | None) -> tuple[ApplyReport, int]:
        """Apply; the report and the HTTP requests it took. An interrupt (Ctrl-C) ends it with
        ApplyInterrupted: what was done, what may have been, what was not (engine/applier.py).
        """
        # The plan was made from a read just now (with the attestations): the engine's own
        # re-read would lack them, and the workspace decides the reads.
        client = self.connection.client
        self._phase("apply", plan.cost.apply_requests if plan.cost is not None else 0)
        before = requests_made(client)
        shown = progress or _quiet  # a call's label holds addresses made of portal names

        def escaped(line: str) -> None:
            shown(printable(line))

        tell: Progress = escaped
        if self.tracker is not None:
            tell = self._counted(tell, self.tracker)
        report = apply_plan(plan, client, allow_destroy=destroy, allow_data_loss=data_loss,
                            progress=tell, reread=False)
        return report, requests_made(client) - before

    @staticmethod
    def _counted(progress: Progress, tracker: Tracker) -> Progress:
        def tell(label: str) -> None:
            progress(label)
            tracker.call_done(label)

        return tell

    def _id_map(self, side: Any, asked: str | Path | None, default: Path | None,
                desired: DesiredState | None = None) -> Path | None:
        """Write the id map when asked, or by default when the config was exported from
        another portal (its side file names that portal)."""
        migrating = isinstance(side, dict) and not self.identity.is_recorded_as(
            str(side.get("portal")))
        target = Path(asked) if asked else (default if migrating else None)
        if target is None:
            return None
        self._phase("ids")
        live = read_live(self.connection.client, fingerprint=self.fingerprint)
        ids = idmap.live_ids(live, desired or self.desired)
        doc = idmap.id_map(side if isinstance(side, dict) else {}, str(self.identity), ids,
                           idmap.users_by_email(self.connection.client))
        return idmap.write_id_map(target, doc)

    # ---- drift, export, runbook, attest --------------------------------------------------

    def drift(self, strict: bool = False) -> dict[str, Any]:
        """What differs between the config and the portal (engine/drift.py's document):
        `in_sync` is false only for drift of what the config manages, unless `strict`."""
        return drift_report.drift_document(self.plan(), strict)

    def export(self, out: str | Path, force: bool = False) -> Exported:
        """The live portal as desired-state TOML in `out`, and its ids beside them. Refused
        (before the portal is read) when `out` holds a config or export's files, unless
        `force`; then written over it, file by file, atomically, keeping the files export does
        not write. The config carried over from (its keys, and what REST cannot read): the
        workspace's config (`--from`), else the one in `out`."""
        target = Path(out)
        source = export_source(self.config, target, force)
        if source is not None:
            self.notice(f"Reading {source}: its keys are kept, and what the portal cannot give "
                        "back is carried over from it.")
        over = None if source is None else \
            self.desired if source == self.config else load_desired(source)
        client = self.connection.client
        self._phase("read")
        live = read_live(client, fingerprint=self.fingerprint)
        docs = export_documents(live, over, source=str(source) if source else None,
                                every_file=source is not None and same_dir(source, target),
                                notice=self.notice)
        files = write_export(target, docs.files)
        # ids by the export's keys (the config's, when carried from one), as apply pairs them
        side = idmap.write_side_file(target, str(self.identity), idmap.live_ids(live, over),
                                     idmap.users_by_email(client))
        return Exported(files, side, docs.unread, docs.carried, docs.left_out, source)

    def runbook(self, out: str | Path, lang: str | None = None) -> book.Written:
        """runbook.md and runbook.html in `out`: the manual steps left on this portal."""
        desired = self.desired
        return book.write_runbook(desired, self.read(), str(self.identity), Path(out), lang)

    def attest(self, by: str, stages: Sequence[str] = (),
               date: str | None = None) -> book.Attested:
        """Record that the runbook's steps were carried out on this portal (for `stages`,
        default every stage with robots or triggers); no connection is needed."""
        when = date or datetime.date.today().isoformat()
        return book.attest(self.desired, self.store, self.attestations, by, list(stages), when)


def beside(config: Path, name: str) -> Path:
    """`name` in the config directory (CONFIG itself, or a one-file CONFIG's folder)."""
    return (config if config.is_dir() else config.parent) / name

"""Kinds `call_card` (`[call_card]`) and `tasks` (`[tasks.deadline_guard]`): the companion app's
configuration, checked at load, and the bindings it needs on the portal, planned and applied.

`[call_card]` wants the app's CALL_CARD tab at `<public_url>/call-card`
(`app.placement[CALL_CARD]`, titled as the config says); an enabled deadline guard wants the
app's ONTASKUPDATE handler at `<public_url>/event` (`app.event[ONTASKUPDATE]`). `public_url`
may be written in either table; both tables name the same app. In `link` the call card's
status field is resolved against the company fields the config declares. The app itself
(`provision app serve`) reads the same parts (`provisioner.companion`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provisioner.kinds.automation.app import is_app
from provisioner.kinds.companion import bindings as bd
from provisioner.kinds.companion.model import CallCardConfig, CallCardPart, TasksPart
from provisioner.kinds.companion.parse import (
    check_status_items,
    parse_call_card,
    parse_deadline_guard,
    public_url,
    status_items,
)
from provisioner.kinds.companion.shapes import CALL_CARD, TASKS
from provisioner.kinds.fields.model import FieldSpec
from provisioner.model import (
    Change,
    Kind,
    Links,
    Pairing,
    Pairs,
    Parts,
    ReadCall,
    ReadsMore,
    Report,
    Results,
    Script,
    tuple_part,
)
from provisioner.model.address import Address
from provisioner.model.shape import Path, check

CARD_ROUTE, EVENT_ROUTE = "/call-card", "/event"  # the app's paths (companion/web.py)
GUARD_PATH = ("tasks", "deadline_guard")
NO_URL = ("add public_url = \"https://app.example.com\" (where `provision app serve` is reached) "
          "to [call_card] or [tasks.deadline_guard]")
READS = {"app_info": ReadCall("app.info", {}), bd.SCOPE_KEY: ReadCall("scope", {})}
CARD = bd.Target(bd.PLACEMENT, "CALL_CARD", "app_placements", ("placement", "telephony"),
                 "the call card's tab (placement CALL_CARD)")
GUARD = bd.Target(bd.EVENT, "ONTASKUPDATE", "app_events", ("task",),
                  "the deadline guard's handler (event ONTASKUPDATE)")


class CallCard(Kind[CallCardPart, bd.BindingsLive], Links[CallCardPart], ReadsMore):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "call_card"
    path = ("call_card",)
    # export carries it over: the rules are the companion app's, kept in the config only
    unread = "the companion app's call-card rules ([call_card])"
    shape = CALL_CARD

    def parse(self, tree: Any, path: Path, report: Report) -> CallCardPart:
        card, issues = parse_call_card(tree, path, shape=False)
        url, more = public_url(tree, path)
        report.issues.extend([*issues, *more])
        sound = card is not None and not issues and not check(CALL_CARD, tree, path)
        return CallCardPart(card or CallCardConfig(()), url, sound=sound)

    def link(self, part: CallCardPart | None, parts: Parts, report: Report
             ) -> CallCardPart | None:
        """The app's URL (from either table) and the status field's items."""
        if part is None:
            return None
        tasks = parts.get(Tasks.name)
        other = tasks.public_url if isinstance(tasks, TasksPart) else None
        if part.public_url and other and other != part.public_url:
            report.add((*GUARD_PATH, "public_url"), f"differs from call_card.public_url "
                       f"({part.public_url}): one app serves both", "write the same address, "
                       "or leave it out here (the one in [call_card] counts for both)")
        card = part.card
        items: tuple[tuple[str, str], ...] = ()
        default = None
        if card.status_field and part.sound:
            fields = tuple_part(parts, "company.fields", FieldSpec)
            found = status_items(fields, card.status_field)
            report.issues.extend(check_status_items(card, found[0] if found else None,
                                                    self.path))
            if found:
                items, default = tuple(found[0].items()), found[1]
        url = part.public_url or other
        if url is None:
            _no_url(self.path, report)
        return replace(part, public_url=url, status_items=items, default_status=default)

    def read_calls(self) -> Mapping[str, ReadCall]:
        return READS

    def more_reads(self, results: Results) -> Mapping[str, ReadCall]:
        """The app's placements, when the token is an app's with the `placement` scope."""
        if not is_app(results.get("app_info")) or "placement" not in bd.scopes(results):
            return {}
        return {CARD.read_key: ReadCall("placement.get", {})}

    def from_live(self, results: Results) -> bd.BindingsLive:
        return bd.live(results, CARD)

    def pair(self, desired: CallCardPart | None, live: bd.BindingsLive) -> Pairing:
        wanted = None
        if desired is not None and desired.public_url:
            wanted = bd.Binding(bd.PLACEMENT, CARD.code, desired.public_url + CARD_ROUTE,
                                desired.card.title)
        pairs = Pairs(self.name)
        bd.pair(pairs, CARD, wanted, live)
        return pairs.pairing()

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        return bd.script(changes, desired, live)


class Tasks(Kind[TasksPart, bd.BindingsLive], Links[TasksPart], ReadsMore):
    """The kind object registered in `provisioner.kinds.KINDS`."""

    name = "tasks"
    path = ("tasks",)
    unread = "its deadline guard ([tasks])"  # the app's too: in the config only
    shape = TASKS

    def parse(self, tree: Any, path: Path, report: Report) -> TasksPart:
        table = tree.get("deadline_guard") if isinstance(tree, dict) else None
        if not isinstance(table, dict):
            return TasksPart()
        here = (*path, "deadline_guard")
        guard, issues = parse_deadline_guard(table, here, shape=False)
        url, more = public_url(table, here)
        report.issues.extend([*issues, *more])
        return TasksPart(guard, url)

    def link(self, part: TasksPart | None, parts: Parts, report: Report) -> TasksPart | None:
        """The app's URL from [call_card] when this table has none (needed only by an enabled
        guard); a difference between the two is reported by the call-card kind."""
        if part is None or part.guard is None:
            return part
        card = parts.get(CallCard.name)
        url = part.public_url or (card.public_url if isinstance(card, CallCardPart) else None)
        if url is None and part.guard.enabled:
            _no_url(GUARD_PATH, report)
        return replace(part, public_url=url)

    def read_calls(self) -> Mapping[str, ReadCall]:
        return READS

    def more_reads(self, results: Results) -> Mapping[str, ReadCall]:
        """The app's event handlers (`event.get`: any app token may call it)."""
        if not is_app(results.get("app_info")):
            return {}
        return {GUARD.read_key: ReadCall("event.get", {})}

    def from_live(self, results: Results) -> bd.BindingsLive:
        return bd.live(results, GUARD)

    def pair(self, desired: TasksPart | None, live: bd.BindingsLive) -> Pairing:
        wanted = None
        guard = desired.guard if desired is not None else None
        if desired is not None and guard is not None and guard.enabled and desired.public_url:
            wanted = bd.Binding(bd.EVENT, GUARD.code, desired.public_url + EVENT_ROUTE)
        pairs = Pairs(self.name)
        bd.pair(pairs, GUARD, wanted, live)
        return pairs.pairing()

    def apply(self, changes: Sequence[Change], desired: Mapping[Address, Any],
              live: Mapping[Address, Any]) -> Script:
        return bd.script(changes, desired, live)


def _no_url(path: Path, report: Report) -> None:
    """Once: a `public_url` that is there but wrong has its own problem already."""
    if not any(i.path[-1:] == ("public_url",) for i in report.issues):
        report.add((*path, "public_url"), "the portal must be told where the companion app "
                   "is, and no public_url is given", NO_URL)

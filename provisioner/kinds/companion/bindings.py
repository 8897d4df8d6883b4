"""The companion app's bindings as planned objects: its call-card tab (`app.placement[CALL_CARD]`)
and its deadline-guard handler (`app.event[ONTASKUPDATE]`).

Read with `placement.get` / `event.get`, written with `placement.bind` / `event.bind` and
`placement.unbind` / `event.unbind`; there is no update method, so a changed handler or title
is unbound and bound again. Application context only: a webhook gets WRONG_AUTH_TYPE, so with
one the plan lists the wanted bindings as manual changes saying why. A binding belongs to the
application that made it: `placement.get` and `event.get` show the calling app's own
(docs/portal-rules.md#events-and-placements). Further handlers the app bound for the same
placement or event (an older URL) are objects of their own under it
(`app.placement[CALL_CARD].handler[<url>]`), deleted like any object the config does not name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from provisioner.kinds.automation.app import is_app
from provisioner.model import Action, Call, Change, Pairs, Results, Script, attribute, live_only
from provisioner.model.address import Address
from provisioner.model.reasons import Reason

PLACEMENT, EVENT = "app.placement", "app.event"
HANDLER = "handler"
SCOPE_KEY = "token_scope"  # the read of `scope`: the scopes of the connection's token


@dataclass(frozen=True, slots=True)
class Binding:
    """One binding of the app: a placement's tab (with its title) or an event's handler."""

    step: str  # PLACEMENT or EVENT
    code: str  # CALL_CARD, ONTASKUPDATE
    handler: str = attribute()
    title: str | None = attribute(default=None)  # placements only (TITLE)
    system: bool = live_only(False)
    address: Address = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", Address.of(self.step, self.code))

    @property
    def scope(self) -> str:
        return self.step


@dataclass(frozen=True, slots=True)
class OtherHandler:
    """A further handler the app has bound for the same placement or event."""

    owner: Address = field(compare=False)
    handler: str = attribute()
    title: str | None = attribute(default=None)
    system: bool = live_only(False)
    address: Address = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", self.owner.child(HANDLER, self.handler))

    @property
    def scope(self) -> str:
        return f"{self.owner.parts[0][0]}.{HANDLER}"


@dataclass(frozen=True)
class BindingsLive:
    """What the portal answered: `rows` (handler, title) in binding order, None when the
    connection cannot read them (a webhook, or a token without the scope)."""

    app: bool = False  # the connection is an application's (OAuth) token
    scopes: frozenset[str] = frozenset()
    rows: tuple[tuple[str, str | None], ...] | None = None


@dataclass(frozen=True)
class Target:
    """What one kind binds: the address step, the code, the read and the scopes it needs."""

    step: str
    code: str
    read_key: str
    needs: tuple[str, ...]  # scopes the binding needs (placement.bind: CALL_CARD's telephony)
    what: str  # for people: "the call card's tab"

    @property
    def methods(self) -> str:
        return "placement.*" if self.step == PLACEMENT else "event.*"


# ---- reasons ------------------------------------------------------------------------------

@dataclass(frozen=True)
class NeedsAppToken(Reason):
    """A binding cannot be read or written with a webhook."""

    code: ClassVar[str] = "binding_needs_app_token"
    what: str
    methods: str

    @property
    def text(self) -> str:
        # No REST call and no portal form binds for another app: by hand means letting the
        # app's own installer do it (docs/companion.md, "Creating the local app").
        return (f"manual with a webhook: {self.what} belongs to the companion app, and the "
                f"portal refuses {self.methods} to a webhook (WRONG_AUTH_TYPE), so provision "
                "neither reads nor writes it. By hand: run `provision app serve` with this "
                "config and install the local app on the portal (Приложения → Разработчикам → "
                "Готовые сценарии → Другое → Локальное приложение; installed already: reinstall "
                "it): its installer binds the handler above. Or connect provision with the "
                "app's OAuth token (oauth_* in portals.toml, docs/companion.md) and apply")


@dataclass(frozen=True)
class NeedsScopes(Reason):
    """The app's token lacks a scope the binding needs."""

    code: ClassVar[str] = "binding_needs_scope"
    what: str
    scopes: tuple[str, ...]

    @property
    def text(self) -> str:
        return (f"needs the app's scope {', '.join(self.scopes)}: {self.what} cannot be "
                "bound with this token, so it is neither compared nor written. Tick the scope "
                "in the local app's settings, reinstall the app and plan again")


# ---- live ---------------------------------------------------------------------------------

def scopes(results: Results) -> frozenset[str]:
    rows = results.get(SCOPE_KEY)
    return frozenset(str(s) for s in rows) if isinstance(rows, list) else frozenset()


def live(results: Results, target: Target) -> BindingsLive:
    app = is_app(results.get("app_info"))
    rows = results.get(target.read_key)
    if not app or not isinstance(rows, list):
        return BindingsLive(app, scopes(results))
    return BindingsLive(app, scopes(results), tuple(_rows(rows, target)))


def _rows(rows: Sequence[Any], target: Target) -> Iterator[tuple[str, str | None]]:
    """placement.get: {placement, handler, title, ...}; event.get: {event, handler,
    auth_type, offline} (an offline binding has no handler)."""
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("handler"), str):
            continue
        code = str(row.get("placement" if target.step == PLACEMENT else "event", "")).upper()
        handler = row["handler"]
        if code != target.code or handler in seen or row.get("offline") in (1, "1", True):
            continue
        seen.add(handler)  # one handler bound under several users is one binding here
        title = row.get("title")
        yield handler, (str(title) if title is not None else "") \
            if target.step == PLACEMENT else None


# ---- pairing ------------------------------------------------------------------------------

def pair(pairs: Pairs, target: Target, wanted: Binding | None, have: BindingsLive) -> None:
    """The wanted binding against the live ones, or (when they cannot be read) a manual
    change saying why. The handler the config names, else the first one bound, is the live
    binding at the address; any other is an `OtherHandler` under it."""
    if have.rows is None or not have.app or set(target.needs) - have.scopes:
        if wanted is not None:
            pairs.manual([_manual(pairs.kind, target, wanted, have)])
        return
    rows = list(have.rows)
    main = next((r for r in rows if wanted is not None and r[0] == wanted.handler),
                rows[0] if rows else None)
    if main is not None:
        node = Binding(target.step, target.code, main[0], main[1])
        pairs.have([node, *(OtherHandler(node.address, h, t) for h, t in rows if h != main[0])])
    if wanted is not None:
        pairs.want_all([wanted])
    pairs.manage(target.step, f"{target.step}.{HANDLER}")


def _manual(kind: str, target: Target, wanted: Binding, have: BindingsLive) -> Change:
    missing = tuple(s for s in target.needs if s not in have.scopes)
    why: Reason = NeedsAppToken(target.what, target.methods) if not have.app else \
        NeedsScopes(target.what, missing or (target.needs[0],))
    after = {k: v for k, v in (("handler", wanted.handler), ("title", wanted.title))
             if v is not None}
    return Change(wanted.address, kind, Action.MANUAL, None, after, why)


# ---- apply --------------------------------------------------------------------------------

def script(changes: Sequence[Change], desired: Mapping[Address, Any],
           live_nodes: Mapping[Address, Any]) -> Script:
    """Round 1 unbinds what goes (deleted, or changed: no update method), round 2 binds."""
    unbind: list[Call] = []
    bind: list[Call] = []
    for c in changes:
        label = f"{c.action.symbol} {c.address}"
        if c.action in (Action.DELETE, Action.UPDATE, Action.REPLACE):
            unbind.append(_unbind(live_nodes[c.address], label))
        if c.action in (Action.CREATE, Action.UPDATE, Action.REPLACE):
            again = c.action is not Action.CREATE
            bind.append(_bind(desired[c.address], f"  bind it again at {desired[c.address].handler}"
                              if again else label))
    if unbind:
        yield unbind
    if bind:
        yield bind


def _where(node: Binding | OtherHandler) -> tuple[str, str]:
    if isinstance(node, Binding):
        return node.step, node.code
    return node.owner.parts[0]


def _unbind(node: Binding | OtherHandler, label: str) -> Call:
    step, code = _where(node)
    if step == PLACEMENT:  # without HANDLER every handler of the placement would go
        return Call("placement.unbind", {"PLACEMENT": code, "HANDLER": node.handler}, label)
    return Call("event.unbind", {"event": code, "handler": node.handler}, label)


def _bind(node: Binding, label: str) -> Call:
    if node.step == PLACEMENT:
        return Call("placement.bind", {"PLACEMENT": node.code, "HANDLER": node.handler,
                                       "TITLE": node.title or ""}, label)
    return Call("event.bind", {"event": node.code, "handler": node.handler}, label)

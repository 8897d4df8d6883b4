"""An application's own robot types (`[app.robots.<CODE>]`) and trigger types
(`[app.triggers.<CODE>]`): model, TOML shape, pairing and REST writes.

bitrix24-automation.md (a), (d) 4: `bizproc.robot.*` and `crm.automation.trigger.*` answer only
an application (OAuth) token; a webhook gets WRONG_AUTH_TYPE. `bizproc.robot.list` returns codes
only, so a robot type is reconciled by existence (its definition is sent when it is added);
`crm.automation.trigger.list` returns NAME and CODE, so a trigger type is also renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from provisioner.model import Action, Call, Change, Pairs, attribute
from provisioner.model.address import Address
from provisioner.model.reasons import Reason
from provisioner.model.shape import MapOf, OneOf, Prop, Scalar, Table

ROBOT, TRIGGER = "app.robot", "app.trigger"
ROBOT_CODE = r"[a-zA-Z0-9._-]{1,64}"
TRIGGER_CODE = r"[a-z0-9._-]{1,64}"
PROPERTY_TYPES = ("bool", "date", "datetime", "double", "int", "select", "string", "text",
                  "user")
WEBHOOK = ("app robot and trigger types need an application (OAuth) token; this portal "
           "connection is a webhook, which the portal refuses for bizproc.robot.* and "
           "crm.automation.trigger.* (WRONG_AUTH_TYPE): nothing was read or will be written; "
           "connect with the app's OAuth token to reconcile them")


@dataclass(frozen=True)
class NeedsAppToken(Reason):
    """App robot and trigger types cannot be read or written with a webhook."""

    code: ClassVar[str] = "needs_app_token"

    @property
    def text(self) -> str:
        return WEBHOOK


@dataclass(frozen=True)
class AppRobot:
    """A robot type the app implements. Only its code can be read back from the portal."""

    code: str
    name: str | None = attribute(default=None)
    handler: str | None = attribute(default=None)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)  # bizproc.robot.add
    system: bool = False

    @property
    def address(self) -> Address:
        return Address.of(ROBOT, self.code)

    @property
    def scope(self) -> str:
        return ROBOT


@dataclass(frozen=True)
class AppTrigger:
    """A trigger type the app fires; the portal keeps its NAME and CODE."""

    code: str
    name: str | None = attribute(default=None)
    system: bool = False

    @property
    def address(self) -> Address:
        return Address.of(TRIGGER, self.code)

    @property
    def scope(self) -> str:
        return TRIGGER


@dataclass(frozen=True)
class AppTypes:
    robots: tuple[AppRobot, ...] = ()
    triggers: tuple[AppTrigger, ...] = ()


@dataclass(frozen=True)
class AppLive:
    """What the portal answered; None when the connection cannot read it (a webhook)."""

    robots: tuple[str, ...] | None = None
    triggers: tuple[tuple[str, str], ...] | None = None


# ---- shape --------------------------------------------------------------------------------

_TEXT = Scalar("string", non_blank=True)
_NAME = OneOf((_TEXT, MapOf(_TEXT, r"[a-z]{2}", "Text by language (ru, en, ...).")),
              "A text, or a table of texts by language.")


def _property_shape() -> MapOf:
    item = Table({
        "name": Prop(_NAME, required=True),
        "type": Prop(Scalar("string", "Value type.", enum=PROPERTY_TYPES), required=True),
        "description": Prop(_NAME),
        "required": Prop(Scalar("boolean", default=False)),
        "multiple": Prop(Scalar("boolean", default=False)),
        "default": Prop(Scalar("string")),
        "options": Prop(MapOf(_TEXT, r".+", "Choices of a select: value = text.")),
    }, "A property of the robot (an input, or a return value).")
    return MapOf(item, r"[a-zA-Z][a-zA-Z0-9_]*", "Properties by key.",
                 "start with a Latin letter; then letters, digits and `_`")


def app_shape() -> Table:
    robot = Table({
        "name": Prop(_NAME, required=True),
        "handler": Prop(Scalar("string", "URL the portal calls when the robot runs.",
                               pattern=r"https?://[^\s/]+.*", fix="write an http(s):// URL"),
                        required=True),
        "description": Prop(_NAME),
        "auth_user_id": Prop(Scalar("integer", "User whose token the handler receives.")),
        "use_subscription": Prop(Scalar("boolean", "Wait for the handler's answer.")),
        "use_placement": Prop(Scalar("boolean", "Open the app's own settings dialog.")),
        "placement_handler": Prop(Scalar("string", "URL of that dialog.")),
        "properties": Prop(_property_shape()),
        "return_properties": Prop(_property_shape()),
    }, "A robot type implemented by the app (bizproc.robot.add).")
    trigger = Table({"name": Prop(_TEXT, required=True)},
                    "A trigger type the app fires (crm.automation.trigger.add).")
    return Table({
        "robots": Prop(MapOf(robot, ROBOT_CODE, "Robot types by CODE.",
                             "use Latin letters, digits, `.`, `_` and `-`")),
        "triggers": Prop(MapOf(trigger, TRIGGER_CODE, "Trigger types by CODE.",
                               "use lower-case Latin letters, digits, `.`, `_` and `-`")),
    }, "The app's own robot and trigger types (need an application OAuth token).")


# ---- desired ------------------------------------------------------------------------------

def parse_app(tree: Any) -> AppTypes:
    robots = tree.get("robots", {}) if isinstance(tree, dict) else {}
    triggers = tree.get("triggers", {}) if isinstance(tree, dict) else {}
    return AppTypes(
        tuple(_robot(code, raw) for code, raw in robots.items() if isinstance(raw, dict)),
        tuple(AppTrigger(code, str(raw.get("name", ""))) for code, raw in triggers.items()
              if isinstance(raw, dict)))


def _robot(code: str, raw: Mapping[str, Any]) -> AppRobot:
    params: dict[str, Any] = {"CODE": code, "NAME": raw.get("name"),
                              "HANDLER": raw.get("handler")}
    for key, rest in (("description", "DESCRIPTION"), ("auth_user_id", "AUTH_USER_ID"),
                      ("placement_handler", "PLACEMENT_HANDLER")):
        if key in raw:
            params[rest] = raw[key]
    for key, rest in (("use_subscription", "USE_SUBSCRIPTION"), ("use_placement",
                                                                 "USE_PLACEMENT")):
        if key in raw:
            params[rest] = "Y" if raw[key] else "N"
    for key, rest in (("properties", "PROPERTIES"), ("return_properties", "RETURN_PROPERTIES")):
        if isinstance(raw.get(key), dict):
            params[rest] = {k: _property(v) for k, v in raw[key].items() if isinstance(v, dict)}
    name = raw.get("name")
    shown = name if isinstance(name, str) else next(iter(name.values()), code) \
        if isinstance(name, dict) and name else code
    return AppRobot(code, str(shown), str(raw.get("handler", "")), params)


def _property(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": raw.get("name"), "Type": raw.get("type")}
    for key, rest in (("description", "Description"), ("default", "Default"),
                      ("options", "Options")):
        if key in raw:
            out[rest] = raw[key]
    for key, rest in (("required", "Required"), ("multiple", "Multiple")):
        if key in raw:
            out[rest] = "Y" if raw[key] else "N"
    return out


# ---- live and pairing -----------------------------------------------------------------------

def is_app(app_info: Any) -> bool:
    """`app.info` names the application for an OAuth token; for a webhook it has no app."""
    return isinstance(app_info, Mapping) and bool(app_info.get("CODE") or app_info.get("ID"))


def app_live(results: Mapping[str, Any]) -> AppLive:
    if "app_robots" not in results:
        return AppLive()
    rows = results.get("app_triggers") or []
    return AppLive(tuple(str(c) for c in results.get("app_robots") or []),
                   tuple((str(r["CODE"]), str(r.get("NAME", ""))) for r in rows))


def pair_app(pairs: Pairs, desired: AppTypes | None, live: AppLive) -> None:
    """Desired and live types, or (with a webhook) one manual change per desired type."""
    wanted = desired or AppTypes()
    nodes: list[AppRobot | AppTrigger] = [*wanted.robots, *wanted.triggers]
    if live.robots is None:
        pairs.manual(Change(n.address, pairs.kind, Action.MANUAL, None, {"name": n.name},
                            NeedsAppToken()) for n in nodes)
        return
    by_code = {r.code: r for r in wanted.robots}
    # A registered robot type is seen through the desired one: its definition cannot be read.
    pairs.have(by_code.get(code, AppRobot(code)) for code in live.robots)
    pairs.have(AppTrigger(code, name) for code, name in live.triggers or ())
    pairs.want_all(nodes)  # no parent: nothing lies under another object
    if nodes:
        pairs.manage(ROBOT, TRIGGER)


def app_calls(changes: Sequence[Change], desired: Mapping[Address, Any]) -> list[Call]:
    calls = []
    for c in changes:
        label = f"{c.action.symbol} {c.address}"
        step, code = c.address.parts[0]
        if step == ROBOT:
            calls.append(Call("bizproc.robot.delete", {"CODE": code}, label)
                         if c.action is Action.DELETE else
                         Call("bizproc.robot.add", dict(desired[c.address].params), label))
        elif step == TRIGGER:
            calls.append(Call("crm.automation.trigger.delete", {"CODE": code}, label)
                         if c.action is Action.DELETE else
                         Call("crm.automation.trigger.add",
                              {"CODE": code, "NAME": desired[c.address].name}, label))
    return calls

"""Check a stage's automation against what the portal has: stages, fields, users, availability.

The `Catalog` is built by the engine from what it already read (stages, fields, user.get); a part
left as None is not checked (offline `validate`). Every problem is located and all are reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.automation import catalogue as cat
from provisioner.automation import fieldref
from provisioner.automation.model import (
    Condition,
    Robot,
    StageAutomation,
    Trigger,
    pipeline_address,
)
from provisioner.automation.parse import Locate, Reporter
from provisioner.errors import Problem

_DOC_FIELD = re.compile(r"\{=Document:((?:field:)?[A-Za-z0-9_.]+)")
_USER_FIELD = re.compile(r"^\{=Document:((?:field:)?[A-Za-z0-9_.]+)\}$")  # "the user in field X"
# Properties whose value is a user (bitrix24-automation.md (c)): a field there must hold one.
USER_PROPERTIES = {("MessageUserTo",), ("MessageUserFrom",), ("ToUsers",), ("RecipientUser",),
                   ("Fields", "CREATED_BY"), ("Fields", "RESPONSIBLE_ID"),
                   ("Fields", "ACCOMPLICES"), ("Fields", "AUDITORS")}
_EMAIL = re.compile(r"^[^@\s{}]+@[^@\s{}]+\.[^@\s{}]+$")
_RELATED = ("CONTACT", "COMPANY")  # the deal document's prefixed related fields (b.5)
OPTION_OF_PROPERTY = {
    ("MessageText",): "message", ("MessageUserTo",): "to", ("MessageUserFrom",): "from",
    ("ToUsers",): "to", ("RecipientUser",): "to", ("Fields", "TITLE"): "task_title",
    ("Fields", "DESCRIPTION"): "description", ("Fields", "CREATED_BY"): "creator",
    ("Fields", "RESPONSIBLE_ID"): "responsible",
}


@dataclass(frozen=True)
class Catalog:
    """What the portal has, by natural keys. Field maps go from field id to its label."""

    stages: Mapping[str, frozenset[str]] | None = None  # pipeline address -> stage codes
    fields: Mapping[str, Mapping[str, str]] | None = None  # entity -> field id -> label
    users: Mapping[str, int] | None = None  # e-mail (lower case) -> user id
    # entity -> the ids of its fields that hold a user (employee fields, the responsible, ...)
    employees: Mapping[str, frozenset[str]] | None = None
    # entity -> field:KEY -> the portal's name (UF_CRM_3_VACANCY), where the portal has it
    names: Mapping[str, Mapping[str, str]] | None = None

    def field_label(self, entity: str, field_id: str) -> str | None:
        return (self.fields or {}).get(entity, {}).get(field_id)

    def portal_name(self, entity: str, field_id: str) -> str:
        """`field:KEY` as the portal names the field (itself when not on the portal yet)."""
        return (self.names or {}).get(entity, {}).get(field_id, field_id)


def catalog_from_live(stages: Mapping[str, Iterable[str]],
                      fields: Mapping[str, Mapping[str, str]],
                      users: Iterable[Mapping[str, Any]],
                      employees: Mapping[str, Iterable[str]] | None = None,
                      names: Mapping[str, Mapping[str, str]] | None = None) -> Catalog:
    """Build the catalog from what the engine read.

    stages: pipeline address (`deal.pipeline[sales]`) -> stage codes without the `C<N>:` prefix;
    fields: entity ("deal", "lead", "contact", "company", "spa:<code>") -> field id -> label, from
    `crm.<entity>.fields` / `crm.item.fields` (user fields by FIELD_NAME, label from listLabel;
    `field:KEY` for a custom field of the config or the portal, by its key);
    users: rows of `user.get` (EMAIL, ID, ACTIVE). Deals and smart processes also get the
    CONTACT./COMPANY. fields. employees: entity -> ids of its fields holding a user; names:
    entity -> field:KEY -> the portal's name.
    """
    by_entity = {entity: dict(f) for entity, f in fields.items()}
    for entity in by_entity:
        if entity != "deal" and not entity.startswith("spa:"):
            continue
        for prefix in _RELATED:
            for fid, label in fields.get(prefix.lower(), {}).items():
                by_entity[entity].setdefault(f"{prefix}.{fid}", label)
    emails = {str(u["EMAIL"]).lower(): int(u["ID"]) for u in users
              if u.get("EMAIL") and u.get("ACTIVE", True) not in (False, "N")}
    people = None if employees is None else {e: frozenset(ids) for e, ids in employees.items()}
    return Catalog({k: frozenset(v) for k, v in stages.items()}, by_entity, emails, people,
                   names)


def validate_stage(entity: str, pipeline_key: str, stage_code: str, automation: StageAutomation,
                   catalog: Catalog, key: str, locate: Locate) -> list[Problem]:
    """All problems of one stage's automation; `key` is the stage's TOML key path."""
    rep = Reporter(locate, [])
    if automation.is_empty():
        return []
    _stage_exists(entity, pipeline_key, stage_code, catalog, key, rep)
    for n, robot in enumerate(automation.robots, 1):
        _robot(entity, robot, catalog, f"{key}.robots[{n}]", rep)
    for n, trig in enumerate(automation.triggers, 1):
        _trigger(entity, trig, catalog, f"{key}.triggers[{n}]", rep)
    return rep.problems


def _stage_exists(entity: str, pipeline_key: str, code: str, catalog: Catalog, key: str,
                  rep: Reporter) -> None:
    if catalog.stages is None:
        return
    where = pipeline_address(entity, pipeline_key)
    codes = catalog.stages.get(where)
    if codes is None:
        rep.add(key, f"the pipeline {where} does not exist on the portal",
                "create the pipeline first, or move the automation to an existing one")
    elif code not in codes:
        rep.add(key, f"the stage {code} does not exist in {where}; its robots and triggers "
                     "have nowhere to go",
                "add the stage to the pipeline, or move them to one of: " + ", ".join(sorted(codes)))


def _robot(entity: str, robot: Robot, catalog: Catalog, key: str, rep: Reporter) -> None:
    kind = cat.robot_kind(robot.type)
    if kind is not None and cat.entity_class(entity) not in kind.entities:
        rep.add(f"{key}.type", f"the robot {kind.friendly} ({kind.cls}) is not available "
                               f"for {entity}", "use another robot type on this stage")
    if robot.delay is not None and robot.delay.basis is not None:
        name = "at" if robot.delay.kind == "at" else "basis"
        _field(entity, robot.delay.basis, catalog, f"{key}.{name}", rep)
    _condition_fields(entity, robot.condition, catalog, f"{key}.condition", rep)
    for path, value in _walk(robot.properties):
        where = f"{key}.{_toml_key(path, robot.via_options)}"
        for fid in _DOC_FIELD.findall(value):
            _field(entity, fid, catalog, where, rep)
        if _EMAIL.match(value):
            _user(value, catalog, where, rep)
        held = _USER_FIELD.match(value)
        if held and tuple(p for p in path if not p.startswith("[")) in USER_PROPERTIES:
            _employee(entity, held.group(1), catalog, where, rep)


def _trigger(entity: str, trig: Trigger, catalog: Catalog, key: str, rep: Reporter) -> None:
    kind = cat.trigger_kind(trig.code)
    if kind is not None and cat.entity_class(entity) not in kind.entities:
        rep.add(f"{key}.code", f"the trigger {kind.friendly} ({kind.code}) is not available "
                               f"for {entity}", "use another trigger on this stage")
    _condition_fields(entity, trig.condition, catalog, f"{key}.condition", rep)
    if trig.execute_by is not None and _EMAIL.match(trig.execute_by):
        _user(trig.execute_by, catalog, f"{key}.execute_by", rep)


def _condition_fields(entity: str, cond: Condition | None, catalog: Catalog, key: str,
                      rep: Reporter) -> None:
    if cond is None:
        return
    for g, group in enumerate(cond.groups, 1):
        for i, item in enumerate(group, 1):
            if len(cond.groups) == 1:
                where = f"{key}.all[{i}]"
            else:
                where = f"{key}.any[{g}]" + (f".all[{i}]" if len(group) > 1 else "")
            _field(entity, item.field, catalog, where, rep)


def _field(entity: str, field_id: str, catalog: Catalog, key: str, rep: Reporter) -> None:
    if catalog.fields is None or entity not in catalog.fields:
        return
    known = catalog.fields[entity]
    if any(name in known for name in _document_names(field_id)):
        return
    if field_id.startswith(fieldref.PREFIX):
        keys = sorted(k for k in known if k.startswith(fieldref.PREFIX))
        name = field_id[len(fieldref.PREFIX):]
        rep.add(key, f"no field {name} among the custom fields of {_shown(entity)} (in "
                     "the config or on the portal)",
                f"declare [{_table(entity)}.fields.{name}]"
                + (f", or use one of: {', '.join(keys)}" if keys else
                   f" ({_shown(entity)} has no custom field yet)"))
        return
    near = difflib.get_close_matches(field_id, [k for k in known if not k.startswith(fieldref.PREFIX)],
                                     n=3)
    fix = ("did you mean " + " or ".join(near) + "?") if near else \
        f"create the field on the portal first, or use an existing {entity} field"
    rep.add(key, f"the field {field_id} does not exist on {_shown(entity)}", fix)


def _shown(entity: str) -> str:
    """An entity as messages name it: `deal`, `the smart process hr`."""
    return f"the smart process {entity[4:]}" if entity.startswith("spa:") else entity


def _table(entity: str) -> str:
    return f"smart_processes.{entity[4:]}" if entity.startswith("spa:") else entity


def _employee(entity: str, field_id: str, catalog: Catalog, key: str, rep: Reporter) -> None:
    """A user option naming a field ("the user in field X") needs a field holding a user."""
    people = (catalog.employees or {}).get(entity)
    known = (catalog.fields or {}).get(entity, {})
    if people is None or field_id not in known or field_id in people:
        return  # not checked here, or unknown (reported by _field), or holds a user
    rep.add(key, f"the field {field_id} of {_shown(entity)} does not hold a user: a robot's "
                 "recipient or responsible can be the user in an employee field only",
            "name an employee field (type = \"employee\"), an e-mail, or \"responsible\"")


def _user(email: str, catalog: Catalog, key: str, rep: Reporter) -> None:
    if catalog.users is not None and email.lower() not in catalog.users:
        rep.add(key, f"no active user with the e-mail {email} on the portal",
                "invite the user first, or name another user by e-mail")


def _walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string inside the properties, with its path of keys and list positions."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for name, sub in value.items():
            yield from _walk(sub, (*path, str(name)))
    elif isinstance(value, list):
        for n, sub in enumerate(value, 1):
            yield from _walk(sub, (*path, f"[{n}]"))


def _toml_key(path: tuple[str, ...], via_options: bool) -> str:
    """Point at the option the user wrote (`creator`), else at the raw property path."""
    bare = tuple(p for p in path if not p.startswith("["))
    if via_options and bare in OPTION_OF_PROPERTY:
        return OPTION_OF_PROPERTY[bare]
    return "properties." + ".".join(path).replace(".[", "[")


def _document_names(field_id: str) -> tuple[str, ...]:
    """The document offers X_PRINTABLE for a field X or X_ID (ASSIGNED_BY_PRINTABLE)."""
    if not field_id.endswith("_PRINTABLE"):
        return (field_id,)
    base = field_id.removesuffix("_PRINTABLE")
    return field_id, base, f"{base}_ID"

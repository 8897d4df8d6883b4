"""JSON Schema fragments of a stage's `robots` and `triggers` arrays, for the engine's schema.

Embed them in the stage item schema: `properties.robots = ROBOTS_SCHEMA`,
`properties.triggers = TRIGGERS_SCHEMA` (draft 2020-12, usable by Taplo / Even Better TOML).
"""

from __future__ import annotations

from typing import Any

from provisioner.automation import catalogue as cat
from provisioner.automation.robot_options import FRIENDLY_OPTIONS

_DURATION = {"type": "string", "pattern": r"^\s*\d+\s*(working\s+)?[a-z]+\s*$",
             "description": 'e.g. "10m", "3h", "2d", "2 working days"'}
_FIELD = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_.]*$"}
_USER = {"type": "string", "description": 'an e-mail, or "responsible"'}
_USERS = {"anyOf": [_USER, {"type": "array", "items": _USER}]}
_ITEM = {"type": "string", "description": 'e.g. "CONTACT.UF_CRM_VIP = Y", "COMMENTS not empty"'}
_ALL = {"type": "object", "additionalProperties": False, "required": ["all"],
        "properties": {"all": {"type": "array", "minItems": 1, "items": _ITEM}}}
CONDITION: dict[str, Any] = {
    "description": "{ all = [...] } (every item) or { any = [item | { all = [...] }] }",
    "oneOf": [_ALL, {"type": "object", "additionalProperties": False, "required": ["any"],
                     "properties": {"any": {"type": "array", "minItems": 1,
                                            "items": {"anyOf": [_ITEM, _ALL]}}}}],
}
_OPTION_SCHEMAS: dict[str, dict[str, Any]] = {
    "message": {"type": "string"}, "to": _USERS, "from": _USER, "task_title": {"type": "string"},
    "description": {"type": "string"}, "creator": _USER, "responsible": _USERS,
    "deadline": _DURATION, "accept_result": {"type": "boolean"},
    "allow_change_deadline": {"type": "boolean"}, "link_to_item": {"type": "boolean"},
    "provider": {"type": "string"},
}
_ROBOT_COMMON: dict[str, Any] = {
    "type": {"type": "string", "description": "friendly name ("
             + ", ".join(cat.robot_friendly_names()) + ") or an activity class name"},
    "title": {"type": "string", "description": "the robot's name on the stage"},
    "after": _DURATION, "before": _DURATION, "at": _FIELD, "basis": _FIELD,
    "at_time": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"},
    "after_previous": {"type": "boolean"}, "activated": {"type": "boolean"},
    "condition": CONDITION, "properties": {"type": "object"},
}


def _robot_schema() -> dict[str, Any]:
    options = {name for names in FRIENDLY_OPTIONS.values() for name in names}
    props = _ROBOT_COMMON | {name: _OPTION_SCHEMAS[name] for name in sorted(options)}
    return {"type": "object", "required": ["type", "title"], "additionalProperties": False,
            "properties": props}


def _trigger_schema() -> dict[str, Any]:
    rules = {name: {"type": ["string", "integer"]} for k in cat.TRIGGERS for name in k.rules}
    return {"type": "object", "required": ["code", "name"], "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "friendly name ("
                         + ", ".join(cat.trigger_friendly_names()) + ") or a trigger code"},
                "name": {"type": "string"}, "allow_backwards": {"type": "boolean"},
                "condition": CONDITION, "execute_by": _USER, "rules": {"type": "object"},
                **rules}}


ROBOTS_SCHEMA: dict[str, Any] = {"type": "array", "items": _robot_schema(),
                                 "description": "robots of the stage, in the order they show"}
TRIGGERS_SCHEMA: dict[str, Any] = {"type": "array", "items": _trigger_schema(),
                                   "description": "triggers that move an item to this stage"}


def stage_schema_properties() -> dict[str, Any]:
    """`{"robots": ..., "triggers": ...}` to merge into the stage item's `properties`."""
    return {"robots": ROBOTS_SCHEMA, "triggers": TRIGGERS_SCHEMA}

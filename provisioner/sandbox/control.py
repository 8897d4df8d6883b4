"""The sandbox's control surface: NOT a Bitrix API. Plain Python functions that stand in for an
administrator clicking in the portal's automation screen, for tests and demos.

The real portal offers no REST method for any of this (bitrix24-automation.md (a)); the provisioner
must never call these functions to configure or read a portal.
"""

from __future__ import annotations

from typing import Any

from provisioner.sandbox import automation_store as auto
from provisioner.sandbox.store import Store


def set_stage_robots(store: Store, entity_type_id: int, status_id: str,
                     robots: list[dict[str, Any]], user_id: int = 1) -> list[dict[str, Any]]:
    """Replace the robots of a stage (logical form, b.3) and press «Сохранить».

    `status_id` is the portal's stage id, e.g. `NEW` or `C3:NEW`. Raises AutomationRefused on a
    template modified in the BP designer, as the screen does.
    """
    return auto.save_robots(store, entity_type_id, status_id, robots, user_id)


def stage_robots(store: Store, entity_type_id: int, status_id: str) -> list[dict[str, Any]]:
    """The robots the automation screen shows on a stage, in order."""
    return auto.robots(store, entity_type_id, status_id)


def set_stage_triggers(store: Store, entity_type_id: int, status_id: str,
                       rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace the triggers bound to a stage: rows of NAME, CODE, APPLY_RULES."""
    return auto.save_triggers(store, entity_type_id, status_id, rows)


def stage_triggers(store: Store, entity_type_id: int, status_id: str) -> list[dict[str, Any]]:
    return auto.triggers(store, entity_type_id, status_id)


def edit_in_designer(store: Store, entity_type_id: int, status_id: str) -> None:
    """Someone opened the stage's robots in the BP designer and saved: externally modified."""
    auto.mark_external_modified(store, entity_type_id, status_id)

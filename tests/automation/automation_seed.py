"""The automation seed (tests/fixtures/automation/seed.toml) as the automation tests use it: its
tree, a stage's parsed automation, the catalog of its portal, a locator."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from provisioner.automation.model import StageAutomation
from provisioner.automation.parse import parse_stage_automation
from provisioner.automation.validate import Catalog, catalog_from_live

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "automation" / "seed.toml"


def locate(_key: str) -> tuple[str, int | None]:
    return ("seed.toml", None)


def seed_tree() -> dict[str, Any]:
    return tomllib.loads(SEED.read_text(encoding="utf-8"))


def seed_stage(code: str, tree: dict[str, Any] | None = None) -> StageAutomation:
    stages = (tree or seed_tree())["deal"]["pipelines"]["sales"]["stages"]
    raw = next(s for s in stages if s["code"] == code)
    automation, problems = parse_stage_automation(raw, f"deal.pipelines.sales.stages[{code}]",
                                                  locate)
    assert problems == []
    return automation


def seed_catalog() -> Catalog:
    return catalog_from_live(
        stages={"deal.pipeline[sales]": ["NEW", "DATA_COLLECTION", "PREPARATION", "PAYMENT",
                                         "WON", "LOSE"]},
        fields={"deal": {"TITLE": "Название", "ASSIGNED_BY_ID": "Ответственный",
                         "CONTACT_ID": "Контакт", "CLOSEDATE": "Дата завершения",
                         "UF_CRM_EQUIPMENT_TYPE": "Тип оборудования"},
                "contact": {"NAME": "Имя", "UF_CRM_VIP": "VIP"}},
        users=[{"ID": "1", "EMAIL": "admin@example.com", "ACTIVE": True},
               {"ID": "7", "EMAIL": "Boss@Example.com", "ACTIVE": True},
               {"ID": "9", "EMAIL": "gone@example.com", "ACTIVE": False}])

"""The app's configuration: what the `call_card` and `tasks` kinds made of a desired state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from provisioner.engine import load_desired
from provisioner.kinds.companion.kind import CallCard, Tasks
from provisioner.kinds.companion.model import (
    CallCardConfig,
    CallCardPart,
    DeadlineGuard,
    TasksPart,
)


@dataclass(frozen=True)
class CompanionConfig:
    call_card: CallCardConfig | None = None
    deadline_guard: DeadlineGuard | None = None
    # xml_id -> value of the status field's items, and the default item's xml_id (the config's
    # own `company.fields.<status_field>`), for messages; empty when the field is not declared.
    status_items: tuple[tuple[str, str], ...] = ()
    default_status: str | None = None
    public_url: str | None = None  # where the portal reaches the app (the config's public_url)

    def status_label(self, xml_id: str | None) -> str:
        return dict(self.status_items).get(xml_id or "", xml_id or "")


def companion_config(parts: Mapping[str, object]) -> CompanionConfig:
    """The config from a desired state's parts (`DesiredState.parts`)."""
    card = parts.get(CallCard.name)
    tasks = parts.get(Tasks.name)
    card = card if isinstance(card, CallCardPart) else None
    tasks = tasks if isinstance(tasks, TasksPart) else None
    url = (card.public_url if card else None) or (tasks.public_url if tasks else None)
    return CompanionConfig(card.card if card else None, tasks.guard if tasks else None,
                           card.status_items if card else (),
                           card.default_status if card else None, url)


def load_config(path: str | Path) -> CompanionConfig:
    """CONFIG's companion config, loaded as `plan` loads it; raises ConfigError listing every
    problem of the whole desired state."""
    return companion_config(load_desired(path).parts)

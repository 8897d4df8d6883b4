"""The fields robots and triggers may name, per entity: custom fields of the config and of the
portal (by their portal name, and by config key as `field:KEY`), which of them hold a user, and
the portal's name of each `field:KEY` (automation/fieldref.py).

Deal fields are named `UF_CRM_<KEY>` on every portal; a smart process's fields are
`UF_CRM_<type id>_<KEY>`, known only once the type is on the portal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from provisioner.automation.fieldref import PREFIX
from provisioner.kinds.fields.model import FieldSpec
from provisioner.kinds.smart_processes.match import match_types
from provisioner.kinds.smart_processes.model import SpaSpec

DEAL_PREFIX = "UF_CRM_"
EMPLOYEE = "employee"
# Fields of the item that hold a user (bitrix24-automation.md (c); crm/lib/item.php for the
# smart processes' items): a robot may send to, or assign to, the user in them.
USER_FIELDS = {"deal": ("ASSIGNED_BY_ID", "CREATED_BY_ID", "MODIFY_BY_ID"),
               "spa": ("ASSIGNED_BY_ID", "CREATED_BY", "UPDATED_BY", "MOVED_BY")}


@dataclass
class FieldBook:
    """Per entity ("deal", "contact", ..., "spa:<code>"): field id -> label (custom fields
    only), the ids holding a user, and field:KEY -> the portal's name."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    employees: dict[str, set[str]] = field(default_factory=dict)
    names: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, entity: str, key: str, portal: str | None, label: str, kind: str) -> None:
        """A custom field by its config key and (when known) the portal's name."""
        ids = [f"{PREFIX}{key}", *([portal] if portal else [])]
        for fid in ids:
            self.labels.setdefault(entity, {}).setdefault(fid, label)
        if kind == EMPLOYEE:
            self.employees.setdefault(entity, set()).update(ids)
        if portal:
            self.names.setdefault(entity, {})[f"{PREFIX}{key}"] = portal

    def add_portal(self, entity: str, rows: Mapping[str, str], kinds: Mapping[str, str]) -> None:
        """A classic entity's fields as the portal lists them (FIELD_NAME -> label, type)."""
        for name, label in rows.items():
            key = name.removeprefix(DEAL_PREFIX) if name.startswith(DEAL_PREFIX) else None
            if key is None:
                self.labels.setdefault(entity, {}).setdefault(name, label)
                continue
            self.add(entity, key, name, label, kinds.get(name, ""))

    def user_fields(self) -> dict[str, frozenset[str]]:
        """Every entity's fields that hold a user: the standard ones and the employee fields."""
        out: dict[str, frozenset[str]] = {}
        for entity in self.labels.keys() | self.employees.keys():
            std = USER_FIELDS["spa" if entity.startswith("spa:") else "deal"]
            out[entity] = frozenset({*std, *self.employees.get(entity, ())})
        return out


def book(entities: Iterable[str], desired: Mapping[str, Sequence[FieldSpec]],
         live: Mapping[str, Mapping[str, str]], live_types: Mapping[str, Mapping[str, str]],
         wanted_spa: Sequence[SpaSpec], live_spa: Sequence[SpaSpec]) -> FieldBook:
    """The fields of the classic entities (desired and live) and of the smart processes (the
    live types matched to the desired codes, as their kind pairs them)."""
    out = FieldBook()
    for entity in entities:
        out.labels.setdefault(entity, {})
        for spec in desired.get(entity, ()):
            f = spec.field
            out.add(entity, f.name, DEAL_PREFIX + f.name, _label(f.label, f.name), f.type)
        out.add_portal(entity, live.get(entity, {}), live_types.get(entity, {}))
    on_portal = {s.spa.code: s for s in match_types(live_spa, wanted_spa)}
    for want in wanted_spa:
        _spa(out, want, on_portal.pop(want.spa.code, None), desired=True)
    for have in on_portal.values():  # on the portal only
        _spa(out, have, have, desired=False)
    return out


def _spa(out: FieldBook, spec: SpaSpec, live: SpaSpec | None, desired: bool) -> None:
    entity = f"spa:{spec.spa.code}"
    out.labels.setdefault(entity, {})
    type_id = live.spa.id if live is not None else None
    fields = [*(spec.fields if desired else ()), *(live.fields if live is not None else ())]
    for f in fields:
        portal = f"{DEAL_PREFIX}{type_id}_{f.field.name}" if type_id else None
        out.add(entity, f.field.name, portal, _label(f.field.label, f.field.name), f.field.type)


def _label(label: Mapping[str, str] | None, name: str) -> str:
    return (label or {}).get("ru") or next(iter((label or {}).values()), name)

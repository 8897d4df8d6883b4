"""How far the residue exemption reaches (no --allow-destroy for the stages the portal made with
a pipeline a stopped apply created), as a property over hand-built portals: a deletion without
consent is planned exactly for the stages an independent oracle calls residue, and nothing
else is deleted without --allow-destroy. Pure: the plan, then the records counted by a fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import given
from hypothesis import strategies as hs

from provisioner.engine import Action, PlanOptions, live_from_results, load_text, make_plan
from provisioner.engine.records import count_records

# The portal's table (docs/portal-rules.md#default-stages) and the sandbox's English names.
TABLE = {"NEW": ("New", 10, "#39A8EF", None, "Y"),
         "PREPARATION": ("Document preparation", 20, "#2FC6F6", None, "N"),
         "PREPAYMENT_INVOICE": ("Prepayment invoice", 30, "#55D0E0", None, "N"),
         "EXECUTING": ("In progress", 40, "#47E4C2", None, "N"),
         "FINAL_INVOICE": ("Final invoice", 50, "#FFA900", None, "N"),
         "WON": ("Deal successful", 60, "#7BD500", "S", "Y"),
         "LOSE": ("Deal failed", 70, "#FF5752", "F", "Y"),
         "APOLOGY": ("Failure reason analysis", 80, "#FF5752", "F", "N")}
OWN = ("UC_A", "UC_B")  # stages a person or an apply added, codes of their own
STAMPS = ("", "provision", "provision:unfinished")
WANTABLE = ("PREPARATION", "EXECUTING", "UC_A", "CALL")


@dataclass
class Row:
    code: str
    name: str
    sort: int
    color: str
    semantics: str | None
    system: str
    deals: int = 0


@dataclass
class Portal:
    stamp: str
    default: dict[str, str]  # the default pipeline's names by code
    rows: list[Row] = field(default_factory=list)

    def results(self) -> dict[str, Any]:
        cat = {"id": 1, "name": "Кандидаты", "sort": 500, "entityTypeId": 2, "isDefault": "N"}
        if self.stamp:
            cat.update(originatorId=self.stamp, originId="hr")
        statuses = [_row("DEAL_STAGE", code, name, n) for n, (code, name)
                    in enumerate(self.default.items(), 1)]
        statuses += [{"ID": str(100 + n), "ENTITY_ID": "DEAL_STAGE_1",
                      "STATUS_ID": f"C1:{r.code}", "NAME": r.name, "SORT": str(r.sort),
                      "SYSTEM": r.system, "COLOR": r.color, "SEMANTICS": r.semantics}
                     for n, r in enumerate(self.rows)]
        return {"deal_categories": {"categories": [
            {"id": 0, "name": "General", "sort": 300, "entityTypeId": 2, "isDefault": "Y"},
            cat]}, "entity_types": [], "statuses": statuses}


def _row(entity: str, code: str, name: str, n: int) -> dict[str, Any]:
    _, sort, color, semantics, system = TABLE[code]
    return {"ID": str(n), "ENTITY_ID": entity, "STATUS_ID": code, "NAME": name,
            "SORT": str(sort), "SYSTEM": system, "COLOR": color, "SEMANTICS": semantics}


@hs.composite
def portals(draw: hs.DrawFn) -> Portal:
    # the default pipeline's names: English, or in Russian (a portal in Russian), each code
    # perhaps renamed there by a config
    default = {c: draw(hs.sampled_from([t[0], f"Рус {c}", "Свой"])) for c, t in TABLE.items()}
    portal = Portal(draw(hs.sampled_from([*STAMPS, STAMPS[-1]])), default)  # often residue
    for code, (name, sort, color, semantics, system) in TABLE.items():
        if system == "N" and not draw(hs.booleans()):
            continue  # deleted by an apply that ran in part
        portal.rows.append(Row(
            code, draw(hs.sampled_from([name, f"Рус {code}", "Другой"])),
            draw(hs.sampled_from([sort, sort, sort + 5])),
            draw(hs.sampled_from([color, color, "#000000"])), semantics, system,
            draw(hs.sampled_from([0, 0, 2]))))
    for n, code in enumerate(OWN):
        if draw(hs.booleans()):
            portal.rows.append(Row(code, "Свой", 21 + n, "#000000", None, "N",
                                   draw(hs.sampled_from([0, 2]))))
    return portal


def desired(codes: list[str]) -> str:
    stages = [{"code": c, "name": f"Этап {c}"} for c in [*codes, "INTERVIEW"]]
    stages += [{"code": "WON", "name": "Принят", "semantics": "success"},
               {"code": "LOSE", "name": "Отказ", "semantics": "failure"}]
    rows = ",\n".join("    { " + ", ".join(f'{k} = "{v}"' for k, v in s.items()) + " }"
                      for s in stages)
    return f'[deal.pipelines.hr]\nname = "Кандидаты"\nstages = [\n{rows},\n]\n'


class Counts:
    """`client.batch` of record counts (engine/records.py): the generated deals by STAGE_ID."""

    def __init__(self, rows: list[Row]) -> None:
        self.deals = {f"C1:{r.code}": r.deals for r in rows}

    def batch(self, calls: dict[str, tuple[str, dict[str, Any]]],
              halt: bool = False, rows: Any = None  # noqa: ARG002  (the client's signature)
              ) -> Any:
        totals = {}
        for key, (method, params) in calls.items():
            assert method == "crm.deal.list"
            totals[key] = self.deals[params["filter"]["STAGE_ID"]]
        return type("Out", (), {"errors": {}, "totals": totals, "results": {}})()


def oracle(portal: Portal, wanted: set[str]) -> set[str]:
    """The stages the exemption may delete: of a pipeline an apply created and stopped before
    reconciling, left out of the config, not system, empty, and as the portal made them (the
    table's SORT and COLOR; the English name, or the default pipeline's for that code)."""
    if portal.stamp != "provision:unfinished":
        return set()
    return {r.code for r in portal.rows
            if r.code in TABLE and r.code not in wanted and r.system == "N" and r.deals == 0
            and (r.sort, r.color) == TABLE[r.code][1:3]
            and r.name in (portal.default[r.code], TABLE[r.code][0])}


@given(portals(), hs.lists(hs.sampled_from(WANTABLE), unique=True), hs.booleans())
def test_only_residue_is_deleted_without_consent(portal: Portal, wanted: list[str],
                                                 allow: bool) -> None:
    plan = make_plan(load_text(desired(wanted)), live_from_results(portal.results()),
                     PlanOptions(allow_destroy=allow))
    plan = count_records(plan, Counts(portal.rows))
    stages = {str(c.address): c for c in plan.changes if c.address.depth == 2}
    residue = {c.address.key for c in plan.residue}
    assert residue == oracle(portal, {*wanted, "WON", "LOSE"})
    for change in stages.values():
        assert not change.destructive or allow, change.address  # consent, or not destructive
        if change.action is Action.DELETE:
            assert change.residue != change.destructive, change.address
    left = {r.code for r in portal.rows if r.code not in {*wanted, "WON", "LOSE"}
            and r.system == "N"} - residue
    deleted = {c.address.key for c in plan.changes if c.action is Action.DELETE}
    noted = {n.address.key for n in plan.notes if n.address.depth == 2}
    assert (left <= deleted) if allow else (left <= noted and not left & deleted)
    assert {c.address.key for c in plan.destructive} == (left if allow else set())

"""A batch that stops midway (issue 18, apply4): new pipelines (deal, and a new smart process's
further ones, added in its batch by `$result`) are checked for twins by one read of their list
after the batch's creates; when a later create of the batch is refused (halt), that read does
not run, and the creates that ran are checked by a read on its own; when the read shows a twin
made before one of them, apply deletes its own copy. Searched over the number of pipelines, the
one refused (or twinned) and how their stages are read back: apply stops saying so, no twin is
left, and the next apply converges."""

from __future__ import annotations

from typing import Any

import pytest
from bent import Bent
from hypothesis import given, settings
from hypothesis import strategies as hs
from profiles import examples

from provisioner import engine
from provisioner.engine.applier import ApplyFailed
from provisioner.kinds.statuses import writes
from provisioner.sandbox import Sandbox
from helpers import client_of

STAGES = """stages = [
    { code = "NEW", name = "Start" },
    { code = "SUCCESS", name = "Success", semantics = "success" },
    { code = "FAIL", name = "Отказ", semantics = "failure" },
]"""
DEAL_STAGES = """stages = [
    { code = "NEW", name = "New" },
    { code = "WON", name = "Deal successful", semantics = "success" },
    { code = "LOSE", name = "Отказ", semantics = "failure" },
]"""
NAMES = ("Первая", "Вторая", "Третья")


def _config(spa_pipelines: int, deal_pipelines: int) -> str:
    text = ""
    for n in range(deal_pipelines):
        text += f'[deal.pipelines.d{n}]\nname = "{NAMES[n]}"\n{DEAL_STAGES}\n\n'
    text += '[smart_processes.repairs]\ntitle = "Ремонты"\nstages = true\ncategories = true\n'
    for n in range(spa_pipelines):
        default = "default = true\n" if n == 0 else ""
        text += f'\n[smart_processes.repairs.pipelines.p{n}]\nname = "{NAMES[n]}"\n{default}{STAGES}\n'
    return text


@settings(max_examples=examples(20))
@given(spa=hs.integers(2, 3), deal=hs.integers(0, 3), data=hs.data(), whole=hs.booleans(),
       twin=hs.booleans())
def test_a_batch_stopped_by_a_refused_create_or_a_twin_checks_what_it_made(
        spa: int, deal: int, data: hs.DataObject, whole: bool, twin: bool) -> None:
    """`twin`: the read after the creates shows an earlier pipeline of the chosen one's key (a
    concurrent apply's, played by bending the answer): apply deletes its own copy (the undo
    names the new smart process by its id) and stops; else the chosen one's add is refused."""
    adds = [f"smart_process[repairs].pipeline[p{n}]" for n in range(1, spa)] + \
        [f"deal.pipeline[d{n}]" for n in range(deal)]
    refused = data.draw(hs.sampled_from(adds))
    name = NAMES[int(refused[-2])]  # p1 -> the second name, d0 -> the first
    entity = 2 if "deal" in refused else None

    def refuse(calls: Any) -> Any:  # the add without a name: the portal refuses it
        return {k: (m, {**p, "fields": {}}) if m == "crm.category.add"
                and p["fields"].get("name") == name
                and (entity is None) == (p["entityTypeId"] != 2) else (m, p)
                for k, (m, p) in calls.items()}
    def earlier(calls: Any, results: dict[str, Any]) -> None:  # a twin made before ours
        for key, (method, params) in calls.items():
            if method == "crm.category.list" and key in results and \
                    (entity is None) == (params.get("entityTypeId") != 2):
                rows = results[key]["categories"]
                mine = [dict(r) for r in rows if r["name"] == name]
                results[key] = {"categories": [*rows, *({**r, "id": 0} for r in mine[:1])]}
    client = client_of(Sandbox.in_memory())
    desired = engine.load_text(_config(spa, deal))
    bent = Bent(client, earlier) if twin else Bent(client, before=refuse)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writes, "WHOLE_ROWS", writes.WHOLE_ROWS if whole else 0)
        with pytest.raises(ApplyFailed) as err:
            engine.apply(engine.make_plan(desired, engine.read_live(client)), bent,
                         reread=False)
        if twin:
            assert f"{refused} was made at the same moment by another apply (id 0); this " \
                "apply deleted its own copy" in str(err.value), str(err.value)
        else:
            assert err.value.report.failed == f"+ {refused}", str(err.value)
        again = engine.make_plan(desired, engine.read_live(client))  # no twins: it plans
        engine.apply(again, client, reread=False)
        assert engine.make_plan(desired, engine.read_live(client)).changes == ()

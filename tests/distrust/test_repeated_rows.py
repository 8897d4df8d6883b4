"""Repeated rows, issue 14 item 2: every list the engine reads is de-duplicated by id where it
is read (engine/live.py); an identical repeat is dropped without a word, the same id with other
content is an error naming the method, never acted on.

Failed before (main 5c1f354): a category listed twice came back as a second pipeline keyed
`default_0` in the plan and export; a contradicting repeat was planned over silently.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from bent import Bent, on_method
from helpers import CONFIG, client_of

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.client.errors import MalformedResponse
from provisioner.engine import render_text
from provisioner.model.answers import UntrustedAnswer
from provisioner.sandbox import Sandbox


def _twice(result: Any) -> Any:
    """Every row listed twice, the copies identical (a list or a D7 `{"categories": [...]}`)."""
    if isinstance(result, dict) and len(result) == 1 and isinstance(next(iter(result.values())),
                                                                     list):
        key, rows = next(iter(result.items()))
        return {key: [*rows, *copy.deepcopy(rows)]}
    return [*result, *copy.deepcopy(result)] if isinstance(result, list) else result


def _repeating(client: BitrixClient) -> Bent:
    def answers(calls: Any, results: dict[str, Any]) -> None:
        for key, (method, _params) in calls.items():
            if method.endswith(".list") and key in results:
                results[key] = _twice(results[key])
    return Bent(client, answers)


def test_every_list_repeated_reads_as_the_honest_portal(client: BitrixClient) -> None:
    desired = engine.load_desired(CONFIG)
    honest = engine.make_plan(desired, engine.read_live(client))
    repeated = engine.make_plan(desired, engine.read_live(_repeating(client)))
    assert render_text(repeated) == render_text(honest)
    assert repeated.fingerprint == honest.fingerprint


def test_apply_over_repeated_rows_makes_what_an_honest_apply_makes() -> None:
    """The seed config applied through a portal that lists every row twice leaves the portal
    as an honest apply does: one default pipeline, no second pipeline or stage."""
    states = []
    for bend in (False, True):
        sb = Sandbox.in_memory()
        client = client_of(sb)
        via = _repeating(client) if bend else client
        desired = engine.load_desired(CONFIG)
        engine.apply(engine.make_plan(desired, engine.read_live(via)), via)  # type: ignore[arg-type]
        state = copy.deepcopy({k: sb.store.data[k] for k in ("categories", "statuses",
                                                            "crm_types", "userfields")})
        for spa in state["crm_types"].values():  # the clock's, not the apply's
            del spa["createdTime"], spa["updatedTime"]
        states.append(state)
    assert states[0] == states[1]
    assert [c["id"] for c in states[1]["categories"]["2"].values() if c["isDefault"] == "Y"] \
        == [0]


def test_a_row_repeated_with_other_content_is_refused(client: BitrixClient) -> None:
    def other(result: Any) -> Any:
        rows = result["categories"]
        return {"categories": [*rows, {**rows[0], "name": "Другая"}]}
    with pytest.raises(MalformedResponse) as err:
        engine.read_live(Bent(client, on_method("crm.category.list", other)))
    assert str(err.value) == (
        "crm.category.list: MALFORMED_RESPONSE (provision's own code): the portal lists the row with id 0 twice, with "
        "different content (name differ): a list provision cannot act on")


def test_a_row_of_another_list_is_refused(client: BitrixClient) -> None:
    """crm.category.list asked for deal pipelines (entityTypeId 2) answers a smart process's."""
    def stray(result: Any) -> Any:
        return {"categories": [*result["categories"], {"id": 77, "name": "Чужая", "sort": 500,
                                                       "entityTypeId": 156, "isDefault": "N"}]}
    with pytest.raises(MalformedResponse) as err:
        engine.read_live(Bent(client, on_method("crm.category.list", stray)))
    assert str(err.value) == (
        "crm.category.list: MALFORMED_RESPONSE (provision's own code): asked for entityTypeId 2, the portal answered "
        "row 77 of entityTypeId 156: it ignored what it was asked")


def test_stages_of_a_pipeline_the_portal_does_not_list_are_refused(client: BitrixClient) -> None:
    def ghost(result: Any) -> Any:
        return [*result, {**result[0], "ID": "99001", "ENTITY_ID": "DEAL_STAGE_977",
                          "STATUS_ID": "C977:NEW", "CATEGORY_ID": "977"}]
    with pytest.raises(UntrustedAnswer) as err:
        engine.read_live(Bent(client, on_method("crm.status.list", ghost)))
    assert str(err.value) == (
        "crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal lists stages of list DEAL_STAGE_977 "
        "(row 99001), but crm.category.list lists no deal pipeline 977: run again, and if it "
        "stays, the portal's answers cannot be trusted")

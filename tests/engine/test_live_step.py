"""The live step (engine/live.py `LiveStep`, issue 18): each read handed on by the reader as
soon as its answer is whole, hashed, kept and folded for the kinds that read it and dropped;
each kind's part built as soon as its reads are in. The same parts and the same fingerprint as
the answers read all at once; a malformed answer is named as before."""

from __future__ import annotations

from typing import Any

import pytest

from bench.portal import Size, fill
from provisioner.client import BitrixClient, MalformedResponse
from provisioner.engine import live as lv
from provisioner.engine.reader import Reader
from provisioner.kinds import KINDS
from provisioner.kinds import statuses as st
from provisioner.kinds.automation.kind import Automation
from provisioner.kinds.fields.kind import Fields
from provisioner.kinds.smart_processes.kind import SmartProcesses
from provisioner.model import ReadCall
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store

# 60 fields on two smart processes: their field lists take two pages in each language
SMALL = Size(pipelines=3, fields_per_entity=6, items=12, smart_processes=2, spa_fields=30)


def client() -> BitrixClient:
    sb = Sandbox(MemoryStores(fill(Store.new(), SMALL)))
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def test_read_live_is_the_answers_read_at_once() -> None:
    portal = client()
    live = lv.read_live(portal, languages={})
    reader = Reader(portal)
    results = lv.read_results(reader, KINDS, {})
    at_once = lv.live_from_results(results)
    assert live.parts == at_once.parts
    assert live.fingerprint == at_once.fingerprint == lv.fingerprint(results)
    assert live.requests == reader.requests


def test_each_read_is_handed_on_once_as_soon_as_it_is_whole() -> None:
    reader = Reader(client())
    taken: list[tuple[str, int, Any]] = []
    step = lv.LiveStep(KINDS, {})

    def take(key: str, answer: Any) -> None:
        taken.append((key, reader.requests, answer))
        step.take(key, answer)

    calls = step.first_reads()
    while calls:
        reader.read(calls, take)
        calls = {**reader.take_pending(), **step.more_reads()}
    keys = [key for key, _, _ in taken]
    assert len(keys) == len(set(keys))
    when = {key: requests for key, requests, _ in taken}
    assert when["statuses"] == when["deal_categories"] == 1  # the first batch's answers
    assert when["userfields_deal_ru"] == 2  # counted in the first batch, read in the next
    answer = next(a for k, _, a in taken if k == "spa_fields_ru")  # its two pages joined
    assert len(answer) == 60 and len({row["id"] for row in answer}) == 60


def test_a_kind_is_built_as_soon_as_its_reads_are_in_and_its_folds_dropped() -> None:
    reader = Reader(client())
    step = lv.LiveStep(KINDS, {})
    built_before: dict[str, set[str]] = {}
    take = step.take

    def watching(key: str, answer: Any) -> None:
        built_before[key] = set(step.parts)
        take(key, answer)

    step.take = watching  # type: ignore[method-assign]
    lv.read_into(reader, step)
    late = max(built_before, key=lambda k: len(built_before[k]))
    assert {"deal.pipelines", "lead.statuses", "lists"} <= built_before[late]
    live = step.finish()
    assert not step.views and not step.waiting
    assert list(live.parts) == [kind.name for kind in KINDS]


def test_what_the_kinds_keep_of_their_reads() -> None:
    rows = [{"ID": "1", "ENTITY_ID": "DEAL_STAGE", "STATUS_ID": "NEW", "SORT": "10"},
            {"ID": "2", "ENTITY_ID": "DYNAMIC_128_STAGE_3", "STATUS_ID": "DT128_3:NEW"}]
    grouped = st.grouped(rows)
    assert SmartProcesses().fold("statuses", grouped) == {"DYNAMIC_128_STAGE_3": (rows[1],)}
    field = {"ID": "7", "FIELD_NAME": "UF_CRM_X", "USER_TYPE_ID": "string", "SORT": "100",
             "EDIT_FORM_LABEL": "X", "LIST_COLUMN_LABEL": "X", "LIST_FILTER_LABEL": "X",
             "ERROR_MESSAGE": "", "HELP_MESSAGE": "", "SETTINGS": {"SIZE": 20}}
    deal = Fields("deal").read_calls()  # a list in another language keeps the labels only
    assert deal["userfields_deal_ru"].trim is None
    labels = deal["userfields_deal_en"].trim
    assert labels is not None and labels.answer([field], None) == [
        {k: field[k] for k in ("ID", "EDIT_FORM_LABEL", "LIST_COLUMN_LABEL",
                               "LIST_FILTER_LABEL", "ERROR_MESSAGE", "HELP_MESSAGE")}]
    assert Automation().fold("userfields_deal_ru", [field]) == [
        {"FIELD_NAME": "UF_CRM_X", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": "X",
         "LIST_COLUMN_LABEL": "X"}]
    for answer in ("oops", ["a"], {"fields": 5}):  # kept as it came: the kind names the fault
        assert labels.answer(answer, None) is answer
        assert SmartProcesses().fold("spa_fields_en", answer) is answer
        assert SmartProcesses().fold("spa_uf_7", answer) is answer


@pytest.mark.parametrize(("key", "answer", "says"), [
    ("spa_fields_ru", ["x"], "userfieldconfig.list: MALFORMED_RESPONSE (provision's own "
     "code): the portal answered a list holding a string where rows (tables) were expected"),
    ("spa_fields_en", {"fields": 5}, "userfieldconfig.list: MALFORMED_RESPONSE (provision's "
     "own code): the portal answered an integer where a list of rows was expected"),
    ("statuses", [{"ID": "1", "ENTITY_ID": "DYNAMIC_1_STAGE_1", "SORT": "ten"}],
     "crm.type.list, crm.status.list, userfieldconfig.list: MALFORMED_RESPONSE (provision's "
     "own code): an answer of the portal is not as documented (invalid literal"),
])
def test_an_answer_a_fold_keeps_as_it_came_is_named_as_before(key: str, answer: Any,
                                                               says: str) -> None:
    results: dict[str, Any] = {"crm_types": {"types": []}, "statuses": [],
                               "spa_fields_ru": [], "spa_fields_en": [], key: answer}
    with pytest.raises(MalformedResponse) as caught:
        lv.live_from_results(results, [SmartProcesses()])
    assert str(caught.value).startswith(says), str(caught.value)


class Probe:
    """A kind reading `first`, then `more` once those are in; its part is what it was given."""

    def __init__(self, name: str, first: dict[str, ReadCall], more: dict[str, ReadCall]) -> None:
        self.name, self.first, self.more = name, first, more

    def read_calls(self) -> dict[str, ReadCall]:
        return self.first

    def more_reads(self, _results: Any) -> dict[str, ReadCall]:
        return self.more

    def from_live(self, results: Any) -> dict[str, Any]:
        return dict(results)


def test_a_follow_up_read_two_kinds_ask_is_read_once_for_both() -> None:
    shared = {"shared": ReadCall("m.shared", {})}
    a = Probe("a", {"x": ReadCall("m.x", {})}, shared)
    b = Probe("b", {"y": ReadCall("m.y", {})}, shared)
    step = lv.LiveStep([a, b], None)  # type: ignore[list-item]
    assert set(step.first_reads()) == {"x", "y"}
    step.take("x", 1)
    assert step.more_reads() == shared  # asked by a
    step.take("y", 2)
    assert step.more_reads() == {}  # b waits for the read a asked
    assert not step.parts
    step.take("shared", 3)
    live = step.finish()
    assert live.parts == {"a": {"x": 1, "shared": 3}, "b": {"y": 2, "shared": 3}}
    assert live.fingerprint == lv.fingerprint({"x": 1, "y": 2, "shared": 3})


def test_an_answer_follow_up_reads_cannot_be_asked_from_is_named() -> None:
    """A field list holding strings (counted first, so read in a round of its own) stopped
    `more_reads` with a traceback; it is named as `from_live` names a malformed answer."""
    step = lv.LiveStep([Fields("deal")], {})
    step.first_reads()
    step.take("userfields_deal_ru", ["a"])
    with pytest.raises(MalformedResponse) as caught:
        step.take("userfields_deal_en", ["a"])
    assert str(caught.value) == (
        "crm.deal.userfield.list: MALFORMED_RESPONSE (provision's own code): the portal "
        "answered a list holding a string where rows (tables) were expected")

"""Rows trimmed page by page (`ReadCall.trim`, engine/reader.py, issue 18): a long list keeps
only the keys a kind reads of each row as soon as its page comes, so it is never held whole as
the portal answered it. What is not kept is not read: the list handed on, its de-duplication
and the live fingerprint see the rows as kept."""

from __future__ import annotations

from typing import Any

import pytest

from provisioner.client.errors import MalformedResponse
from provisioner.engine import live as lv
from provisioner.engine.reader import Reader
from provisioner.kinds import statuses as st
from provisioner.kinds.smart_processes import live as spa_live
from provisioner.model import ReadCall, RowKeys

TRIM = RowKeys(("id", "name"))
CALL = ReadCall("thing.list", {}, "things", pages_ahead=0, trim=TRIM)


class _Out:
    def __init__(self, results: dict[str, Any], totals: dict[str, int],
                 nexts: dict[str, int]) -> None:
        self.results, self.totals, self.nexts, self.errors = results, totals, nexts, {}


class Pages:
    """A portal answering `thing.list` from `rows`, 50 a page, each row with keys no kind
    reads; `held` records, after each batch, every row the reader was given so far that it
    still holds (through the answers it was handed: the reader keeps its own)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.batches: list[list[int]] = []

    def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> _Out:  # noqa: ARG002
        results: dict[str, Any] = {}
        totals: dict[str, int] = {}
        nexts: dict[str, int] = {}
        starts = []
        for key, (_method, params) in calls.items():
            start = int(params.get("start", 0))
            starts.append(start)
            results[key] = {"things": [dict(r) for r in self.rows[start:start + 50]]}
            totals[key] = len(self.rows)
            if start + 50 < len(self.rows):
                nexts[key] = start + 50
        self.batches.append(starts)
        return _Out(results, totals, nexts)


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"id": str(i), "name": f"thing {i}", "bulky": "x" * 100, "more": {"a": i}}
            for i in range(n)]


def _read(portal: Pages, call: ReadCall = CALL) -> Any:
    taken: dict[str, Any] = {}
    Reader(portal).read({"things": call}, taken.__setitem__)
    return taken["things"]


def test_a_paged_list_is_handed_on_with_only_the_keys_kept() -> None:
    portal = Pages(_rows(120))
    rows = _read(portal)
    assert rows == [{"id": str(i), "name": f"thing {i}"} for i in range(120)]
    assert portal.batches == [[0], [50, 100]]


def test_every_page_is_trimmed_as_it_comes_not_once_the_list_is_whole() -> None:
    """The pages held while the others are read hold trimmed rows: a page's rows are the
    trimmed copies as soon as its batch is in."""
    portal = Pages(_rows(120))
    seen: list[set[str]] = []
    batch = portal.batch

    def spying(calls: Any, halt: bool = False, rows: Any = None) -> _Out:
        out = batch(calls, halt, rows)
        seen.extend(set(row) for result in out.results.values() for row in result["things"])
        return out

    portal.batch = spying  # type: ignore[method-assign]
    reader = Reader(portal)
    held: list[Any] = []
    original = reader._send

    def send(turn: Any, commands: Any, guessed: Any, rows: Any = None) -> None:
        original(turn, commands, guessed, rows)
        held.extend(row for page in turn.out.results.values() for row in page["things"])

    reader._send = send  # type: ignore[method-assign]
    reader.read({"things": CALL}, lambda _key, _answer: None)
    assert seen and all("bulky" in keys for keys in seen)  # the portal sent them
    assert held and all(set(row) == {"id", "name"} for row in held)


def test_a_repeat_differing_only_in_keys_not_kept_is_one_row() -> None:
    rows = _rows(60)
    repeat = {**rows[10], "bulky": "changed"}
    portal = Pages([*rows[:50], repeat, *rows[50:]])
    got = _read(portal)
    assert [r["id"] for r in got] == [str(i) for i in range(60)]


def test_a_repeat_differing_in_a_key_kept_is_refused_naming_it() -> None:
    rows = _rows(60)
    portal = Pages([*rows[:50], {**rows[10], "name": "other"}, *rows[50:]])
    with pytest.raises(MalformedResponse) as err:
        _read(portal)
    assert "thing.list: MALFORMED_RESPONSE (provision's own code): the portal lists the row " \
        "with id 10 twice, with different content (name differ): a list provision cannot " \
        "act on" in str(err.value)


@pytest.mark.parametrize("result, expected", [
    ({"things": [{"id": 1, "x": 2}, "text"]}, {"things": [{"id": 1, "x": 2}, "text"]}),
    ({"things": {"3": {"id": 3, "x": 2}}}, {"things": {"3": {"id": 3}}}),  # PHP's object
    ([{"id": 1, "x": 2}], [{"id": 1}]),
    ({"things": "not a list"}, {"things": "not a list"}),
    ("text", "text"),
    ({"other": [{"id": 1, "x": 2}]}, {"other": [{"id": 1, "x": 2}]}),  # not the list asked
])
def test_an_answer_is_trimmed_row_by_row_and_anything_else_kept(result: Any,
                                                                 expected: Any) -> None:
    """An answer that is not a list of tables is the answer itself (the engine names the
    read whose answer is wrong only when the kind was given it as read)."""
    trimmed = RowKeys(("id",)).answer(result, "things")
    assert trimmed == expected
    assert (trimmed is result) == (expected == result)


GET = RowKeys(("label", "enum"), lists=(("enum", ("id",)),), one="field")


@pytest.mark.parametrize("result, expected", [
    ({"field": {"id": 7, "label": "A", "settings": {}, "enum": [{"id": 1, "value": "v"}]}},
     {"field": {"label": "A", "enum": [{"id": 1}]}}),
    ({"field": {"enum": {"2": {"id": 2, "sort": 10}}}, "time": 1},  # PHP's object; more keys
     {"field": {"enum": {"2": {"id": 2}}}, "time": 1}),
    ({"field": {"enum": [{"id": 1}, "text"], "x": 1}}, {"field": {"enum": [{"id": 1}, "text"]}}),
    ({"field": {"enum": None}}, {"field": {"enum": None}}),
    ({"field": [{"label": "A"}]}, {"field": [{"label": "A"}]}),  # not one row
    ({"other": {"label": "A", "x": 1}}, {"other": {"label": "A", "x": 1}}),
    ([{"label": "A", "x": 1}], [{"label": "A", "x": 1}]),  # a list, where a get was asked
])
def test_a_get_keeps_its_row_and_its_items_trimmed_and_anything_else_kept(
        result: Any, expected: Any) -> None:
    """`one`: the answer's one row under that key, its items (`lists`) trimmed too; an answer
    of any other shape is the answer itself, as for a list."""
    assert GET.answer(result, None) == expected


def test_a_key_whose_rows_are_trimmed_must_be_kept() -> None:
    with pytest.raises(ValueError, match="a key of `lists` must be kept"):
        RowKeys(("label",), lists=(("enum", ("id",)),))


def test_the_smart_process_field_lists_keep_the_keys_the_kind_reads() -> None:
    first, other = spa_live._list("ru"), spa_live._list("de")
    assert first.trim == RowKeys(spa_live.ROW_KEYS)
    assert other.trim == RowKeys(spa_live.LABEL_ROW_KEYS)
    row = {"id": "7", "entityId": "CRM_1", "fieldName": "UF_CRM_1_A", "userTypeId": "string",
           "listColumnLabel": {"ru": "A"}, "errorMessage": {"ru": "A"},
           "editFormLabel": {"ru": "A"}, "helpMessage": {"ru": ""}, "settings": {}}
    assert set(first.trim(row)) == {"id", "entityId", "fieldName", "userTypeId",
                                    "editFormLabel", "helpMessage", "settings"}
    assert set(other.trim(row)) == {"id", "entityId", "editFormLabel", "helpMessage"}


def test_the_fingerprint_is_of_the_rows_kept() -> None:
    """Two portals that differ only in keys no kind reads give one fingerprint (a plan made
    on one is not stale on the other); a key kept changes it."""
    def fingerprint(rows: list[dict[str, Any]]) -> str:
        step = lv.LiveStep((), {})
        Reader(Pages(rows)).read({"things": CALL}, step.take)
        return step.finish().fingerprint

    rows = _rows(70)
    assert fingerprint(rows) == fingerprint([{**r, "bulky": "y"} for r in rows])
    assert fingerprint(rows) != fingerprint([*rows[:69], {**rows[69], "name": "z"}])


def test_trimming_loses_nothing_a_kind_reads() -> None:
    """The invariant behind `ReadCall.trim`: every kind's live part built from the rows as
    kept equals the one built from the rows as the portal answered them (a key a kind starts
    to read and the trim leaves out fails here), on a portal with smart processes, their
    enumeration fields and labels in two languages."""
    from bench.portal import Size, fill
    from provisioner.client import BitrixClient
    from provisioner.engine import reader as reader_module
    from provisioner.kinds import KINDS
    from provisioner.model import kind as model_kind
    from provisioner.sandbox import Sandbox
    from provisioner.sandbox.portal import MemoryStores
    from provisioner.sandbox.store import Store

    size = Size(pipelines=2, fields_per_entity=4, items=6, smart_processes=3, spa_fields=40)
    sandbox = Sandbox(MemoryStores(fill(Store.new(), size)))
    portal = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())
    kept = lv.read_results(Reader(portal), KINDS, {})
    untouched = pytest.MonkeyPatch()
    untouched.setattr(model_kind.RowKeys, "answer", lambda _self, result, _key: result)
    untouched.setattr(reader_module._Turn, "rows", lambda _self, _chunk: {})  # decoded whole
    try:
        whole = lv.read_results(Reader(portal), KINDS, {})
        assert any(set(row) - set(spa_live.ROW_KEYS) for row in whole["spa_fields_ru"])
        parts = lv.live_from_results(whole).parts
    finally:
        untouched.undo()
    assert all(set(row) <= set(spa_live.ROW_KEYS) for row in kept["spa_fields_ru"])
    # crm.status.list's rows: NAME_INIT, CATEGORY_ID and EXTRA as answered, not as kept
    assert any({"NAME_INIT", "EXTRA"} <= set(row) for row in _status_rows(whole))
    assert st.STATUSES.trim is not None
    kept_keys = set(st.STATUSES.trim.keys)
    assert _status_rows(kept) and all(set(row) <= kept_keys for row in _status_rows(kept))
    # a smart-process field read whole: its labels read and its items, as kept
    gets = [k for k in kept if k.startswith("spa_uf_")]
    assert gets and all(set(whole[k]["field"]) > set(kept[k]["field"]) for k in gets)
    assert all(set(kept[k]["field"]) <= set(spa_live.GET_TRIM.keys) for k in gets)
    assert lv.live_from_results(kept).parts == parts


def _status_rows(results: Any) -> list[Any]:
    return [row for rows in st.by_entity(results["statuses"]).values() for row in rows]

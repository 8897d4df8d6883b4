"""A batch answer decoded command by command (client/transport.py `decode_batch`, client/batch.py
`decoded`, issue 18): each command's result is what `decode_json` reads of the whole body, and a
list whose reader keeps some keys of each row (`Rows`) is what the reader's own trim
(`RowKeys.answer`) makes of that, the other keys never made. The reader trims a result the
client did not shape (engine/reader.py), so what a kind is given is the same either way: held
here over generated answers, duplicate keys, rows that are not tables, PHP's objects of rows,
NaN and every body the documented envelope does not describe."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from provisioner.client import BitrixClient
from provisioner.client.batch import Rows, decoded
from provisioner.client.transport import decode_batch, decode_json
from provisioner.model import RowKeys


class Obj:
    """A JSON object written as pairs, so that a key may come twice (JSON allows it; the last
    one counts)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def text(value: Any) -> str:
    if isinstance(value, Obj):
        return "{" + ",".join(f"{json.dumps(k)}:{text(v)}" for k, v in value.pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(text(v) for v in value) + "]"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # msgspec refuses it, json reads it: the body is read whole
    return json.dumps(value)


KEYS = st.sampled_from(["id", "name", "ID", "fields", "bulky", "x"])
SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.builds(
    Obj, st.lists(st.tuples(KEYS, inner), max_size=4)), max_leaves=8)


def php_object(rows: list[Any]) -> Obj:
    """A list as PHP sends one whose keys have gaps: an object keyed "0", "1", ..."""
    return Obj([(str(i), r) for i, r in enumerate(rows)])


FLAT = st.builds(Obj, st.lists(st.tuples(KEYS, VALUE), max_size=6))
FLAT_LISTED = st.lists(FLAT | VALUE, max_size=3)
# a row whose "x" holds rows in turn (a field's enumeration items), as a list or PHP's object
ROW = st.builds(Obj, st.lists(st.tuples(KEYS, VALUE) | st.tuples(
    st.just("x"), FLAT_LISTED | st.builds(php_object, FLAT_LISTED)), max_size=6))
ROWS = st.lists(ROW | VALUE, max_size=4)  # mostly rows; now and then a value that is not one
LISTED = ROWS | st.builds(php_object, ROWS)
MORE = st.lists(st.tuples(KEYS, VALUE), max_size=1)
RESULT = LISTED | st.builds(lambda rows, more: Obj([("fields", rows), *more]), LISTED, MORE) \
    | st.builds(lambda row, more: Obj([("field", row), *more]), ROW | VALUE, MORE) | VALUE


def _asked(keys: tuple[str, ...], list_key: str | None, items: tuple[str, ...],
           one: str | None) -> Rows:
    """What a read keeps, as the reader describes it to the client (engine/reader.py
    `_kept_rows`): `items` the keys of the rows under "x", `one` a get's row."""
    lists = (("x", items),) if items else ()
    keys = tuple(dict.fromkeys((*keys, "x"))) if items else keys
    return Rows(keys, None if one else list_key, lists, one)


ASKED = st.builds(_asked, st.lists(KEYS, min_size=1, max_size=3, unique=True).map(tuple),
                  st.sampled_from([None, "fields"]), st.sampled_from([(), ("id",), ("id", "x")]),
                  st.sampled_from([None, None, "field"]))


def body(results: dict[str, Any], extra: str = "") -> bytes:
    members = ",".join(f"{json.dumps(k)}:{text(v)}" for k, v in results.items())
    return (f'{{"result":{{"result":{{{members}}},"result_error":[],"result_total":[],'
            f'"result_next":[],"result_time":{{}}}},"time":{{"start":1}}{extra}}}').encode()


def as_the_reader_holds(value: Any, asked: Rows | None, shaped: bool) -> Any:
    """What the reader keeps of a command's result: trimmed by its read, unless shaped."""
    if asked is None or shaped:
        return value
    return RowKeys(asked.keys, asked.lists, asked.one).answer(value, asked.list_key)


def exact(value: Any) -> str:
    """Equal values in one order, all the way down (1, 1.0 and True apart; NaN is NaN)."""
    return json.dumps(value, default=repr) if not isinstance(value, float) else repr(value)


@given(st.dictionaries(st.sampled_from(["a", "b", "c~page50"]), RESULT, min_size=1,
                       max_size=3), st.dictionaries(st.sampled_from(["a", "c~page50"]), ASKED))
@example({"a": [Obj([("id", 1), ("bulky", [1, 2]), ("id", 2)])]}, {"a": Rows(("id",))})
@example({"a": Obj([("fields", [Obj([("x", 1), ("id", 3)])])])}, {"a": Rows(("id",), "fields")})
@example({"a": [Obj([("id", float("nan"))])]}, {"a": Rows(("id",))})
@example({"a": Obj([("fields", []), ("next", 50)])}, {"a": Rows(("id",), "fields")})
@example({"a": Obj([("field", Obj([("id", 1), ("x", [Obj([("id", 2), ("v", 3)])]), ("y", 4)]))])},
         {"a": Rows(("id", "x"), lists=(("x", ("id",)),), one="field")})
@example({"a": Obj([("field", Obj([("x", Obj([("0", Obj([("v", 1)]))]))]))])},
         {"a": Rows(("x",), lists=(("x", ("id",)),), one="field")})
@example({"a": Obj([("field", Obj([("x", None)])), ("time", 1)])},
         {"a": Rows(("x",), lists=(("x", ("id",)),), one="field")})
@example({"a": Obj([("field", [Obj([("id", 1)])])])}, {"a": Rows(("id",), one="field")})
def test_each_result_is_what_the_reader_would_keep_of_the_whole_body(
        results: dict[str, Any], asked: dict[str, Rows]) -> None:
    content = body(results)
    whole = decode_json(content)["result"]
    members, shaped = decoded(decode_batch(content)["result"], asked)
    assert set(members) == set(whole) and exact(members["result_time"]) == exact({})
    for key in results:
        wanted = as_the_reader_holds(whole["result"][key], asked.get(key), False)
        got = as_the_reader_holds(members["result"][key], asked.get(key), key in shaped)
        assert exact(got) == exact(wanted), (key, got, wanted)
        if key in shaped:  # only a list as `Rows` describes it is shaped, never another value
            assert asked.get(key) is not None


@given(st.lists(RESULT, max_size=3), st.booleans(),
       st.sampled_from(["", ',"total":5', ',"error":"QUERY_LIMIT_EXCEEDED"', ',"time":[]']))
def test_with_no_rows_asked_every_body_reads_as_decode_json_reads_it(
        results: list[Any], listed: bool, extra: str) -> None:
    """A batch of commands keyed 0..n-1 (PHP answers a list), or by name; a body with what
    the documented envelope lacks (an error, a count, another time) is read whole at once."""
    content = body(dict(enumerate(results)) if not listed else {}, extra)
    if listed:
        content = content.replace(b'"result":{}', ("\"result\":[" + ",".join(
            text(r) for r in results) + "]").encode(), 1)
    try:
        whole = decode_json(content)
    except ValueError:
        return  # (refused alike: decode_batch falls back to decode_json)
    read = decode_batch(content)
    members, shaped = decoded(read["result"], {})
    assert exact({**read, "result": members}) == exact(whole) and not shaped
    if "time" not in extra:  # (a time twice is the envelope still: the last one counts)
        assert exact(read) == exact(whole) or not extra  # no command left as text


def test_a_list_in_a_second_language_is_decoded_with_its_labels_only() -> None:
    """Against the sandbox: the field lists the kinds read in a second language come shaped
    (the reader has nothing left to trim), and the first language's whole."""
    from provisioner.engine import live as lv
    from provisioner.engine.reader import Reader
    from provisioner.kinds import KINDS
    from provisioner.sandbox import Sandbox

    from bench.portal import Size, fill
    from provisioner.sandbox.portal import MemoryStores
    from provisioner.sandbox.store import Store

    size = Size(pipelines=1, fields_per_entity=3, items=4, smart_processes=2, spa_fields=5)
    sandbox = Sandbox(MemoryStores(fill(Store.new(), size)))
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())
    shaped: set[str] = set()
    batch = client.batch

    def spying(calls: Any, halt: bool = False, rows: Any = None) -> Any:
        out = batch(calls, halt, rows)
        shaped.update(out.shaped)
        return out

    client.batch = spying  # type: ignore[method-assign]
    results = lv.read_results(Reader(client), KINDS, {})
    assert {"userfields_deal_en", "spa_fields_ru", "spa_fields_en"} <= shaped
    gets = [k for k in results if k.startswith("spa_uf_")]
    assert gets and set(gets) <= shaped  # a field read whole: its labels read and its items
    field = results[gets[0]]["field"]
    assert set(field) == {"languageId", "editFormLabel", "helpMessage", "enum"}
    assert field["enum"] and set(field["enum"][0]) == {"id", "value", "def", "sort", "xmlId"}
    assert "userfields_deal_ru" not in shaped
    assert set(results["userfields_deal_en"][0]) == {
        "ID", "EDIT_FORM_LABEL", "LIST_COLUMN_LABEL", "LIST_FILTER_LABEL", "ERROR_MESSAGE",
        "HELP_MESSAGE"}
    assert "LIST" in results["userfields_deal_ru"][0]


def test_the_docs_batch_answer_takes_the_envelope_its_results_left_as_text() -> None:
    """The answer of settings/how-to-call-rest-api/batch.md (tests/fixtures/client/batch.json)
    is the envelope `decode_batch` reads: every result is left as its JSON text, and decoded
    it is what `decode_json` reads of the whole body."""
    from pathlib import Path

    import msgspec

    example = json.loads((Path(__file__).parent.parent / "fixtures" / "client" /
                          "batch.json").read_text("utf-8"))["response"]["body"]
    content = json.dumps(example, ensure_ascii=False).encode()
    read = decode_batch(content)
    assert set(read) == {"result", "time"} and read["result"]["result"]
    assert all(isinstance(v, msgspec.Raw) for v in read["result"]["result"].values())
    members, shaped = decoded(read["result"], {"get_department": Rows(("ID",))})
    assert shaped == {"get_department"} and members["result"]["get_department"] == [{"ID": "1"}]
    whole = decode_json(content)["result"]
    assert members["result"]["get_user"] == whole["result"]["get_user"]
    assert {k: v for k, v in members.items() if k != "result"} == \
        {k: v for k, v in whole.items() if k != "result"}


def test_the_docs_get_answer_is_decoded_with_the_labels_and_items_the_kind_reads() -> None:
    """The answer of api-reference/crm/universal/userfieldconfig/userfieldconfig-get.md
    (tests/fixtures/rest-examples/userfieldconfig.get.json) as one command of a batch, with
    the smart-process kind's `GET_TRIM`: shaped, and exactly the reader's trim of it whole
    (its items' userFieldId, its other label maps and settings left out)."""
    from pathlib import Path

    from provisioner.engine.reader import _kept_rows
    from provisioner.kinds.smart_processes.live import GET_TRIM

    example = json.loads((Path(__file__).parent.parent / "fixtures" / "rest-examples" /
                          "userfieldconfig.get.json").read_text("utf-8"))["response"]["body"]
    content = body({"spa_uf_7095": example["result"]})
    members, shaped = decoded(decode_batch(content)["result"],
                              {"spa_uf_7095": _kept_rows(GET_TRIM, None)})
    assert shaped == {"spa_uf_7095"}
    got = members["result"]["spa_uf_7095"]
    assert got == GET_TRIM.answer(example["result"], None)
    assert got == {"field": {
        "languageId": {"en": "en", "de": "de"},
        "editFormLabel": {"en": "List of characteristics", "de": "Liste der Merkmale"},
        "helpMessage": {"en": None, "de": None},
        "enum": [{"id": "3671", "value": "Characteristic 1", "def": "N", "sort": "100",
                  "xmlId": "38a8c98a5de02f8ccdca2244e5065ecd"},
                 {"id": "3673", "value": "Characteristic 2", "def": "Y", "sort": "200",
                  "xmlId": "9520e17b39f3525b820b809914b52207"}]}}

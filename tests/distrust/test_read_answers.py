"""A field's get that holds no field is refused, naming the field: a smart-process field's
(the docs: `result` "may return null" when the field is not found,
api-reference/crm/universal/userfieldconfig/userfieldconfig-get.md) read by the plan, where,
read as a field without items, the plan would add to the portal the items it has (failed at
f0228dc); a classic field's read by the plan (failed at 2ec2676); and either one read by apply
before a label update, which would blank the languages the plan did not read (failed at
2ec2676)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bent import Bent, on_method

from bench.portal import Size, fill
from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.client.errors import MalformedResponse
from provisioner.engine.applier import ApplyFailed
from provisioner.engine.live import read_languages
from provisioner.engine import live as lv
from provisioner.errors import ProvisionError
from provisioner.model.answers import UntrustedAnswer
from provisioner.sandbox import Sandbox
from provisioner.sandbox.portal import MemoryStores
from provisioner.sandbox.store import Store


def _client() -> BitrixClient:
    size = Size(pipelines=1, fields_per_entity=1, items=3, smart_processes=1, spa_fields=2)
    sandbox = Sandbox(MemoryStores(fill(Store.new(), size)))
    return BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())


@pytest.mark.parametrize("answer, shown", [(None, "null"),
                                           ({"field": None}, '{"field": null}')])
def test_a_get_without_its_field_is_refused_naming_the_field(answer: Any, shown: str) -> None:
    client = _client()
    honest = lv.read_live(client, languages={})
    field = next(f for spa in honest.parts["smart_processes"] for f in spa.fields
                 if f.items)  # an enumeration field, its items read by its get
    with pytest.raises(UntrustedAnswer) as err:
        lv.read_live(Bent(client, on_method("userfieldconfig.get", lambda _r: answer)),
                     languages={})
    assert str(err.value) == (
        f"userfieldconfig.get: MALFORMED_RESPONSE (provision's own code): the portal lists the "
        f"field UF_CRM_1_{field.field.name} (id {field.field.id}) but its get answered {shown}, "
        "no field: it may have been deleted between the two reads. Run again; if it stays, the "
        "portal's answers cannot be trusted")


@pytest.mark.parametrize("answer, shown", [(None, "null"), ([], "[]")])
def test_a_classic_get_without_its_field_is_refused_naming_the_field(answer: Any,
                                                                     shown: str) -> None:
    """A classic field's get (asked for its labels in languages beyond ru and en when the
    fields are fewer than those languages) that holds no field: not as documented (a field not
    found is ERROR_NOT_FOUND, crm-deal-userfield-get.md). Read as a field without labels in
    those languages before (2ec2676), so the plan proposed labels the field has."""
    client = _client()
    row = client.call("crm.deal.userfield.list").result[0]
    with pytest.raises(UntrustedAnswer) as err:
        lv.read_live(Bent(client, on_method("crm.deal.userfield.get", lambda _r: answer)))
    assert str(err.value) == (
        f"crm.deal.userfield.get: MALFORMED_RESPONSE (provision's own code): the portal lists "
        f"the field {row['FIELD_NAME']} (id {row['ID']}) but its get answered {shown}, no "
        "field: it may have been deleted between the two reads. Run again; if it stays, the "
        "portal's answers cannot be trusted")


CLASSIC = '[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", en = "Kind" }\n'
SPA = ('[smart_processes.hr]\ntitle = "Кандидаты"\n[smart_processes.hr.fields.SOURCE]\n'
       'type = "string"\nlabel = { ru = "Источник", en = "Source" }\n')


def _german(client: BitrixClient, spa: bool) -> tuple[str, Callable[[], str]]:
    """The field's id once a person gave it a German label, and a reader of that label."""
    if spa:
        types = client.call("crm.type.list").result["types"]
        row = client.call("userfieldconfig.list", {"moduleId": "crm", "filter": {
            "entityId": f"CRM_{types[0]['id']}"}}).result["fields"][0]

        def spa_label() -> str:
            got = client.call("userfieldconfig.get", {"moduleId": "crm", "id": row["id"]})
            return str(got.result["field"]["editFormLabel"].get("de"))
        got = client.call("userfieldconfig.get", {"moduleId": "crm", "id": row["id"]}).result
        client.call("userfieldconfig.update", {"moduleId": "crm", "id": row["id"], "field": {
            "editFormLabel": {**got["field"]["editFormLabel"], "de": "Quelle"}}})
        return str(row["id"]), spa_label
    row = client.call("crm.deal.userfield.list").result[0]

    def label() -> str:
        got = client.call("crm.deal.userfield.get", {"id": row["ID"]}).result
        return str(got["EDIT_FORM_LABEL"].get("de"))
    full = client.call("crm.deal.userfield.get", {"id": row["ID"]}).result
    client.call("crm.deal.userfield.update", {"id": row["ID"], "fields": {
        "EDIT_FORM_LABEL": {**full["EDIT_FORM_LABEL"], "de": "Quelle"}}})
    return str(row["ID"]), label


@pytest.mark.parametrize("spa, answer, shown", [
    (False, None, "null"), (True, None, "null"), (True, {"field": None}, '{"field": null}')])
def test_a_get_before_a_label_update_that_holds_no_field_stops_the_update(
        spa: bool, answer: Any, shown: str) -> None:
    """The apply reads a field whole before updating its labels, so that the update carries
    the languages the plan did not read (a language left out of an update becomes ""). A get
    that answers no field stops the apply before the update: sent before (2ec2676) with ru and
    en alone, it blanked the German label a person had set (the smart process's {"field":
    null} raised AttributeError)."""
    sandbox = Sandbox.in_memory()
    client = BitrixClient.from_webhook(sandbox.webhook_url, session=sandbox.session())
    text = SPA if spa else CLASSIC
    engine.apply(engine.make_plan(engine.load_text(text), engine.read_live(client)), client)
    field_id, german = _german(client, spa)
    desired = engine.load_text(text.replace('ru = "', 'ru = "Новый '))
    method = "userfieldconfig.get" if spa else "crm.deal.userfield.get"
    plan = engine.make_plan(desired, engine.read_live(client, languages=read_languages(
        desired.parts)))
    address = "smart_process[hr].field[SOURCE]" if spa else "deal.field[KIND]"
    assert [str(c.address) for c in plan.changes] == [address]
    with pytest.raises(ApplyFailed) as err:
        engine.apply(plan, Bent(client, on_method(method, lambda _r: answer)))
    assert german() == "Quelle"
    assert (err.value.report.done, err.value.report.uncertain) == ([], [])
    assert err.value.report.not_done == [f"~ {address}"]
    assert (f"{method}: MALFORMED_RESPONSE (provision's own code): {address} (id {field_id}): "
            f"the read of its labels before their update answered {shown}, no field: it may "
            "have been deleted since the plan. Its update was not sent (without the labels in "
            "the languages the plan did not read, it would blank them); run plan again"
            ) in str(err.value)


def test_a_follow_up_read_that_is_not_as_documented_is_named() -> None:
    """A read asked after the first ones (crm.type.get, userfieldconfig.get) whose answer is
    not as documented is named in the error: before (6e6dbfb) only the kind's first reads
    were, so the method at fault was missing from the message."""
    client = _client()
    for method, answer in (("crm.type.get", {"type": {"relations": "x"}}),
                           ("userfieldconfig.get", {"field": {"enum": "x"}})):
        with pytest.raises(MalformedResponse) as err:
            lv.read_live(Bent(client, on_method(method, lambda _r, a=answer: a)),
                         languages={})
        methods, _, detail = str(err.value).partition(": MALFORMED_RESPONSE")
        assert method in methods.split(", ")
        assert detail.endswith("reading smart_processes failed")


@pytest.mark.parametrize("answer, shown", [(None, "null"), ({"type": None}, '{"type": null}')])
def test_a_type_get_without_its_type_is_refused_naming_the_smart_process(answer: Any,
                                                                         shown: str) -> None:
    """crm.type.get (a smart process's relations, not in the list) answering no type: read as
    a type without relations before (d08c34b), so a plan proposed relations it has."""
    client = _client()
    row = client.call("crm.type.list").result["types"][0]
    with pytest.raises(UntrustedAnswer) as err:
        lv.read_live(Bent(client, on_method("crm.type.get", lambda _r: answer)), languages={})
    assert str(err.value) == (
        f"crm.type.get: MALFORMED_RESPONSE (provision's own code): the portal lists the smart "
        f"process {row['title']!r} (id {row['id']}) but its get answered {shown}, no type: it "
        "may have been deleted between the two reads. Run again; if it stays, the portal's "
        "answers cannot be trusted")


def _gets_of_one_object(client: BitrixClient) -> list[str]:
    """The methods named `*.get` that an export's read (every kind, every language) sends and
    the portal answers with one object, not a list (user.get, placement.get and event.get
    answer lists)."""
    seen: dict[str, bool] = {}

    def record(calls: Any, results: dict[str, Any]) -> None:
        for key, (method, _params) in calls.items():
            if method.endswith(".get") and key in results:
                seen[method] = seen.get(method, True) and isinstance(results[key], dict)

    lv.read_live(Bent(client, record))
    return sorted(m for m, one in seen.items() if one)


def test_every_get_of_one_object_answering_none_is_refused_naming_its_method() -> None:
    """The invariant behind the three tests above, for every kind's reads as they are today and
    as kinds are added: a get of one object that answers null is refused, its method named,
    never read as an object without what the get adds."""
    client = _client()
    gets = _gets_of_one_object(client)
    assert {"crm.type.get", "userfieldconfig.get", "crm.deal.userfield.get"} <= set(gets)
    for method in gets:
        with pytest.raises(ProvisionError) as err:
            lv.read_live(Bent(client, on_method(method, lambda _r: None)))
        assert str(err.value).startswith(f"{method}: MALFORMED_RESPONSE"), method

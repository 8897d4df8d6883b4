"""Custom fields of the classic entities against the sandbox: the portal state after apply, the
refusals, and the validation messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from kinds_support import converge, deal_field, plan, setup_case

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.live import read_languages
from provisioner.errors import ConfigError
from provisioner.kinds.fields.model import xml_id_for

PIPELINE = """
[deal.pipelines.sales]
name = "Продажи"
default = true
stages = [{ code = "NEW", name = "Новая" }, { code = "PREPARATION", name = "Оформление" },
          { code = "WON", name = "Успех", semantics = "success" },
          { code = "LOSE", name = "Провал", semantics = "failure" }]
"""
FIELD = """
[deal.fields.EQUIPMENT_TYPE]
type = "enumeration"
label = "Тип оборудования"
items = ["стандартное"]
"""


def _items(row: dict[str, object]) -> dict[str, tuple[str, str]]:
    return {str(i["XML_ID"]): (str(i["ID"]), str(i["VALUE"])) for i in row["LIST"]}  # type: ignore[attr-defined]


def test_renamed_item_is_updated_in_place_with_the_same_id(client: BitrixClient) -> None:
    desired = setup_case(client, "field-enum-item-renamed")
    before = _items(deal_field(client, "EQUIPMENT_TYPE"))
    assert converge(client, desired).changes == ()
    after = _items(deal_field(client, "EQUIPMENT_TYPE"))
    assert after["krupnoe"] == (before["krupnoe"][0], "большое")
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


def test_added_item_gets_its_generated_xml_id(client: BitrixClient) -> None:
    desired = setup_case(client, "field-enum-item-added")
    assert converge(client, desired).changes == ()
    items = _items(deal_field(client, "EQUIPMENT_TYPE"))
    assert sorted(items) == ["krupnoe", "osoboe", "standartnoe"]
    assert items["osoboe"][1] == "особое"


def test_removed_item_is_refused_without_allow_destroy(client: BitrixClient) -> None:
    desired = setup_case(client, "field-enum-item-removed")
    cautious = plan(client, desired)
    assert cautious.changes == ()
    assert [(str(n.address), n.reason) for n in cautious.notes] == [
        ("deal.field[EQUIPMENT_TYPE].item[krupnoe]",
         "not in the desired state; would be deleted with --allow-destroy")]
    with pytest.raises(engine.DestroyRefused) as err:
        engine.apply(plan(client, desired, allow=True), client)
    assert str(err.value) == ("the plan deletes or replaces deal.field[EQUIPMENT_TYPE]"
                              ".item[krupnoe]; run again with --allow-destroy to allow it")
    assert len(_items(deal_field(client, "EQUIPMENT_TYPE"))) == 3
    assert converge(client, desired).changes == ()
    assert sorted(_items(deal_field(client, "EQUIPMENT_TYPE"))) == ["osoboe", "standartnoe"]


def test_type_change_deletes_and_creates_the_field(client: BitrixClient) -> None:
    desired = setup_case(client, "field-type-change-replaces")
    old = deal_field(client, "UNITS")
    first = plan(client, desired, allow=True)
    assert [(str(c.address), c.action, c.destructive) for c in first.changes] == [
        ("deal.field[UNITS]", engine.Action.REPLACE, True)]
    with pytest.raises(engine.DestroyRefused):
        engine.apply(first, client)
    assert converge(client, desired).changes == ()
    new = deal_field(client, "UNITS")
    assert (new["USER_TYPE_ID"], old["USER_TYPE_ID"]) == ("integer", "string")
    assert new["ID"] != old["ID"]


def test_every_type_is_created_with_its_settings(client: BitrixClient) -> None:
    desired = setup_case(client, "field-each-type-created")
    assert converge(client, desired).changes == ()
    rows = {r["FIELD_NAME"]: r for r in client.call("crm.deal.userfield.list", {}).result}
    types = {name.removeprefix("UF_CRM_"): r["USER_TYPE_ID"] for name, r in rows.items()}
    assert sorted(types.values()) == sorted([
        "string", "integer", "double", "boolean", "date", "datetime", "enumeration", "money",
        "url", "address", "employee", "crm", "crm_status", "file", "iblock_section",
        "iblock_element"])
    settings = {name.removeprefix("UF_CRM_"): r["SETTINGS"] for name, r in rows.items()}
    assert (settings["NOTE"]["ROWS"], settings["NOTE"]["DEFAULT_VALUE"]) == (3, "—")
    assert settings["WEIGHT"]["PRECISION"] == 3
    assert (settings["URGENT"]["DEFAULT_VALUE"], settings["URGENT"]["DISPLAY"]) == (1, "RADIO")
    assert settings["CALL_AT"]["DEFAULT_VALUE"] == {"VALUE": "", "TYPE": "NOW"}
    assert {k: settings["PARTNER"][k] for k in ("LEAD", "CONTACT", "COMPANY", "DEAL")} == {
        "LEAD": "N", "CONTACT": "Y", "COMPANY": "Y", "DEAL": "N"}
    assert settings["BRANCH"]["ENTITY_TYPE"] == "INDUSTRY"
    assert settings["CATALOG_ITEM"]["ACTIVE_FILTER"] == "Y"
    assert rows["UF_CRM_CURATOR"]["SHOW_FILTER"] == "I"  # employee filter mask
    size = rows["UF_CRM_SIZE"]
    assert size["MULTIPLE"] == "Y"
    assert [(i["XML_ID"], i["DEF"]) for i in size["LIST"]] == [("malyy", "N"), ("L", "Y")]


def test_labels_are_written_per_language(client: BitrixClient) -> None:
    desired = setup_case(client, "field-labels-changed")
    assert converge(client, desired).changes == ()
    row = client.call("crm.contact.userfield.get",
                      {"id": deal_field(client, "VIP", "contact")["ID"]}).result
    assert (row["EDIT_FORM_LABEL"]["ru"], row["EDIT_FORM_LABEL"]["en"]) == ("VIP-клиент",
                                                                          "VIP client")
    assert row["LIST_COLUMN_LABEL"]["ru"] == "VIP"
    assert row["HELP_MESSAGE"]["en"] == "Special care"


def test_required_from_stays_manual_and_is_never_applied(client: BitrixClient) -> None:
    desired = setup_case(client, "field-required-from-manual")
    report = engine.apply(plan(client, desired), client)
    assert report.manual == ["deal.field[EQUIPMENT_TYPE].required_from[sales]"]
    again = plan(client, desired)
    assert [(str(c.address), c.action) for c in again.changes] == [
        ("deal.field[EQUIPMENT_TYPE].required_from[sales]", engine.Action.MANUAL)]
    assert not again.has_actionable


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        engine.load_text(text)
    return [f"{p.key}: {p.message} | {p.fix}" for p in err.value.problems]


def test_required_from_names_a_declared_pipeline_and_stage() -> None:
    assert _problems(PIPELINE + FIELD + 'required_from = "sale:PREPARATION"\n') == [
        ('deal.fields.EQUIPMENT_TYPE.required_from: required_from names pipeline "sale", which '
        "the desired state does not declare | use one of: sales")]
    assert _problems(PIPELINE + FIELD + 'required_from = "sales:PAYMENT"\n') == [
        ('deal.fields.EQUIPMENT_TYPE.required_from: pipeline "sales" has no stage "PAYMENT" | '
        "use one of: NEW, PREPARATION, WON, LOSE")]
    assert _problems(FIELD + 'required_from = "sales:PREPARATION"\n') == [
        ('deal.fields.EQUIPMENT_TYPE.required_from: required_from names pipeline "sales", which '
        "the desired state does not declare | declare [deal.pipelines.sales] with its stages, or "
        "remove required_from")]


def test_field_checks() -> None:
    text = """
[contact.fields.VIP]
type = "boolean"
label = 5
multiple = true
settings = { rows = 2 }
required_from = "sales:NEW"
"""
    assert _problems(text) == [
        ("contact.fields.VIP.label: must be a string or a table, not an integer | write a string "
        "or a table here")]
    text = text.replace("label = 5", 'label = "VIP"')
    assert _problems(text) == [
        ("contact.fields.VIP.multiple: boolean fields cannot be multiple on the portal | remove "
        "`multiple = true`"),
        ("contact.fields.VIP.settings.rows: `rows` is not a setting of boolean fields | keys for "
        "boolean: default_value, display"),
        ("contact.fields.VIP.required_from: required_from is for deal fields, not contacts | "
        "remove it (smart-process fields take it too)")]


def test_a_duplicate_item_is_shown_as_written_and_trimmed() -> None:
    """Before (user trial): `"x "` after `"x"` was reported as `duplicate item "x"`, which the
    config did not seem to hold twice."""
    text = ('[deal.fields.KIND]\ntype = "enumeration"\nlabel = "K"\n'
            'items = ["x", "x ", "x", { value = " x", xml_id = "other" }]\n')
    assert _problems(text) == [
        'deal.fields.KIND.items[1]: duplicate item "x ": the portal trims the spaces around a '
        'value and stores it as "x", like item 0 | remove one, or give each item its own value',
        'deal.fields.KIND.items[2]: duplicate item "x" (also item 0) | remove one, or give each '
        "item its own value",
        'deal.fields.KIND.items[3]: duplicate item " x": the portal trims the spaces around a '
        'value and stores it as "x", like item 0 | remove one, or give each item its own value']
    assert _problems(text.replace('["x", ', '["x ", ').replace('"x", {', '"y", {')) == [
        'deal.fields.KIND.items[1]: duplicate item "x " (also item 0) | remove one, or give each '
        "item its own value",
        'deal.fields.KIND.items[3]: duplicate item " x": the portal trims the spaces around a '
        'value and stores it as "x", like item 0 ("x ") | remove one, or give each item its own '
        "value"]


def test_generated_xml_ids_are_transliterations_made_unique() -> None:
    assert xml_id_for("крупное", set()) == "krupnoe"
    assert xml_id_for("Крупное!", {"krupnoe"}) == "krupnoe_2"
    assert xml_id_for("—", set()) == "item"


def test_reads_take_one_batch_for_classic_fields(client: BitrixClient) -> None:
    start = client.stats.requests
    engine.read_live(client)
    # One batch for every kind's first reads; one more for smart-process follow-ups (none here:
    # a new portal has no smart process, so no second batch).
    assert client.stats.requests - start == 1


# ---- issue 13 item 8: labels in every language of the portal ------------------------------

def _labels(client: BitrixClient, name: str, key: str = "EDIT_FORM_LABEL") -> dict[str, str]:
    got = client.call("crm.deal.userfield.get", {"id": deal_field(client, name)["ID"]}).result
    return dict(got[key])


def test_a_label_in_any_language_of_the_portal_is_made_and_converges(
        client: BitrixClient) -> None:
    """Before: `ua` was refused ("not a valid name here"), and de was neither compared nor
    exported."""
    text = ('[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", en = "Kind", ua = "Вид",'
            ' kz = "Түрі", de = "Art" }\n')
    assert converge(client, engine.load_text(text)).changes == ()
    got = _labels(client, "KIND")
    assert (got["de"], got["kz"], got["fr"]) == ("Art", "Түрі", "Вид")  # fr: the add's LABEL
    assert set(_labels(client, "KIND", "HELP_MESSAGE").values()) == {""}


def test_an_update_never_overwrites_a_language_the_config_leaves_out(
        client: BitrixClient) -> None:
    before = '[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", en = "Kind" }\n'
    converge(client, engine.load_text(before))
    field_id = deal_field(client, "KIND")["ID"]
    by_hand = {**_labels(client, "KIND"), "de": "Art"}  # an administrator's German label
    client.call("crm.deal.userfield.update", {"id": field_id,
                                              "fields": {"EDIT_FORM_LABEL": by_hand}})
    assert plan(client, engine.load_text(before)).changes == ()  # de is not the config's
    after = engine.load_text(before.replace('"Вид"', '"Тип"'))
    assert converge(client, after).changes == ()
    got = _labels(client, "KIND")
    assert (got["ru"], got["en"], got["de"], got["fr"]) == ("Тип", "Kind", "Art", "Вид")


def test_a_label_update_keeps_a_language_set_by_hand_the_plan_did_not_read(
        client: BitrixClient) -> None:
    """Issue 18: a plan naming only ru and en reads no other language, so the apply reads the
    field whole (crm.deal.userfield.get) before its update. Fails without that read: the
    update then sends ru and en alone, and the portal blanks de."""
    before = '[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", en = "Kind" }\n'
    converge(client, engine.load_text(before))
    field_id = deal_field(client, "KIND")["ID"]
    by_hand = {**_labels(client, "KIND"), "de": "Art"}
    client.call("crm.deal.userfield.update", {"id": field_id,
                                              "fields": {"EDIT_FORM_LABEL": by_hand}})
    after = engine.load_text(before.replace('"Вид"', '"Тип"'))
    relabel = plan(client, after)
    assert relabel.live_nodes[relabel.changes[0].address].full is None  # ru and en only read
    report = engine.apply(relabel, client)
    assert report.done == ["~ deal.field[KIND]"]  # the read names no change
    got = _labels(client, "KIND")
    assert (got["ru"], got["en"], got["de"], got["fr"]) == ("Тип", "Kind", "Art", "Вид")


class _Reads:
    """A client recording the read sub-calls (method, LANG filter or id) sent through it."""

    def __init__(self, client: BitrixClient) -> None:
        self.client = client
        self.sent: list[tuple[str, str]] = []

    def batch(self, calls: Mapping[str, tuple[str, Mapping[str, Any]]], halt: bool = False,
              rows: Any = None) -> Any:  # noqa: ARG002
        for method, params in calls.values():
            if "userfield" in method:
                self.sent.append((method, str(params.get("filter", {}).get("LANG", ""))
                                  or str(params.get("id", ""))))
        return self.client.batch(calls, halt)


@pytest.mark.parametrize(("label", "languages"), [
    ('{ ru = "Вид", en = "Kind" }', ["ru", "en"]),
    ('"Вид"', ["ru", "en"]),
    ('{ ru = "Вид", de = "Art" }', ["ru", "en", "de"])])
def test_a_plan_reads_labels_only_in_the_languages_the_config_names(
        client: BitrixClient, label: str, languages: list[str]) -> None:
    """Issue 18: a no-op plan read every field 21 times (a list or a get per language)."""
    desired = engine.load_text(f'[deal.fields.KIND]\ntype = "string"\nlabel = {label}\n'
                               f'[deal.fields.SIZE]\ntype = "string"\nlabel = {label}\n')
    converge(client, desired)
    reads = _Reads(client)
    live = engine.read_live(reads, languages=read_languages(desired.parts))
    assert engine.make_plan(desired, live).changes == ()
    deal = [lang for method, lang in reads.sent if method == "crm.deal.userfield.list"]
    assert deal == languages
    assert not [m for m, _ in reads.sent if m.endswith(".get")]
    everything = _Reads(client)
    engine.read_live(everything)  # export's read: every language the portal has
    assert len([m for m, _ in everything.sent if m.startswith("crm.deal.")]) == 2 + 2


def test_a_language_the_portal_does_not_have_is_a_located_error() -> None:
    with pytest.raises(ConfigError) as err:
        engine.load_text('[deal.fields.KIND]\ntype = "string"\n'
                         'label = { ru = "Вид", uk = "Вид", ruu = "Вид" }\n')
    languages = ("write one of the portal's languages: ar, br, de, en, fr, hi, id, in, it, ja, "
                 "kz, la, ms, pl, ru, sc, tc, th, tr, ua, vn (Bitrix24's codes: Ukrainian ua, "
                 "Kazakh kz, Spanish la, Portuguese br, Chinese sc and tc, Vietnamese vn)")
    assert sorted((p.key, p.message, p.fix) for p in err.value.problems) == [
        ("deal.fields.KIND.label.ruu", "`ruu` is not a valid name here", languages),
        ("deal.fields.KIND.label.uk", "`uk` is not a valid name here", languages)]


def test_an_empty_language_is_made_in_one_apply(client: BitrixClient) -> None:
    """A legacy add gives an empty text the add's LABEL: the field is updated right after."""
    text = '[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", de = "" }\n'
    assert converge(client, engine.load_text(text)).changes == ()
    got = _labels(client, "KIND")
    assert (got["ru"], got["de"], got["en"]) == ("Вид", "", "Вид")


def test_export_writes_every_language_the_administrator_set(client: BitrixClient) -> None:
    """Not the languages the portal filled itself (the add's LABEL), but every one whose text
    differs, "" included: made again from the export, the field is the same."""
    from provisioner.kinds.fields.kind import Fields

    converge(client, engine.load_text(
        '[deal.fields.KIND]\ntype = "string"\nlabel = { ru = "Вид", en = "Kind" }\n'))
    field_id = deal_field(client, "KIND")["ID"]
    by_hand = {**_labels(client, "KIND"), "de": "Art", "fr": ""}
    client.call("crm.deal.userfield.update", {"id": field_id,
                                              "fields": {"EDIT_FORM_LABEL": by_hand}})
    files = Fields("deal").export(engine.read_live(client).parts["deal.fields"])
    exported = files["fields.toml"]["deal"]["fields"]["KIND"]
    assert exported["label"] == {"ru": "Вид", "en": "Kind", "de": "Art", "fr": ""}
    assert exported.get("list_label") == {"ru": "Вид", "en": "Kind"}


def test_an_item_text_read_from_the_portal_is_the_text_of_what_came() -> None:
    """`_text` (an item's XML_ID and VALUE, fields/model.py) is `shared.text(str(v or ""))`
    for whatever the portal sends, a text kept as the one living string."""
    from provisioner.kinds import shared
    from provisioner.kinds.fields.model import _text

    for value in (None, "", 0, 5, "x", "Опция 1", 1.5, False, True, [], {"a": 1}):
        assert _text(value) == shared.text(str(value or "")), value
    made = "".join(["op", "tion"])
    assert _text(made) is shared.text("option")

"""id-map.json: one table per id namespace in `by_type`. Before, reference-list item ids and
enumeration item ids shared `item.id`, so an old enumeration id could map to a list item's new
id: an integration remapping values with it would corrupt data."""

from __future__ import annotations

from provisioner.engine import idmap

# The exporting portal numbered a list item and an enumeration item 7 (two tables of the
# portal: crm.status and the user-field enumerations); the target numbered them 12 and 70.
SIDE = {"portal": "https://old.bitrix24.ru", "users": {"a@x.ru": "1"}, "objects": {
    "list[SOURCE].item[WEB]": {"id": 7},
    "deal.field[KIND].item[big]": {"id": 7},
    "contact.field[SIZE].item[big]": {"id": 8},
    "deal.pipeline[sales]": {"id": 0},
    "smart_process[hr].pipeline[hiring]": {"id": 0},
    "deal.pipeline[sales].stage[NEW]": {"id": 40, "status_id": "NEW"},
    "lead.status[NEW]": {"id": 41, "status_id": "NEW"},
}}
NOW = {
    "list[SOURCE].item[WEB]": {"id": 12},
    "deal.field[KIND].item[big]": {"id": 70},
    "contact.field[SIZE].item[big]": {"id": 71},
    "deal.pipeline[sales]": {"id": 0},
    "smart_process[hr].pipeline[hiring]": {"id": 3},
    "deal.pipeline[sales].stage[NEW]": {"id": 90, "status_id": "NEW"},
    "lead.status[NEW]": {"id": 91, "status_id": "NEW"},
}


def test_colliding_ids_of_two_namespaces_stay_apart() -> None:
    doc = idmap.id_map(SIDE, "https://new.bitrix24.ru", NOW, {"a@x.ru": "5"})
    assert doc["by_type"] == {
        "list.item.id": {"7": 12},
        "deal.field.item.id": {"7": 70},
        "contact.field.item.id": {"8": 71},
        "deal.pipeline.id": {"0": 0},
        "smart_process.pipeline.id": {"0": 3},
        "deal.pipeline.stage.id": {"40": 90},
        "deal.pipeline.stage.status_id": {"NEW": "NEW"},
        "lead.status.id": {"41": 91},
        "lead.status.status_id": {"NEW": "NEW"},
        "user.id": {"1": "5"},
    }
    assert (doc["from"], doc["to"]) == ("https://old.bitrix24.ru", "https://new.bitrix24.ru")
    assert len(doc["objects"]) == 7 and doc["unmatched_users"] == []


def test_every_pair_of_a_table_is_one_object_of_its_type() -> None:
    """Each old -> new pair of a table is the same object's ids, of the table's type."""
    doc = idmap.id_map(SIDE, "x", NOW, {})
    objects: dict[str, dict[str, int]] = SIDE["objects"]  # type: ignore[assignment]
    for name, table in doc["by_type"].items():
        space, field = name.rsplit(".", 1)
        if space == "user":
            continue
        for old, new in table.items():
            assert any(idmap.namespace(a) == space and str(ids[field]) == old and
                       NOW[a][field] == new for a, ids in objects.items() if field in ids), name


def test_namespace_of_keys_with_dots_and_brackets() -> None:
    assert idmap.namespace("deal.field[X.Y].item[a[1]]") == "deal.field.item"
    assert idmap.namespace("smart_process[hr].pipeline[p].stage[NEW]") == \
        "smart_process.pipeline.stage"

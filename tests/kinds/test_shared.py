"""Equal values a state holds many times are one object (kinds/shared.py): a field's equal
label texts, default settings, and the texts the desired and live states share."""

from __future__ import annotations

import copy
import gc
import json
import pickle

import pytest

from provisioner.kinds import shared
from provisioner.kinds.fields.model import live_field, parse_field
from provisioner.model import Report

WHERE = (None, "deal.field")


def test_equal_mappings_are_one_object_and_unequal_ones_are_not() -> None:
    one = shared.mapping({"ru": "Бюджет", "en": "Budget"})
    assert shared.mapping({"ru": "Бюджет", "en": "Budget"}) is one
    # equal in Python, yet other values: never one object
    assert shared.mapping({"size": True}) is not shared.mapping({"size": 1})
    assert shared.mapping({"size": 1.0}) is not shared.mapping({"size": 1})
    # another key order is another label order (plans keep the desired one)
    assert list(shared.mapping({"en": "Budget", "ru": "Бюджет"})) == ["en", "ru"]


def test_a_shared_mapping_refuses_every_change() -> None:
    """Many objects hold one mapping: a change through one would change them all."""
    shared_labels = shared.mapping({"ru": "Бюджет", "en": "Budget"})
    changes = [lambda m: m.__setitem__("ru", "x"), lambda m: m.__delitem__("ru"),
               lambda m: m.update(ru="x"), lambda m: m.pop("ru"), lambda m: m.popitem(),
               lambda m: m.setdefault("de", "x"), lambda m: m.clear()]
    for change in changes:
        with pytest.raises(TypeError, match="a shared mapping cannot change"):
            change(shared_labels)
    with pytest.raises(TypeError):
        shared_labels |= {"de": "x"}
    assert shared_labels == {"ru": "Бюджет", "en": "Budget"}
    assert json.dumps(shared_labels, ensure_ascii=False) == '{"ru": "Бюджет", "en": "Budget"}'
    assert copy.deepcopy(shared_labels) is shared_labels
    assert pickle.loads(pickle.dumps(shared_labels)) is shared_labels


def test_a_mapping_no_object_holds_is_forgotten() -> None:
    """The table that finds equal mappings holds them weakly: nothing outlives its states."""
    shared.mapping({"n": -1})  # held by nothing
    gc.collect()
    assert repr({"n": -1}) not in shared._MAPPINGS
    held = shared.mapping({"n": -2})
    gc.collect()
    assert shared.mapping({"n": -2}) is held


def test_a_live_field_holds_one_object_per_distinct_label_text() -> None:
    row = {"ID": "7", "USER_TYPE_ID": "string", "SORT": "100", "SETTINGS": {}}
    texts = {lang: {"EDIT_FORM_LABEL": "Budget", "LIST_COLUMN_LABEL": "Budget",
                    "LIST_FILTER_LABEL": "Budget", "ERROR_MESSAGE": "", "HELP_MESSAGE": ""}
             for lang in ("ru", "en")}
    f = live_field(row, WHERE, "BUDGET", texts).field
    g = live_field({**row, "ID": "8"}, WHERE, "OTHER", texts).field
    assert f.label == {"ru": "Budget", "en": "Budget"}
    assert f.label is f.list_label is f.filter_label is g.label
    assert f.help == {"ru": "", "en": ""} and f.help is f.error_message is g.help
    assert f.settings == g.settings and f.settings is g.settings


def test_desired_and_live_fields_share_their_texts() -> None:
    report = Report()
    desired = parse_field("BUDGET", {"type": "string", "label": "Budget", "help": "Budget"},
                          WHERE, ("fields.toml", "deal", "BUDGET"), report)
    assert desired is not None and not report.issues
    assert desired.field.help is desired.field.label  # written out, equal: one object
    # texts decoded from a REST answer: objects of their own until shared
    answer = json.loads('{"ID": "7", "USER_TYPE_ID": "string", "LABEL": "Budget"}')
    texts = {lang: {"EDIT_FORM_LABEL": json.loads('"Budget"')} for lang in ("ru", "en")}
    live = live_field(answer, WHERE, "BUDGET", texts).field
    assert live.label == desired.field.label
    assert live.label["ru"] is desired.field.label["ru"] is live.label["en"]
    assert live.type is desired.field.type


def test_a_memo_finds_the_shared_mapping_by_its_key_and_forgets_it_with_its_last_holder() -> None:
    memo = shared.Memo()
    made = memo.get("Budget", lambda: {"ru": "Budget", "en": "Budget"})
    assert made is shared.mapping({"ru": "Budget", "en": "Budget"})  # mapping's own object
    assert memo.get("Budget", pytest.fail, "made again") is made
    del made
    gc.collect()
    assert "Budget" not in memo._table  # nothing kept for a mapping no object holds
    again = memo.get("Budget", dict, {"ru": "Budget", "en": "Budget"})
    assert again == {"ru": "Budget", "en": "Budget"} and memo.get("Budget", dict) is again


def test_a_desired_label_written_as_one_text_is_the_live_fields_mapping() -> None:
    table = {"type": "string", "label": "Бюджет сделки", "help": "Бюджет сделки"}
    f = parse_field("BUDGET", table, WHERE, ("deal", "fields", "BUDGET"), Report()).field
    row = {"ID": "7", "USER_TYPE_ID": "string", "SORT": "100", "SETTINGS": {}}
    texts = {lang: {"EDIT_FORM_LABEL": "Бюджет сделки", "HELP_MESSAGE": "Бюджет сделки"}
             for lang in ("ru", "en")}
    live = live_field(row, WHERE, "BUDGET", texts).field
    assert f.label is f.help is live.label is live.help
    assert f.settings is live.settings  # a type's default settings: one object

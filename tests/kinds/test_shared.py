"""Equal values a state holds many times are one object (kinds/shared.py): a field's equal
label texts, default settings, and the texts the desired and live states share."""

from __future__ import annotations

import json

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


def test_remembered_mappings_are_forgotten_past_the_limit() -> None:
    first = shared.mapping({"n": -1})
    for n in range(shared.LIMIT):
        shared.mapping({"n": n})
    assert len(shared._MAPPINGS) <= shared.LIMIT
    again = shared.mapping({"n": -1})
    assert again == first and again is not first


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

"""The compiled predicate (`model/fits.py`) answers exactly what the issue collector says:
a value fits its shape if and only if `check` finds no issue in it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from provisioner.engine.loader import root_shape
from provisioner.kinds.fields.model import FIELD, SPA_FIELD
from provisioner.kinds.statuses.deal_pipelines import DealPipelines
from provisioner.model.fits import fits
from provisioner.model.shape import Shape, check

# keys the shapes know (and a few they do not), texts that pass and fail their rules
KEYS = ("type", "label", "list_label", "help", "sort", "multiple", "mandatory", "items",
        "value", "xml_id", "default", "settings", "ru", "en", "de", "xx", "NEW", "sales",
        "code", "name", "color", "semantics", "stages", "deal", "required_from", "A_B", "bad key",
        "pipelines", "deal.pipelines", "fields", "UF_X", "ok\x1b", "enumeration")
TEXTS = st.sampled_from(["", " ", "string", "enumeration", "crm", "Name", "x" * 256, "a\tb",
                         "a\nb", "a\x1bb", "\u202e", "a\xa0b", "\u2028", "\u2066x", "\x85", "sales:NEW", "#FF0000", "S", "F",
                         "я" * 255, "я" * 256, "\xa0", "\u3000", " \n", "a\x1c", "\x1c", "process",
                         "success", "failure", "ru", "en", "UF_CRM_X", "12"]) | st.text(
    max_size=6)
LEAVES = st.none() | st.booleans() | st.integers(-3, 300) | st.floats(allow_nan=False) | TEXTS
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6), max_leaves=25)
SHAPES = {"field": FIELD, "smart-process field": SPA_FIELD, "root": root_shape(),
          "pipelines": DealPipelines.shape}


def collected(shape: Shape, value: Any) -> list[Any]:
    """The issues as `check` collects them (it does not ask the predicate)."""
    return check(shape, value)


@pytest.mark.parametrize("name", SHAPES)
@given(value=VALUES)
def test_a_value_fits_exactly_when_check_finds_no_issue(name: str, value: Any) -> None:
    shape = SHAPES[name]
    assert fits(shape)(value) is (not collected(shape, value))


@pytest.mark.parametrize("name", SHAPES)
@given(value=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8))
def test_tables_of_known_keys_fit_exactly_when_check_finds_no_issue(name: str,
                                                                     value: Any) -> None:
    shape = SHAPES[name]
    assert fits(shape)(value) is (not collected(shape, value))


VALID_FIELD = {"type": "enumeration", "label": {"ru": "Имя", "en": "Name"}, "sort": 10,
               "help": "line\nand\ttab", "multiple": True,
               "items": ["a", {"value": "b", "xml_id": "B", "default": True}]}


@given(key=st.sampled_from([*KEYS, *VALID_FIELD]), value=VALUES)
@example(key="label", value="a\x1bb").via("an invisible character")
@example(key="label", value={"ru": "x" * 256}).via("too long")
@example(key="help", value="a\tb\u202e").via("a tab is fine, an override is not")
@example(key="items", value=[" "]).via("a blank item")
@example(key="type", value="enum").via("not one of the types")
def test_a_field_with_one_key_changed_fits_exactly_when_check_finds_no_issue(
        key: str, value: Any) -> None:
    table = {**VALID_FIELD, key: value}
    assert fits(FIELD)(VALID_FIELD) and fits(SPA_FIELD)(VALID_FIELD)
    for shape in (FIELD, SPA_FIELD):
        assert fits(shape)(table) is (not collected(shape, table))


"""`quick_init` (model/quickinit.py): the classes it serves are made exactly as the dataclass's
own `__init__` makes them (every field, compared or not), and stay frozen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioner.kinds import shared
from provisioner.kinds.fields.model import EnumItem, Field, FieldSpec
from provisioner.kinds.statuses.rows import Item, Stage
from provisioner.model.address import Address
from provisioner.model.quickinit import generated_init, quick_init

OWNER = Address.of("deal.pipeline", "sales")
SERVED = (EnumItem, Field, FieldSpec, Item, Stage)


def _made(cls: type, init: Any, *args: Any, **kwargs: Any) -> Any:
    obj = object.__new__(cls)
    init(obj, *args, **kwargs)
    return obj


def _values(obj: Any) -> list[tuple[str, Any]]:
    return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]


def _same_as_generated(cls: type, *args: Any, **kwargs: Any) -> None:
    quick, generated = cls(*args, **kwargs), _made(cls, generated_init(cls), *args, **kwargs)
    assert type(quick) is cls
    assert _values(quick) == _values(generated)
    assert quick == generated
    if all(isinstance(v, str | int | Address | tuple | None) for _, v in _values(quick)):
        assert hash(quick) == hash(generated)  # a field holds mappings: never hashed


TEXT = st.text(max_size=5)
MAYBE = st.none() | st.integers() | TEXT


@given(TEXT, TEXT, st.booleans(), st.integers(), MAYBE, st.booleans(), st.booleans())
def test_an_item_is_made_as_the_dataclass_makes_it(xml_id: str, value: str, default: bool,
                                                   sort: int, id_: Any, system: bool,
                                                   given_id: bool) -> None:
    _same_as_generated(EnumItem, OWNER, xml_id, value)
    _same_as_generated(EnumItem, OWNER, xml_id, value, default, sort, id_, system, given_id)
    _same_as_generated(EnumItem, owner=OWNER, xml_id=xml_id, value=value, sort=sort,
                       given_id=given_id)


@given(TEXT, TEXT, MAYBE, st.sampled_from(["process", "success"]), st.integers(), MAYBE)
def test_a_stage_and_a_list_item_are_made_as_the_dataclass_makes_them(
        code: str, name: str, color: Any, semantics: str, sort: int, id_: Any) -> None:
    _same_as_generated(Stage, code, name)
    _same_as_generated(Stage, code, name, color, semantics, sort, OWNER, "stage", None, id_,
                       False, "C1:" + code)
    _same_as_generated(Item, code, name, sort, None, id=id_)


def test_a_field_and_its_spec_are_made_as_the_dataclass_makes_them() -> None:
    label = shared.mapping({"ru": "Имя", "en": "Name"})
    _same_as_generated(Field, None, "deal.field", "X", "string")
    _same_as_generated(Field, OWNER, "field", "X", "enumeration", True, label, sort=5,
                       mandatory=True, settings=shared.mapping({"a": 1}), id=7,
                       full=shared.mapping({"label": label}))
    field = Field(None, "deal.field", "X", "string")
    assert field.address == Address.of("deal.field", "X")  # __post_init__ ran
    _same_as_generated(FieldSpec, field)
    _same_as_generated(FieldSpec, field, (EnumItem(field.address, "a", "A"),), ("r",), ("p",))


@pytest.mark.parametrize("cls", SERVED)
def test_the_classes_stay_frozen(cls: type) -> None:
    obj = next(o for o in (EnumItem(OWNER, "a", "A"), Field(None, "deal.field", "X", "s"),
                           FieldSpec(Field(None, "deal.field", "X", "s")), Item("A", "a"),
                           Stage("A", "a")) if type(o) is cls)
    name = dataclasses.fields(obj)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, name, None)


def test_what_quick_init_cannot_copy_is_refused() -> None:
    with pytest.raises(TypeError, match="generated parameters"):
        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class WithInitVar:
            x: int
            y: dataclasses.InitVar[int] = 0

            def __post_init__(self, y: int) -> None:
                pass
    with pytest.raises(TypeError, match="default_factory"):
        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class WithFactory:
            x: list[int] = dataclasses.field(default_factory=list)
    with pytest.raises(TypeError, match="frozen dataclasses with slots"):
        @quick_init
        @dataclasses.dataclass(slots=True)
        class NotFrozen:
            x: int


@quick_init
@dataclasses.dataclass(frozen=True, slots=True)
class _Every:
    """A field of each sort quick_init copies: plain, defaulted, not in __init__ (with a
    default), keyword-only."""

    x: int
    y: str = "y"
    z: int = dataclasses.field(default=3, init=False)
    w: int = dataclasses.field(default=1, kw_only=True)


def test_every_sort_of_field_is_set_as_the_dataclass_sets_it() -> None:
    _same_as_generated(_Every, 1)
    _same_as_generated(_Every, 1, "b", w=4)
    assert _values(_Every(1)) == [("x", 1), ("y", "y"), ("z", 3), ("w", 1)]

"""Addresses: equal addresses alive at once are one object (interned), and stay so when
pickled or copied (plans, test fixtures and other tools copy them)."""

from __future__ import annotations

import copy
import pickle

from provisioner.kinds.statuses import Stage
from provisioner.model.address import Address

NEW = Address.of("deal.pipeline", "sales").child("stage", "NEW")


def test_equal_addresses_are_one_object() -> None:
    assert Address((("deal.pipeline", "sales"), ("stage", "NEW"))) is NEW
    assert NEW.parent is Address.of("deal.pipeline", "sales")
    assert str(NEW) == "deal.pipeline[sales].stage[NEW]" and NEW.key == "NEW" and NEW.depth == 2


def test_pickled_and_copied_addresses_are_the_living_one() -> None:
    assert pickle.loads(pickle.dumps(NEW)) is NEW
    assert copy.copy(NEW) is NEW and copy.deepcopy(NEW) is NEW
    stage = Stage("NEW", "New", owner=NEW.parent)
    again = pickle.loads(pickle.dumps(stage))
    assert again == stage and again.address is stage.address is NEW
    assert copy.deepcopy({NEW: stage})[NEW] == stage


def test_an_address_is_made_once_and_kept_for_the_process() -> None:
    """Strong references (issue 18): a plan holds every address until it ends, and a weak
    reference per address cost a sixth of an L100 plan's memory."""
    from provisioner.model import address

    made = Address.of("deal.pipeline", "kept").child("stage", "HELD")
    steps, ident = made.parts, id(made)
    assert address._LIVING[steps] is made
    del made
    again = Address(steps)
    assert id(again) == ident and address._LIVING[steps] is again


def test_an_enumeration_item_makes_its_address_when_asked() -> None:
    """Items hold no address (the most numerous objects of a state); the one made when asked
    is the living one, equal to what the item held before, and pickles as the item did."""
    from provisioner.kinds.fields.model import EnumItem

    owner = Address.of("deal.field", "COLOUR")
    item = EnumItem(owner, "red", "Red", sort=10)
    held = item.address
    assert held is owner.child("item", "red") is item.address
    assert held == Address((("deal.field", "COLOUR"), ("item", "red")))
    assert str(held) == "deal.field[COLOUR].item[red]" and held.parent is owner
    again = pickle.loads(pickle.dumps(item))
    assert again == item and again.address is held
    assert "address" not in repr(item)

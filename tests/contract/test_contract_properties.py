"""The contract, on generated configs of every kind (issue 13): apply converges (on a new portal
and after a week of edits); a saved plan reads back equal, applies and converges; an export
plans empty (and, written over a config, keeps its keys and manual items); an export migrates
to a portal numbered differently, the two equal by natural keys and the id map right per
namespace; renames are updates; drift is in sync right after apply.

The general generator (`KNOWN_GOOD`) leaves out what known bugs break; test_contract_known.py
holds a strict-xfail minimal example of each, so a fix flips it. Example counts by default
(the whole folder runs in about 25 s of CPU; CONTRACT_EXAMPLES=N runs N of each, e.g. 150):

    apply then plan                   25    apply after a week of edits      15
    the estimate is what apply sends  25
    saved plan (new, then renamed)    15    export then plan                 15
    export over the config            15    migrate to a second portal       12
    migrate, exported --from config   12
    rename everything                 15    drift right after apply          15
    registry: each kind's generator 4 per kind; the general generator draws every kind in 30
"""

from __future__ import annotations


import contract_props as prop
from contract_configs import KNOWN_GOOD, Tree, configs
from contract_flow import examples
from hypothesis import given
from hypothesis import strategies as st


@examples(25)
@given(configs(KNOWN_GOOD))
def test_apply_then_plan_has_no_change_besides_manual(tree: Tree) -> None:
    prop.apply_then_plan(tree)


@examples(25)
@given(configs(KNOWN_GOOD))
def test_the_estimate_of_apply_is_the_requests_it_sends(tree: Tree) -> None:
    """Relations between new smart processes included: their round of their own is in the
    estimate (`ClosesRounds`; tests/speed/test_floor_writes.py pins one)."""
    prop.estimate_is_exact(tree)


@examples(15)
@given(configs(KNOWN_GOOD), st.data())
def test_apply_after_a_week_of_edits_converges(tree: Tree, data: st.DataObject) -> None:
    prop.apply_edited(tree, data, KNOWN_GOOD)


@examples(15)
@given(configs(KNOWN_GOOD), st.data())
def test_a_saved_plan_reads_back_equal_applies_and_converges(tree: Tree,
                                                            data: st.DataObject) -> None:
    prop.saved_plan(tree, data, KNOWN_GOOD)


@examples(15)
@given(configs(KNOWN_GOOD))
def test_an_export_plans_empty_against_its_portal(tree: Tree) -> None:
    prop.export_then_plan(tree)


@examples(15)
@given(configs(KNOWN_GOOD))
def test_export_over_a_config_keeps_its_keys_and_manual_items(tree: Tree) -> None:
    prop.export_over_config(tree)


@examples(12)
@given(configs(KNOWN_GOOD))
def test_an_export_migrates_to_a_portal_numbered_differently(tree: Tree) -> None:
    prop.migrate(tree)


@examples(12)
@given(configs(KNOWN_GOOD))
def test_an_export_from_the_config_migrates_its_manual_items(tree: Tree) -> None:
    prop.migrate(tree, carry=True)


@examples(15)
@given(configs(KNOWN_GOOD), st.data())
def test_renaming_everything_named_is_an_update(tree: Tree, data: st.DataObject) -> None:
    prop.rename(tree, data, KNOWN_GOOD)


@examples(15)
@given(configs(KNOWN_GOOD))
def test_drift_right_after_apply_is_in_sync(tree: Tree) -> None:
    prop.drift_after_apply(tree)

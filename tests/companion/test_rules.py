"""The rule engine: the seed's four steps, and the rule order as a property (Hypothesis)."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.companion.facts import Company, Contact, Facts, Lead, candidates
from provisioner.companion.config import load_config
from provisioner.kinds.companion.model import COLORS, OWNERS, RESPONSIBLE, CallCardConfig, CallCardRule
from provisioner.companion.rules import NO_OWNER, decide, explain, matches

CARD = load_config(Path(__file__).parent / "fixtures" / "companion.toml").call_card
assert CARD is not None
IVAN, IRINA = 3, 2  # the caller and another manager (sandbox users)
PHONE = "+79161234567"


def test_company_in_work_of_another_manager_is_red() -> None:
    facts = Facts(PHONE, companies=(Company(7, "Ромашка", IRINA, "in_work"),),
                  leads=(Lead(1, "Лид", IVAN),))
    decision = decide(CARD, facts, IVAN)
    assert (decision.color, decision.rule, decision.candidate.entity_id) == ("red", 0, 7)


def test_contact_of_company_in_processing_is_yellow() -> None:
    facts = Facts(PHONE, contacts=(Contact(5, "Пётр", IVAN, (8,)),),
                  linked=(Company(8, "Лютик", IRINA, "processing"),))
    decision = decide(CARD, facts, IVAN)
    assert (decision.color, decision.rule) == ("yellow", 4)
    assert (decision.candidate.company_id, decision.candidate.responsible) == (8, IRINA)


def test_lone_contact_is_yellow_and_lead_only_is_blue() -> None:
    assert decide(CARD, Facts(PHONE, contacts=(Contact(5, "Пётр", IVAN),)), IVAN).rule == 6
    lead = decide(CARD, Facts(PHONE, leads=(Lead(9, "Лид", IRINA),)), IVAN)
    assert (lead.color, lead.rule, lead.message) == ("blue", 7, "Номер есть только у лида")


def test_own_company_gives_no_warning_and_stops_the_search() -> None:
    facts = Facts(PHONE, companies=(Company(7, "Ромашка", IVAN, "in_work"),),
                  contacts=(Contact(5, "Пётр", IRINA),), leads=(Lead(1, "Лид", IRINA),))
    decision = decide(CARD, facts, IVAN)
    assert (decision.color, decision.rule, decision.warns) == ("none", 2, False)


def test_unknown_number_gives_no_warning() -> None:
    decision = decide(CARD, Facts(PHONE), IVAN)
    assert (decision.color, decision.rule, decision.message) == ("none", None, NO_OWNER)


def test_red_company_wins_over_yellow_company_with_the_same_number() -> None:
    facts = Facts(PHONE, companies=(Company(3, "A", IRINA, "processing"),
                                    Company(9, "B", IRINA, "in_work")))
    decision = decide(CARD, facts, IVAN)
    assert (decision.color, decision.candidate.entity_id, decision.others) == ("red", 9, 0)


def test_explain_names_each_rule_up_to_the_decision() -> None:
    facts = Facts(PHONE, leads=(Lead(9, "Лид", IRINA),))
    lines = explain(CARD, facts, IVAN)
    assert lines[0] == f"1 candidate(s) for {PHONE}:"
    assert lines[1] == "  lead lead 9 «Лид», responsible 2"
    assert lines[-1] == "rule 7 (owner lead): matches lead lead 9 «Лид», responsible 2 -> blue"
    assert len(lines) == 2 + 8


# ---- properties ----------------------------------------------------------------------------

USERS = st.integers(min_value=1, max_value=4)
STATUS = st.sampled_from(["waiting", "processing", "in_work", None])
companies = st.builds(Company, st.integers(1, 30), st.just(""), USERS, STATUS)
contacts = st.builds(Contact, st.integers(1, 30), st.just(""), USERS,
                     st.lists(st.integers(1, 30), max_size=2, unique=True).map(tuple))
leads = st.builds(Lead, st.integers(1, 30), st.just(""), USERS)
rules = st.builds(CallCardRule, st.sampled_from(OWNERS), st.sampled_from(COLORS), st.just("m"),
                  st.sampled_from(RESPONSIBLE),
                  st.lists(st.sampled_from(["waiting", "processing", "in_work"]), max_size=2,
                           unique=True).map(tuple))


def _unique(items: list[Company] | list[Contact] | list[Lead]) -> tuple:  # type: ignore[type-arg]
    return tuple({i.id: i for i in items}.values())


@st.composite
def facts_strategy(draw: st.DrawFn) -> Facts:
    direct = _unique(draw(st.lists(companies, max_size=3)))
    people = _unique(draw(st.lists(contacts, max_size=3)))
    wanted = {cid for c in people for cid in c.companies} - {c.id for c in direct}
    linked = tuple(Company(cid, "", draw(USERS), draw(STATUS)) for cid in sorted(wanted))
    return Facts(PHONE, direct, people, _unique(draw(st.lists(leads, max_size=3))), linked)


@settings(max_examples=300, deadline=None)
@given(st.lists(rules, min_size=1, max_size=6), facts_strategy(), st.none() | USERS)
def test_the_first_rule_any_candidate_matches_decides(rule_list: list[CallCardRule],
                                                     facts: Facts, caller: int | None) -> None:
    card = CallCardConfig(tuple(rule_list))
    found = candidates(facts)
    first = next((i for i, r in enumerate(rule_list)
                  if any(matches(r, c, caller) for c in found)), None)
    decision = decide(card, facts, caller)
    assert decision.rule == first
    if first is not None:
        assert decision.color == rule_list[first].color
        assert decision.candidate is not None
        assert matches(rule_list[first], decision.candidate, caller)
        for earlier in rule_list[:first]:  # no earlier rule holds for any candidate
            assert not any(matches(earlier, c, caller) for c in found)
    else:
        assert decision.color == "none"


@settings(max_examples=200, deadline=None)
@given(facts_strategy(), st.none() | USERS, st.randoms(use_true_random=False))
def test_the_order_the_portal_lists_things_in_does_not_matter(
        facts: Facts, caller: int | None, rnd: random.Random) -> None:
    shuffled = replace(facts, companies=tuple(rnd.sample(facts.companies, len(facts.companies))),
                       contacts=tuple(rnd.sample(facts.contacts, len(facts.contacts))),
                       leads=tuple(rnd.sample(facts.leads, len(facts.leads))),
                       linked=tuple(rnd.sample(facts.linked, len(facts.linked))))
    assert decide(CARD, shuffled, caller) == decide(CARD, facts, caller)


@settings(max_examples=200, deadline=None)
@given(facts_strategy(), USERS)
def test_seed_priority_a_company_decides_before_any_contact_or_lead(facts: Facts,
                                                                    caller: int) -> None:
    decision = decide(CARD, facts, caller)
    if facts.companies:
        assert decision.rule in (0, 1, 2)
    elif any(c.companies for c in facts.contacts):
        assert decision.rule in (3, 4, 5)
    elif facts.contacts:
        assert decision.rule == 6
    elif facts.leads:
        assert decision.rule == 7

"""The rule engine: phone facts and the caller in, the call card's colour, reason and entity out.

Pure: no I/O, no clock. Rules are tried in the order written; the first rule that any candidate
matches decides (seed 001: company, then contact in a company, then contact, then lead). Among
the candidates of the deciding rule the lowest id is shown, so the answer never depends on the
order the portal listed them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.companion.facts import Candidate, Facts, candidates
from provisioner.kinds.companion.model import CallCardConfig, CallCardRule

NO_OWNER = "Номер не найден в CRM"
NO_RULE = "Ни одно правило не подошло"


@dataclass(frozen=True)
class Decision:
    """The answer for one call. `rule` is the index of the deciding rule, None if none."""

    color: str
    message: str
    rule: int | None = None
    candidate: Candidate | None = None
    others: int = 0  # further candidates the deciding rule also matched

    @property
    def warns(self) -> bool:
        return self.color != "none"


def matches(rule: CallCardRule, candidate: Candidate, caller: int | None) -> bool:
    """Does `rule` hold for `candidate` when `caller` calls? (caller None: nobody's own.)"""
    if rule.owner != candidate.owner:
        return False
    if rule.responsible == "caller" and (caller is None or candidate.responsible != caller):
        return False
    if rule.responsible == "other" and caller is not None and candidate.responsible == caller:
        return False
    return not rule.statuses or candidate.status in rule.statuses


def decide(card: CallCardConfig, facts: Facts, caller: int | None) -> Decision:
    """The first rule some candidate matches decides; no candidate at all: no warning."""
    found = candidates(facts)
    if not found:
        return Decision("none", NO_OWNER)
    for index, rule in enumerate(card.rules):
        hits = [c for c in found if matches(rule, c, caller)]
        if hits:
            return Decision(rule.color, rule.message, index, hits[0], len(hits) - 1)
    return Decision("none", NO_RULE, None, found[0], len(found) - 1)


def explain(card: CallCardConfig, facts: Facts, caller: int | None) -> list[str]:
    """Why: each rule up to the deciding one, and what it matched (for `call-card check`)."""
    found = candidates(facts)
    lines = [f"{len(found)} candidate(s) for {facts.phone}:"]
    lines += [f"  {describe(c)}" for c in found]
    if facts.truncated:
        lines.append("  (the portal returned 20 of one kind: there may be more)")
    for index, rule in enumerate(card.rules):
        hits = [c for c in found if matches(rule, c, caller)]
        head = f"rule {index} ({rule_text(rule)})"
        if hits:
            lines.append(f"{head}: matches {describe(hits[0])} -> {rule.color}")
            break
        lines.append(f"{head}: no match")
    return lines


def rule_text(rule: CallCardRule) -> str:
    parts = [f"owner {rule.owner}"]
    if rule.responsible != "any":
        parts.append(f"responsible {rule.responsible}")
    if rule.statuses:
        parts.append("status " + "|".join(rule.statuses))
    return ", ".join(parts)


def describe(candidate: Candidate) -> str:
    who = f"responsible {candidate.responsible}" if candidate.responsible else "no responsible"
    text = f"{candidate.owner} {candidate.entity_type.lower()} {candidate.entity_id}"
    if candidate.title:
        text += f" «{candidate.title}»"
    if candidate.company_id is not None:
        text += f" of company {candidate.company_id}"
        if candidate.company_title:
            text += f" «{candidate.company_title}»"
    if candidate.status:
        text += f", status {candidate.status}"
    return f"{text}, {who}"

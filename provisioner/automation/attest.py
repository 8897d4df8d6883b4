"""Sign-off: the record that a runbook was carried out on a portal, stage by stage and rule by
rule.

One TOML file per portal, `attestations/<portal>.toml` in the config directory (versioned with
the desired state; the loader reads only the directory's own `*.toml`, never this folder), named
by the portal's identity key (`workspace/identity.py`). Each stage (`[stages]`) records who,
when, a snapshot of the desired automation carried out and its fingerprint; each `required_from`
rule (`[required_from]`, by its address) the same, its snapshot the stage it starts at. A later
change of the desired automation or rule no longer matches the fingerprint, so its manual items
reappear. Holds the portal's identity, never a token.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from provisioner.automation.model import StageAutomation
from provisioner.errors import ConfigError, Problem

FOLDER = "attestations"
RULES = "required_from"  # the table of the rules' records
HEADER = ("# Written by `provision attest`: runbooks of robots, triggers and required_from rules "
          "carried out\n# on this portal. Review it like code; it holds no secret.\n")


@dataclass(frozen=True)
class StageAttestation:
    stage: str  # address, e.g. deal.pipeline[sales].stage[NEW]
    fingerprint: str
    date: str  # ISO date the runbook was carried out
    by: str  # who carried it out
    automation: StageAutomation


@dataclass(frozen=True)
class RuleAttestation:
    """A `required_from` rule carried out: its snapshot is what the plan shows (`stage`)."""

    address: str  # e.g. deal.field[EQUIPMENT_TYPE].required_from[sales]
    fingerprint: str
    date: str
    by: str
    rule: Mapping[str, str]


@dataclass(frozen=True)
class Attestations:
    portal: str
    stages: Mapping[str, StageAttestation] = field(default_factory=dict)
    rules: Mapping[str, RuleAttestation] = field(default_factory=dict)


@dataclass(frozen=True)
class Unattested:
    """A stage whose desired automation is not (or no longer) attested."""

    stage: str
    reason: str


def fingerprint(automation: StageAutomation | Mapping[str, Any]) -> str:
    """A stable hash of the automation (or a rule's snapshot): same content, same fingerprint,
    on every machine."""
    data = automation.to_data() if isinstance(automation, StageAutomation) else dict(automation)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def attestation_dir(config: Path) -> Path:
    """`attestations/` in the config directory: CONFIG itself, or a one-file CONFIG's folder."""
    return (config if config.is_dir() else config.parent) / FOLDER


def attestation_path(config: Path, portal: str) -> Path:
    """The attestation file of `portal` (a portal identity's key) for `config`."""
    return attestation_dir(config) / f"{portal}.toml"


def legacy_attestation_path(config: Path, portal: str) -> Path:
    """Where provision kept them before: `attestations/` beside the config directory, the file
    named by the portal's host (`PortalIdentity.legacy_key`)."""
    return config.parent / FOLDER / f"{portal}.toml"


def read_attestations(path: Path, portal: str) -> Attestations:
    """The portal's attestations; none when the file does not exist."""
    if not path.exists():
        return Attestations(portal)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _unreadable(str(path), exc) from exc
    return from_document(data, portal, str(path))


def from_document(data: Mapping[str, Any], portal: str, where: str) -> Attestations:
    """Attestations from their document (a file's TOML, or a saved plan's copy)."""
    try:
        stages = {addr: _stage(addr, raw) for addr, raw in data.get("stages", {}).items()}
        rules = {addr: _rule(addr, raw) for addr, raw in data.get(RULES, {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unreadable(where, exc) from exc
    return Attestations(str(data.get("portal", portal)), stages, rules)


def _unreadable(where: str, exc: Exception) -> ConfigError:
    return ConfigError([Problem(where, "stages", f"unreadable attestation file: {exc}",
                                "restore it from version control")])


def _stage(address: str, raw: dict[str, Any]) -> StageAttestation:
    return StageAttestation(address, raw["fingerprint"], str(raw["date"]), raw["by"],
                            StageAutomation.from_data(raw["automation"]))


def _rule(address: str, raw: dict[str, Any]) -> RuleAttestation:
    rule = raw["rule"]
    if not isinstance(rule, dict) or not all(isinstance(v, str) for v in rule.values()):
        raise TypeError(f"the rule of {address} is not a table of texts")
    return RuleAttestation(address, raw["fingerprint"], str(raw["date"]), raw["by"], dict(rule))


def to_document(att: Attestations) -> dict[str, Any]:
    doc: dict[str, Any] = {"portal": att.portal, "stages": {
        addr: {"fingerprint": s.fingerprint, "date": s.date, "by": s.by,
               "automation": s.automation.to_data()}
        for addr, s in sorted(att.stages.items())}}
    if att.rules:
        doc[RULES] = {addr: {"fingerprint": r.fingerprint, "date": r.date, "by": r.by,
                             "rule": dict(r.rule)} for addr, r in sorted(att.rules.items())}
    return doc


def write_attestations(path: Path, att: Attestations) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + tomli_w.dumps(to_document(att)), encoding="utf-8")


def attest(att: Attestations, desired: Mapping[str, StageAutomation], by: str, date: str,
           stages: Iterable[str] | None = None,
           rules: Mapping[str, Mapping[str, str]] | None = None) -> Attestations:
    """Record that the desired automation of `stages` (default: all given), and the desired
    `required_from` rules among them, were carried out; a rule attested before and no longer
    desired is recorded as removed (its record goes)."""
    rules = rules or {}
    chosen = [*desired, *rules] if stages is None else list(stages)
    unknown = [s for s in chosen if s not in desired and s not in rules and s not in att.rules]
    if unknown:
        raise ConfigError([Problem("attestations", s, "no such stage or required_from rule in "
                                   "the desired state", "name an address from `provision "
                                   "runbook`") for s in unknown])
    new = dict(att.stages)
    new_rules = dict(att.rules)
    for addr in chosen:
        if addr in desired:
            new[addr] = StageAttestation(addr, fingerprint(desired[addr]), date, by,
                                         desired[addr])
        elif addr in rules:
            new_rules[addr] = RuleAttestation(addr, fingerprint(rules[addr]), date, by,
                                              dict(rules[addr]))
        else:
            new_rules.pop(addr)
    return Attestations(att.portal, new, new_rules)


def recorded(att: Attestations) -> dict[str, StageAutomation]:
    """What was carried out per stage; an entry whose snapshot was edited by hand is ignored."""
    return {addr: s.automation for addr, s in att.stages.items()
            if fingerprint(s.automation) == s.fingerprint}


def recorded_rules(att: Attestations) -> dict[str, dict[str, str]]:
    """What was carried out per `required_from` rule (hand-edited snapshots ignored)."""
    return {addr: dict(r.rule) for addr, r in att.rules.items()
            if fingerprint(r.rule) == r.fingerprint}


def check(att: Attestations, desired: Mapping[str, StageAutomation]) -> list[Unattested]:
    """Stages whose desired automation is not attested as carried out, in address order."""
    out = []
    for addr in sorted(desired):
        auto, rec = desired[addr], att.stages.get(addr)
        if rec is None:
            if not auto.is_empty():
                out.append(Unattested(addr, "never attested"))
        elif rec.fingerprint != fingerprint(auto):
            out.append(Unattested(addr, f"changed since attested on {rec.date} by {rec.by}"))
    return out

"""Runbook and sign-off of robots and triggers for one portal: the files `runbook` writes, the
record `attest` keeps (in the workspace's attestation store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from provisioner.automation import attest as att
from provisioner.automation.runbook import render_markdown
from provisioner.automation.runbook_html import render_html
from provisioner.engine import DesiredState, LiveState
from provisioner.kinds.automation import book as automation_book
from provisioner.workspace.attestations import AttestationStore


@dataclass(frozen=True)
class Written:
    """The runbook's files, and how many manual steps are left on the portal."""

    files: tuple[Path, ...]
    left: int
    portal: str


@dataclass(frozen=True)
class Attested:
    """What `attest` recorded: the stages and required_from rules whose record is new, changed
    or (a rule no longer desired) removed, in address order."""

    path: Path
    portal: str
    by: str
    date: str
    stages: tuple[str, ...]
    carried_from: Path | None = None  # an older version's file, read and written anew


def write_runbook(desired: DesiredState, live: LiveState, portal: str, out: Path,
                  lang: str | None) -> Written:
    result = automation_book.runbook(desired, live, portal, lang)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in (("runbook.md", render_markdown(result)),
                       ("runbook.html", render_html(result))):
        (out / name).write_text(text, encoding="utf-8")
        files.append(out / name)
    return Written(tuple(files), len(result.items), portal)


def attest(desired: DesiredState, store: AttestationStore, before: att.Attestations, by: str,
           stages: list[str], date: str) -> Attested:
    """Record `stages` (default: every stage with automation, and every stage attested
    before) as carried out by `by` on `date`, in the store's file for this portal."""
    source = store.source()
    updated = automation_book.attested(desired, before, by, date, stages or None)
    path = store.write(att.Attestations(str(store.identity), updated.stages, updated.rules))
    done = tuple(sorted({*(a for a in updated.stages if updated.stages[a] != before.stages.get(a)),
                         *(a for a in {*updated.rules, *before.rules}
                           if updated.rules.get(a) != before.rules.get(a))}))
    carried = source if source is not None and source != path else None
    return Attested(path, str(store.identity), by, date, done, carried)

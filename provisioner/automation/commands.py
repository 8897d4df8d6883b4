"""Entry points for the CLI (`provision runbook`, `provision attest`) and the engine's plan.

Everything here is callable without click; the CLI only picks paths, prints and sets exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.automation import attest as att
from provisioner.automation.config import pipelines_from_config
from provisioner.automation.manual import ManualItem
from provisioner.automation.model import PipelineInfo, StageAutomation
from provisioner.automation.parse import Locate
from provisioner.automation.runbook import Runbook, build_runbook, render_markdown
from provisioner.automation.runbook_html import render_html
from provisioner.automation.validate import Catalog, validate_stage
from provisioner.errors import ConfigError, Problem


@dataclass(frozen=True)
class RunbookResult:
    markdown: Path
    html: Path
    items: tuple[ManualItem, ...]
    unattested: tuple[att.Unattested, ...]


def no_location(file: str) -> Locate:
    """A locator for a tree without line information: every key is in `file`."""
    return lambda _key: (file, None)


DEFAULT_LOCATE = no_location("portal-config")


def desired_by_stage(pipelines: list[PipelineInfo]) -> dict[str, StageAutomation]:
    return {f"{p.address}.stage[{s.code}]": s.automation for p in pipelines for s in p.stages}


def load_pipelines(tree: dict[str, Any], catalog: Catalog | None,
                   locate: Locate | None) -> list[PipelineInfo]:
    """Parse and validate the automation of every stage; ConfigError with all problems."""
    locate = locate or DEFAULT_LOCATE
    pipelines, problems = pipelines_from_config(tree, locate)
    for pipe in pipelines:
        for stage in pipe.stages:
            key = f"deal.pipelines.{pipe.key}.stages[{stage.code}]" if pipe.entity == "deal" \
                else f"lead.stages[{stage.code}]"
            problems += validate_stage(pipe.entity, pipe.key, stage.code, stage.automation,
                                       catalog or Catalog(), key, locate)
    if problems:
        raise ConfigError(problems)
    return pipelines


def make_runbook(tree: dict[str, Any], catalog: Catalog | None, attestations: att.Attestations,
                 lang: str = "ru", locate: Locate | None = None) -> Runbook:
    """The runbook of the portal: desired automation minus what is attested as carried out."""
    pipelines = load_pipelines(tree, catalog, locate)

    def label_of(field_id: str) -> str | None:
        return catalog.field_label("deal", field_id) if catalog else None

    return build_runbook(attestations.portal, pipelines, att.recorded(attestations), lang,
                         label_of)


def runbook_command(config_tree: dict[str, Any], catalog: Catalog | None, out_dir: Path, *,
                    portal: str, attestation_file: Path, lang: str = "ru",
                    locate: Locate | None = None) -> RunbookResult:
    """Write runbook.md and runbook.html into out_dir; return the manual items left to do."""
    attestations = att.read_attestations(attestation_file, portal)
    book = make_runbook(config_tree, catalog, attestations, lang, locate)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, page = out_dir / "runbook.md", out_dir / "runbook.html"
    md.write_text(render_markdown(book), encoding="utf-8")
    page.write_text(render_html(book), encoding="utf-8")
    desired = desired_by_stage(list(book.pipelines))
    return RunbookResult(md, page, book.items, tuple(att.check(attestations, desired)))


def attest_command(config_tree: dict[str, Any], *, portal: str, attestation_file: Path, by: str,
                   date: str, stages: list[str] | None = None,
                   locate: Locate | None = None) -> att.Attestations:
    """Record that the runbook was carried out (for `stages`, default every stage) and save."""
    if not by.strip():
        raise ConfigError([Problem(str(attestation_file), "by", "who carried it out is required",
                                   "pass --by with your name or e-mail")])
    pipelines = load_pipelines(config_tree, None, locate)
    desired = desired_by_stage(pipelines)
    if stages is None:
        current = att.read_attestations(attestation_file, portal)
        stages = [a for a, auto in desired.items() if not auto.is_empty() or a in current.stages]
    updated = att.attest(att.read_attestations(attestation_file, portal), desired, by, date,
                         stages)
    att.write_attestations(attestation_file, updated)
    return updated

"""The runbook: what each pipeline's automation should look like, and the manual steps to get there.

`build_runbook` is pure; `render_markdown` and `render_html` (runbook_html.py) draw the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from provisioner.automation import describe as d
from provisioner.automation.manual import ManualItem, Where, manual_changes
from provisioner.automation.model import PipelineInfo, Robot, StageAutomation, StageInfo, Trigger
from provisioner.automation.words import quote, word


@dataclass(frozen=True)
class Runbook:
    portal: str
    lang: str
    pipelines: tuple[PipelineInfo, ...]
    items: tuple[ManualItem, ...]
    label_of: d.LabelOf = d.no_labels


TITLES = {
    "ru": {"title": "Роботы, триггеры и обязательные поля: ранбук", "portal": "Портал",
           "intro": "REST API Битрикс24 не умеет ставить роботов и триггеры на стадии и делать "
                    "поле обязательным с какой-то стадии: сделайте шаги ниже на портале, затем "
                    "отметьте это командой `provision attest`.",
           "todo": "Что сделать вручную", "none": "Ничего: портал отмечен как настроенный.",
           "empty": "—"},
    "en": {"title": "Runbook: automation rules, triggers and mandatory fields",
           "portal": "Portal",
           "intro": "The Bitrix24 REST API cannot place automation rules and triggers on stages, "
                    "nor make a field mandatory from a stage on: carry out the steps below on "
                    "the portal, then record it with `provision attest`.",
           "todo": "Manual steps", "none": "Nothing: the portal is recorded as set up.",
           "empty": "—"},
}


def where_of(pipeline: PipelineInfo, stage: StageInfo, label_of: d.LabelOf) -> Where:
    return Where(pipeline.entity, pipeline.name, stage.name, label_of=label_of)


def build_runbook(portal: str, pipelines: list[PipelineInfo],
                  recorded: Mapping[str, StageAutomation], lang: str = "ru",
                  label_of: d.LabelOf = d.no_labels) -> Runbook:
    """`recorded` maps a stage address to what an attestation says was carried out there."""
    items: list[ManualItem] = []
    for pipe in pipelines:
        for stage in pipe.stages:
            address = f"{pipe.address}.stage[{stage.code}]"
            items += manual_changes(pipe.key, stage.code, stage.automation, recorded.get(address),
                                    lang, where_of(pipe, stage, label_of))
    return Runbook(portal, lang, tuple(pipelines), tuple(items), label_of)


def robot_line(lang: str, robot: Robot, label_of: d.LabelOf) -> str:
    """«Title» — choice; timing; condition (one line of the overview)."""
    parts = [d.delay_text(lang, robot.delay, label_of)]
    if robot.after_previous:
        parts[0] += f", {word(lang, 'after_previous')}"
    if robot.condition is not None:
        parts.append(f"{word(lang, 'condition')}: "
                     f"{d.condition_text(lang, robot.condition, label_of)}")
    if not robot.activated:
        parts.append(word(lang, "switched_off").split(":")[0])
    return f"{quote(lang, robot.title)} — {d.robot_choice(lang, robot)}; " + "; ".join(parts)


def trigger_line(lang: str, trig: Trigger) -> str:
    return f"{quote(lang, trig.name)} — {d.trigger_choice(lang, trig)}"


def render_markdown(book: Runbook) -> str:
    t = TITLES[book.lang]
    out = [f"# {t['title']}", "", f"{t['portal']}: {book.portal}", "", t["intro"], ""]
    for pipe in book.pipelines:
        out += _pipeline_md(book, pipe)
    out += [f"## {t['todo']} ({len(book.items)})", ""]
    if not book.items:
        out += [t["none"], ""]
    for n, item in enumerate(book.items, 1):
        out += [f"### {n}. {item.summary}", "", f"`{item.address}`", ""]
        out += [f"{k}. {step}" for k, step in enumerate(item.steps, 1)] + [""]
    return "\n".join(out)


def _pipeline_md(book: Runbook, pipe: PipelineInfo) -> list[str]:
    lang, empty = book.lang, TITLES[book.lang]["empty"]
    out = [f"## {quote(lang, pipe.name)} ({pipe.address})", ""]
    for stage in pipe.stages:
        out += [f"### {quote(lang, stage.name)} ({stage.code})", ""]
        auto = stage.automation
        out.append(f"{word(lang, 'triggers_row')}:" + (f" {empty}" if not auto.triggers else ""))
        out += [f"- {trigger_line(lang, t)}" for t in auto.triggers]
        out.append(f"{word(lang, 'robots_row')}:" + (f" {empty}" if not auto.robots else ""))
        out += [f"{n}. {robot_line(lang, r, book.label_of)}"
                for n, r in enumerate(auto.robots, 1)]
        if stage.required:
            out.append(f"{word(lang, 'required_row')}: "
                       + ", ".join(quote(lang, label) for label in stage.required))
        out.append("")
    return out

"""The runbook as one self-contained HTML page: pipelines drawn like the portal's automation
screen (stage columns in their colours, triggers on top, robots below), then the manual steps.

Inline CSS only, no scripts, no external assets; every text from the config is escaped.
"""

from __future__ import annotations

import html
import re

from provisioner.automation import describe as d
from provisioner.automation.model import PipelineInfo, Robot, StageInfo, Trigger
from provisioner.automation.runbook import TITLES, Runbook
from provisioner.automation.words import quote, word

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
DEFAULT_COLOR = "#ACB2B8"
CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:24px;color:#333;
background:#eef2f4}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
.pipeline{display:flex;gap:8px;overflow-x:auto;padding-bottom:8px}
.stage{flex:0 0 220px;background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
.stage-head{padding:8px 10px;border-radius:6px 6px 0 0;font-weight:600}
.stage-code{font-weight:400;font-size:11px;opacity:.8;display:block}
.row{padding:6px 8px;border-top:1px solid #e6e9ec;min-height:40px}
.row-name{font-size:11px;text-transform:uppercase;color:#828b95;margin-bottom:4px}
.card{border:1px solid #dfe3e6;border-radius:4px;padding:6px;margin-bottom:6px;font-size:12px;
background:#fafbfc}
.trigger{background:#fff7e0;border-color:#f3dfa0}.off{opacity:.55}
.mandatory{background:#fdeeee;border-color:#f2c4c4}
.card b{display:block;font-size:13px}.muted{color:#828b95}
ol.steps li{margin:2px 0}.item{background:#fff;padding:8px 14px;border-radius:6px;margin:8px 0}
code{background:#e6e9ec;padding:1px 4px;border-radius:3px}
"""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def safe_color(color: str) -> str:
    """Only a hex colour reaches the CSS; anything else is the portal's default grey."""
    return color if _COLOR.match(color or "") else DEFAULT_COLOR


def text_color(color: str) -> str:
    """Dark text on light stage colours, white on dark ones."""
    hexa = color.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    r, g, b = (int(hexa[i:i + 2], 16) for i in (0, 2, 4))
    return "#333" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#fff"


def render_html(book: Runbook) -> str:
    t = TITLES[book.lang]
    parts = [f'<!DOCTYPE html><html lang="{esc(book.lang)}"><head><meta charset="utf-8">',
             f"<title>{esc(t['title'])}</title><style>{CSS}</style></head><body>",
             f"<h1>{esc(t['title'])}</h1>",
             f"<p>{esc(t['portal'])}: <b>{esc(book.portal)}</b></p><p>{esc(t['intro'])}</p>"]
    parts += [_pipeline(book, pipe) for pipe in book.pipelines]
    parts.append(f"<h2>{esc(t['todo'])} ({len(book.items)})</h2>")
    if not book.items:
        parts.append(f"<p>{esc(t['none'])}</p>")
    parts += [_item(n, item.summary, item.address, item.steps)
              for n, item in enumerate(book.items, 1)]
    parts.append("</body></html>")
    return "\n".join(parts)


def _pipeline(book: Runbook, pipe: PipelineInfo) -> str:
    head = f"<h2>{esc(quote(book.lang, pipe.name))} <code>{esc(pipe.address)}</code></h2>"
    columns = "".join(_stage(book, stage) for stage in pipe.stages)
    return f'{head}<div class="pipeline" data-pipeline="{esc(pipe.address)}">{columns}</div>'


def _stage(book: Runbook, stage: StageInfo) -> str:
    color = safe_color(stage.color)
    lang = book.lang
    triggers = "".join(_trigger(lang, t) for t in stage.automation.triggers)
    robots = "".join(_robot(book, r) for r in stage.automation.robots)
    required = "".join(f'<div class="card mandatory"><b>{esc(label)}</b></div>'
                       for label in stage.required)
    if required:
        required = (f'<div class="row required"><div class="row-name">'
                    f'{esc(word(lang, "required_row"))}</div>{required}</div>')
    return (f'<div class="stage" data-stage="{esc(stage.code)}">'
            f'<div class="stage-head" style="background:{color};color:{text_color(color)}">'
            f'{esc(stage.name)}<span class="stage-code">{esc(stage.code)}</span></div>'
            f'<div class="row triggers"><div class="row-name">{esc(word(lang, "triggers_row"))}'
            f"</div>{triggers}</div>"
            f'<div class="row robots"><div class="row-name">{esc(word(lang, "robots_row"))}'
            f"</div>{robots}</div>{required}</div>")


def _trigger(lang: str, trig: Trigger) -> str:
    return (f'<div class="card trigger"><b>{esc(trig.name)}</b>'
            f'<span class="muted">{esc(d.trigger_choice(lang, trig))}</span></div>')


def _robot(book: Runbook, robot: Robot) -> str:
    lang = book.lang
    timing = d.delay_text(lang, robot.delay, book.label_of)
    if robot.after_previous:
        timing += f", {word(lang, 'after_previous')}"
    cond = "" if robot.condition is None else \
        f"<div>{esc(word(lang, 'condition'))}: " \
        f"{esc(d.condition_text(lang, robot.condition, book.label_of))}</div>"
    css = "card robot" + ("" if robot.activated else " off")
    return (f'<div class="{css}"><b>{esc(robot.title)}</b>'
            f'<span class="muted">{esc(d.robot_choice(lang, robot))}</span>'
            f"<div>{esc(timing)}</div>{cond}</div>")


def _item(n: int, summary: str, address: str, steps: tuple[str, ...]) -> str:
    lis = "".join(f"<li>{esc(step)}</li>" for step in steps)
    return (f'<div class="item" id="item-{n}"><b>{n}. {esc(summary)}</b> '
            f'<code>{esc(address)}</code><ol class="steps">{lis}</ol></div>')

"""The call card's tab: a small self-contained HTML page (every text escaped, no script).

The card's tab is narrow (about 400 px) and short, so the page is one coloured banner with the
message, then who owns the client and why. Colours are fixed pairs chosen for contrast (seed
001: some background/text pairs tire the eyes). The Content-Security-Policy allows only this
page's own style (by hash) and framing by the installed portal.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape

from provisioner.companion.facts import Candidate
from provisioner.companion.rules import Decision

# colour -> (background, text); contrast ratio of each pair is at least 4.5:1
PALETTE = {"red": ("#c5221f", "#ffffff"), "yellow": ("#fbbc04", "#202124"),
           "blue": ("#1967d2", "#ffffff"), "green": ("#137333", "#ffffff"),
           "grey": ("#5f6368", "#ffffff"), "none": ("#e8eaed", "#202124")}
STYLE = """
body{margin:0;font:14px/1.4 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#202124}
.banner{padding:12px 14px}
.banner h1{margin:0;font-size:17px;font-weight:600;overflow-wrap:anywhere}
dl{margin:10px 14px;display:grid;grid-template-columns:max-content 1fr;gap:4px 10px}
dt{color:#5f6368}dd{margin:0;overflow-wrap:anywhere}
.note{margin:0 14px 10px;color:#5f6368;font-size:12px}
"""
KIND_WORDS = {"company": "Компания", "company_contact": "Контакт компании",
              "contact": "Контакт", "lead": "Лид"}


def style_hash() -> str:
    digest = hashlib.sha256(_style().encode()).digest()
    return "sha256-" + base64.b64encode(digest).decode()


def _style() -> str:
    rules = "".join(f".c-{name}{{background:{bg};color:{fg}}}"
                    for name, (bg, fg) in PALETTE.items())
    return STYLE + rules


def csp(frame_origin: str | None) -> str:
    ancestors = frame_origin or "'none'"
    return (f"default-src 'none'; style-src '{style_hash()}'; frame-ancestors {ancestors}; "
            "base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class Shown:
    """What the tab shows for one call."""

    decision: Decision
    phone: str
    owner_name: str = ""
    status_label: str = ""


def _where(candidate: Candidate, status: str) -> str:
    text = f"{KIND_WORDS[candidate.owner]} «{candidate.title or candidate.entity_id}»"
    if candidate.company_id is not None:
        text += f", компания «{candidate.company_title or candidate.company_id}»"
    if status:
        text += f", статус «{status}»"
    return text


def render(shown: Shown) -> str:
    decision = shown.decision
    rows = [("Номер", shown.phone)]
    if decision.candidate is not None:
        rows.append(("Где найден", _where(decision.candidate, shown.status_label)))
        rows.append(("Ответственный", shown.owner_name or "не назначен"))
    note = f"Ещё совпадений по этому правилу: {decision.others}" if decision.others else ""
    return page(decision.color, decision.message, rows, note)


def page(color: str, title: str, rows: list[tuple[str, str]], note: str = "") -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    body = (f'<div class="banner c-{escape(color)}" data-color="{escape(color)}">'
            f"<h1>{escape(title)}</h1></div>" + (f"<dl>{items}</dl>" if items else "")
            + (f'<p class="note">{escape(note)}</p>' if note else ""))
    return ("<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_style()}</style></head>"
            f"<body>{body}</body></html>")


def message_page(text: str, detail: str = "") -> str:
    """A neutral page for what the tab cannot show (never a traceback)."""
    return page("none", text, [], detail)

"""The runbook: Markdown against a golden file, HTML checked through its DOM."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from automation_seed import seed_catalog, seed_tree
from golden import CASES, Golden

from provisioner.automation.attest import Attestations
from provisioner.automation.commands import make_runbook
from provisioner.automation.runbook import render_markdown
from provisioner.automation.runbook_html import render_html

GOLDEN = CASES / "runbook-markdown-of-seed-automation" / "runbook.ru.md"


def test_markdown_matches_golden(golden: Golden) -> None:
    text = render_markdown(make_runbook(seed_tree(), seed_catalog(), Attestations("acme.bitrix24.ru")))
    golden.check(GOLDEN, text)


class Dom(HTMLParser):
    """Collects what the checks need: stage columns, cards, scripts, style attributes, text."""

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[str] = []
        self.heads: list[str] = []
        self.cards: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._in_card = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if "stage" in (a.get("class") or "").split():
            self.stages.append(a.get("data-stage") or "")
        if a.get("class") == "stage-head":
            self.heads.append(a.get("style") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Dom:
    dom = Dom()
    dom.feed(html)
    return dom


def test_html_draws_every_stage_in_its_colour_with_its_automation() -> None:
    page = render_html(make_runbook(seed_tree(), seed_catalog(), Attestations("acme")))
    dom = parse(page)
    assert dom.stages == ["NEW", "DATA_COLLECTION", "PREPARATION", "PAYMENT", "WON"]
    assert [h.split(";")[0] for h in dom.heads] == [
        "background:#39A8EF", "background:#2FC6F6", "background:#FFA900", "background:#FF5752",
        "background:#7BD500"]
    text = "".join(dom.text)
    for title in ("Контроль скорости реакции", "Обращение VIP-клиента", "Задача по VIP-сделке",
                  "Счёт не оплачен", "Диалог взят в работу"):
        assert text.count(title) >= 2  # on the board and in the manual steps
    assert "script" not in dom.tags and "link" not in dom.tags and "img" not in dom.tags


def test_html_escapes_names_and_refuses_strange_colours() -> None:
    tree = seed_tree()
    stage = tree["deal"]["pipelines"]["sales"]["stages"][0]
    stage["name"] = "<script>alert('stage')</script>"
    stage["color"] = "red;background-image:url(http://evil)"
    stage["robots"][0]["title"] = "<img src=x onerror=alert(1)>"
    tree["deal"]["pipelines"]["sales"]["name"] = "</style><script>x()</script>"
    page = render_html(make_runbook(tree, seed_catalog(), Attestations("<b>acme</b>")))
    dom = parse(page)
    assert "script" not in dom.tags and "img" not in dom.tags and dom.tags.count("style") == 1
    assert dom.heads[0].startswith("background:#ACB2B8;")
    text = "".join(dom.text)
    assert "<script>alert('stage')</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "evil" not in page


@pytest.mark.slow  # starts a browser
def test_screenshot_when_chromium_is_available(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed")
    page = tmp_path / "runbook.html"
    page.write_text(render_html(make_runbook(seed_tree(), seed_catalog(), Attestations("acme"))),
                    encoding="utf-8")
    shot = tmp_path / "runbook.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri()],
                   check=True, capture_output=True, timeout=60)
    assert shot.stat().st_size > 10_000

"""The call-card tab as a browser draws it: headless Chromium renders the app's own answer for
each of the seed's colours at the card's size; the banner has the palette's colour (so the
style passed the page's Content-Security-Policy hash) and the text is in the DOM."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.companion import page
from tests.companion.harness import IVAN, PHONES, World, world
from tests.companion.pngpixel import pixel

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
SIZE = (400, 240)  # about the call card's tab


@pytest.fixture(scope="module")
def w() -> Iterator[World]:
    with world() as started:
        yield started


def _chromium(*args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", f"--window-size={SIZE[0]},{SIZE[1]}", *args],
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def saved_tab(w: World, phone: str, folder: Path) -> Path:
    """The tab's HTML with its CSP header as a meta tag (style-src by hash applies there)."""
    response = w.open_card(IVAN, w.call_options(phone))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"].split("; frame-ancestors")[0]
    html = response.text.replace("<head>", f'<head><meta http-equiv="Content-Security-Policy" '
                                 f'content="{policy}">', 1)
    file = folder / f"tab-{phone[-2:]}.html"
    file.write_text(html, encoding="utf-8")
    return file


@pytest.mark.parametrize(("phone", "color"), [(PHONES["red"], "red"),
                                              (PHONES["processing_contact"], "yellow"),
                                              (PHONES["lead"], "blue"), (PHONES["own"], "none")])
def test_the_banner_has_its_colour(w: World, tmp_path: Path, phone: str, color: str) -> None:
    file = saved_tab(w, phone, tmp_path)
    shot = tmp_path / f"{color}.png"
    _chromium(f"--screenshot={shot}", file.as_uri())
    background = page.PALETTE[color][0]
    want = tuple(int(background[i:i + 2], 16) for i in (1, 3, 5))
    assert pixel(shot.read_bytes(), 5, 5) == want
    assert pixel(shot.read_bytes(), 5, SIZE[1] - 5) == (255, 255, 255)  # the page below


def test_the_dom_holds_the_message_and_the_owner(w: World, tmp_path: Path) -> None:
    dom = _chromium("--dump-dom", saved_tab(w, PHONES["red"], tmp_path).as_uri())
    assert '<div class="banner c-red" data-color="red"><h1>Компания в работе у другого ' \
           "менеджера: не звоните чужому клиенту</h1></div>" in dom
    assert "<dt>Ответственный</dt><dd>Ирина Петрова</dd>" in dom
    assert "<script" not in dom

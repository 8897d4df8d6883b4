"""Names from the portal that would repaint a terminal, read differently than they are, or
cannot be written as UTF-8 (issue 14 item 9): every command shows them escaped (`\\u202e`),
as the loader names them, and writes files that load back.

Failed before (main 5c1f354): `plan` printed the bidi override and ESC raw and then died on the
lone surrogate (UnicodeEncodeError from the live fingerprint), so did drift, export and apply.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_portal import HostilePortal, Reply, Request, running

from provisioner.cli import main
from provisioner.model.printable import INVISIBLE

DESIRED = Path(__file__).resolve().parent / "desired"
CLIENT = "Clie\u202ents\ud800 \x1b[31m!"  # bidi override, lone surrogate, ESC sequence
DEFAULT = "Gen\u2066eral\x85"  # bidi isolate, C1 control (NEL)


class Names:
    """Reads answer the CONTACT_TYPE item CLIENT and the default deal pipeline with names
    holding invisible characters, as a portal whose users typed or pasted them."""

    name = "hostile-names"

    def answer(self, request: Request, portal: HostilePortal) -> Reply:
        reply = portal.forward(request)
        if request.writes or request.method != "batch" or reply.status != 200:
            return reply
        answer = reply.json()
        results = answer["result"]["result"]
        for key, method, _params in request.commands:
            rows = results.get(key) if isinstance(results, dict) else None
            if method == "crm.status.list" and isinstance(rows, list):
                for row in rows:
                    if (row["ENTITY_ID"], row["STATUS_ID"]) == ("CONTACT_TYPE", "CLIENT"):
                        row["NAME"] = CLIENT
            if method == "crm.category.list" and isinstance(rows, dict):
                for cat in rows["categories"]:
                    if cat["id"] == 0:
                        cat["name"] = DEFAULT
        return Reply(reply.status, reply.headers, json.dumps(answer).encode())  # \ud800 escaped


def _run(portal: HostilePortal, *argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(argv), env={"B24_WEBHOOK_URL": portal.webhook_url})
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    raw = [c for c in INVISIBLE.findall(result.stdout + result.stderr) if c != "\n"]
    assert raw == [], f"printed raw: {raw!r}"
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def portal() -> Any:
    with running(Names()) as portal:
        yield portal


SHOWN = r'"Clie\u202ents\ud800 \u001b[31m!"'


def test_plan_and_drift_show_names_escaped(portal: HostilePortal) -> None:
    code, out, _err = _run(portal, "plan", str(DESIRED))
    assert code == 0
    assert f"  ~ list[CONTACT_TYPE].item[CLIENT]\n      name: {SHOWN} -> \"Clients\"\n" in out
    code, out, _err = _run(portal, "drift", str(DESIRED))
    assert code == 2 and f"      name: {SHOWN} -> \"Clients\"" in out


def _holds(doc: Any, text: str) -> bool:
    """Whether a parsed JSON document holds the string `text` as a value somewhere."""
    if isinstance(doc, dict):
        return any(_holds(v, text) for v in doc.values())
    if isinstance(doc, list):
        return any(_holds(v, text) for v in doc)
    return doc == text


def test_json_documents_keep_the_very_name(portal: HostilePortal, tmp_path: Path) -> None:
    code, out, _err = _run(portal, "plan", str(DESIRED), "--json")
    assert code == 0
    change = next(c for c in json.loads(out)["result"]["changes"]
                  if c["address"] == "list[CONTACT_TYPE].item[CLIENT]")
    assert change["before"]["name"] == CLIENT
    code, out, _err = _run(portal, "drift", str(DESIRED), "--json")
    assert code == 2 and _holds(json.loads(out)["result"], CLIENT)
    saved = tmp_path / "plan.json"
    assert _run(portal, "plan", str(DESIRED), "--out", str(saved))[0] == 0
    assert _holds(json.loads(saved.read_text(encoding="utf-8")), CLIENT)
    code, out, err = _run(portal, "apply", str(saved))
    assert code == 0, err
    assert "Apply complete: 6 added, 1 changed, 0 destroyed" in out


def test_apply_shows_names_escaped(portal: HostilePortal) -> None:
    code, out, err = _run(portal, "apply", str(DESIRED), "--auto-approve")
    assert code == 0, err
    assert f"name: {SHOWN} -> \"Clients\"" in out and "Apply complete: " in out


def test_export_writes_files_that_load_back_and_says_what_it_left_out(
        portal: HostilePortal, tmp_path: Path) -> None:
    code, _out, err = _run(portal, "export", "--out", str(tmp_path / "out"))
    assert code == 0
    said = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert said == [
        "warning: deal-pipelines.toml: deal.pipelines.default.name: the portal's text holds "
        "U+0085, U+2066, which a desired state refuses: written without it, so the next plan "
        "shows the change",
        "warning: lists.toml: lists.CONTACT_TYPE.items.0.name: the portal's text holds U+001B, "
        "U+202E, U+D800, which a desired state refuses: written without it, so the next plan "
        "shows the change"]
    code, out, err = _run(portal, "validate", str(tmp_path / "out"))
    assert code == 0, err
    lists = (tmp_path / "out" / "lists.toml").read_text(encoding="utf-8")
    assert re.search(r'name = "Clients \[31m!"', lists), lists
    code, out, _err = _run(portal, "plan", str(tmp_path / "out"))
    assert code == 0
    assert f'name: {SHOWN} -> "Clients [31m!"' in out


def test_a_coloured_plan_escapes_names_and_keeps_only_its_own_colours(
        portal: HostilePortal) -> None:
    """The colours (issue 16) are painted after the names are escaped: the portal's ESC shows
    as `\\u001b`, and every ESC left in the text starts one of the style's SGR codes."""
    from provisioner.engine.render import render_text
    from provisioner.engine.render_style import ANSI
    from provisioner.workspace import PortalChoice, Workspace

    plan = Workspace(DESIRED, PortalChoice(webhook_url=portal.webhook_url)).plan()
    text = render_text(plan, ANSI)
    assert "\x1b[33m  ~ list[CONTACT_TYPE].item[CLIENT]\x1b[0m\n" \
           f"      name: {SHOWN} -> \"Clients\"\n" in text
    assert re.sub(r"\x1b\[[\d;]*m", "", text) == render_text(plan)
    assert [c for c in INVISIBLE.findall(re.sub(r"\x1b\[[\d;]*m", "", text)) if c != "\n"] == []

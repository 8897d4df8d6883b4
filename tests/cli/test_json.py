"""`--json` on every command with a result: one envelope, the same keys for every command, its
exit code the process's, errors with their locations (file, line, key path, fix)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import CONFIG, cli, run, write

KEYS = {"format_version", "command", "ok", "exit_code", "result", "errors"}
ERROR_KEYS = {"type", "message", "file", "line", "key", "fix"}


def envelope(result: Any, command: str) -> dict[str, Any]:
    """The envelope on stdout (nothing else there), checked against the process."""
    doc = json.loads(result.stdout)
    assert set(doc) == KEYS
    assert (doc["format_version"], doc["command"]) == ("1", command)
    assert doc["exit_code"] == result.exit_code
    assert doc["ok"] is (not doc["errors"])
    for error in doc["errors"]:
        assert set(error) == ERROR_KEYS and error["message"]
    return doc


def test_every_command_answers_in_one_envelope(state: Path, tmp_path: Path) -> None:
    at = ("--sandbox-state", str(state))
    doc = envelope(cli("validate", str(CONFIG), "--json"), "validate")
    assert doc["result"] == {"config": str(CONFIG), "files": [
        str(CONFIG / f) for f in ("companion.toml", "deal-pipelines.toml", "fields.toml",
                                  "smart-processes.toml")]}
    plan = envelope(cli("plan", str(CONFIG), *at, "--json"), "plan")["result"]
    assert plan["format_version"] == "1" and plan["summary"]["add"] == 19
    applied = envelope(cli("apply", str(CONFIG), *at, "--json", "--auto-approve"), "apply")
    assert applied["result"]["applied"]["counts"] == {"add": 19, "change": 9, "destroy": 0,
                                                      "manual": 8}
    # 30 calls: each of the 3 fields' add is followed by the update that clears its help and
    # error texts (an add fills them with LABEL; fields/labels.py), and a new smart process's
    # list is read in the batch of its create (the twin check); 2 requests: the stages its
    # pipeline came with are read back in that batch too (issue 18, apply4)
    assert (applied["result"]["applied"]["calls"], applied["result"]["applied"]["requests"]) \
        == (30, 2)
    assert applied["result"]["plan"]["summary"]["add"] == 19
    drift = envelope(cli("drift", str(CONFIG), *at, "--json"), "drift")
    assert (drift["exit_code"], drift["result"]["in_sync"]) == (0, True)
    exported = envelope(cli("export", "--out", str(tmp_path / "x"), *at, "--json"), "export")
    assert exported["result"]["ids"] == str(tmp_path / "x" / ".provision-ids.json")
    assert (exported["result"]["source"], exported["result"]["carried"]) == (None, [])
    assert exported["result"]["unread"] and exported["result"]["left_out"] == []
    over = envelope(cli("export", "--out", str(tmp_path / "y"), "--from", str(CONFIG), *at,
                        "--json"), "export")
    assert over["result"]["source"] == str(CONFIG) and over["result"]["carried"]
    assert {c["what"] for c in over["result"]["carried"]} == {
        "robots on stages", "triggers on stages", "required_from rules of fields",
        "the companion app's call-card rules ([call_card])", "its deadline guard ([tasks])"}
    book = envelope(cli("runbook", str(CONFIG), "--out", str(tmp_path / "b"), *at, "--json"),
                    "runbook")
    # 5 stages with robots or triggers and 1 required_from rule (issue 13 item 7)
    assert book["result"]["left"] == 6 and book["result"]["portal"] == "sandbox"
    config = tmp_path / "cfg"
    for path in CONFIG.glob("*.toml"):
        write(config / path.name, path.read_text(encoding="utf-8"))
    attest = envelope(cli("attest", str(config), "--by", "Ирина", "--date", "2025-01-02",
                          *at, "--json"), "attest")
    assert (attest["result"]["by"], attest["result"]["date"]) == ("Ирина", "2025-01-02")
    schema = envelope(cli("schema", "--json"), "schema")
    assert schema["result"]["schema"]["title"] == "provision desired state"
    fmt = envelope(cli("fmt", str(CONFIG), "--check", "--json"), "fmt")
    assert fmt["result"]["changed"] == [] and fmt["exit_code"] == 0
    shown = envelope(cli("sandbox", "show", *at, "--json"), "sandbox show")
    assert shown["result"]["state"] == str(state)


def test_plan_json_exit_code_2_is_ok(state: Path) -> None:
    result = run(state, "plan", str(CONFIG), "--json", "--detailed-exitcode")
    doc = envelope(result, "plan")
    assert (result.exit_code, doc["ok"], doc["errors"]) == (2, True, [])


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "drift", "runbook"])
def test_config_errors_come_with_their_locations(command: str, state: Path,
                                                 tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", '[deal.fields.X]\ntype = "enum"\nlabel = "X"\n'
                                       "[deal.pipelines.x]\nname = 1\n")
    at = () if command == "validate" else ("--sandbox-state", str(state))
    result = cli(command, str(bad), *at, "--json")
    doc = envelope(result, command)
    assert (result.exit_code, doc["ok"], doc["result"]) == (1, False, None)
    assert doc["errors"][0] == {
        "type": "config", "file": str(bad), "line": 2, "key": "deal.fields.X.type",
        "message": doc["errors"][0]["message"],
        "fix": doc["errors"][0]["fix"]}
    assert doc["errors"][0]["fix"].startswith('did you mean "enumeration"?')
    assert {e["key"] for e in doc["errors"]} >= {"deal.fields.X.type", "deal.pipelines.x.name"}
    assert result.stderr == "" or "Using the local sandbox" in result.stderr
    assert not state.exists()  # no portal was touched


def test_other_errors_have_a_type_and_a_message(state: Path, tmp_path: Path) -> None:
    missing = cli("plan", str(tmp_path / "nope"), "--sandbox-state", str(state), "--json")
    doc = envelope(missing, "plan")
    assert doc["errors"] == [{"type": "error", "file": None, "line": None, "key": None,
                              "fix": None,
                              "message": f"{tmp_path / 'nope'}: no such file or directory "
                                         f"(looked for {tmp_path / 'nope'})\nfix: give the "
                                         "config as CONFIG, a directory of *.toml files or one "
                                         "file, e.g. `provision plan path/to/portal-config`; "
                                         "without CONFIG, ./portal-config is read"}]


def test_usage_errors_in_json_mode(state: Path) -> None:
    result = run(state, "plan", str(CONFIG), "--json", "--no-such-option")
    doc = envelope(result, "plan")
    assert doc["errors"][0]["type"] == "usage"
    assert doc["errors"][0]["message"].startswith("No such option '--no-such-option'.")
    bad_limit = run(state, "apply", str(CONFIG), "--json", "--max-changes", "lots")
    assert envelope(bad_limit, "apply")["errors"][0]["type"] == "usage"


def test_refused_apply_in_json_keeps_stdout_pure(state: Path) -> None:
    """A refusal in JSON mode: the envelope only on stdout, exit 1, nothing applied."""
    result = run(state, "apply", str(CONFIG), "--json", "--auto-approve", "--max-changes", "0")
    doc = envelope(result, "apply")
    assert (doc["errors"][0]["type"], result.exit_code) == ("refused", 1)


def test_an_error_the_client_made_is_not_typed_as_the_portal_s() -> None:
    from provisioner.cli.output import error_docs
    from provisioner.client.errors import BitrixAPIError, TransportError

    unreachable = TransportError("DNS_ERROR", "b24.example.invalid: no such host",
                                 method="batch")
    answered = BitrixAPIError("DNS_ERROR", "a portal's own code, even one like ours",
                              method="batch", by_portal=True)
    assert [d["type"] for d in error_docs(unreachable)] == ["connection"]
    assert [d["type"] for d in error_docs(answered)] == ["portal"]


def test_the_live_fingerprint_is_made_where_it_is_shown(
        state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`plan --json` and `apply --json` carry the fingerprint of the portal as read (the one
    `read_live` makes of the same reads); a text plan, apply, drift and export show none, and
    hash no answer (about a fifteenth of a large plan's CPU: engine/live.py `read_live`)."""
    from provisioner.engine import live as lv
    from provisioner.engine.loader import load_desired
    from provisioner.sandbox import Sandbox

    from helpers import client_of

    hashed: list[str] = []
    digest = lv.read_digest
    monkeypatch.setattr(lv, "read_digest", lambda key, answer: (hashed.append(key),
                                                                 digest(key, answer))[1])
    at = ("--sandbox-state", str(state))
    for args in (("plan", str(CONFIG)), ("drift", str(CONFIG)),
                 ("export", "--out", str(state.parent / "x"))):
        assert cli(*args, *at).exit_code in (0, 2)
        assert hashed == [], args
    shown = envelope(cli("plan", str(CONFIG), *at, "--json"), "plan")["result"]
    assert hashed and len(shown["live_fingerprint"]) == 16
    sandbox = Sandbox.open(state)
    languages = lv.read_languages(load_desired(CONFIG).parts)
    assert shown["live_fingerprint"] == lv.read_live(client_of(sandbox), languages=languages
                                                     ).fingerprint
    hashed.clear()
    assert cli("apply", str(CONFIG), *at, "--auto-approve").exit_code == 0
    assert hashed == []
    applied = envelope(cli("apply", str(CONFIG), *at, "--json", "--auto-approve"), "apply")
    assert hashed and applied["result"]["plan"]["live_fingerprint"] not in ("", shown[
        "live_fingerprint"]), "the portal changed: another fingerprint"

"""The sandbox's state file (statefile.py): written by difference, safe against a killed process,
shared between processes, and converted from the older JSON format."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner.cli import main
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox
from provisioner.sandbox.statefile import StateFileError, file_format
from helpers import CONFIG as SEED

ROOT = Path(__file__).resolve().parents[2]
OLD_FORMAT = ROOT / "tests" / "fixtures" / "sandbox-state" / "json-format-v0.json"


def client_of(sb: Sandbox) -> BitrixClient:
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def python(code: str, *args: str) -> subprocess.Popen[str]:
    """Another process running `code` (with ROOT importable), its stdout a pipe."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


# ---- conversion of the older format ------------------------------------------------------

def test_a_new_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    Sandbox.open(path).store  # noqa: B018
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the local webhook token


def test_a_json_state_file_is_converted_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    shutil.copy(OLD_FORMAT, path)
    path.chmod(0o640)
    old = json.loads(OLD_FORMAT.read_text("utf-8"))
    sb = Sandbox.open(path)
    assert sb.store.data == old  # every section, entry and id counter as it was
    assert file_format(path) == "sqlite"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the permissions it had
    token = old["auth"]["webhooks"][0]["token"]
    assert sb.webhook_url.endswith(f"/rest/1/{token}/")  # a webhook URL in use keeps working
    client = client_of(sb)
    names = [c["name"] for c in client.call("crm.category.list", {"entityTypeId": 2})
             .result["categories"]]
    assert "Wholesale" in names
    added = client.call("crm.category.add", {"entityTypeId": 2, "fields": {"name": "Retail"}})
    assert added.result["category"]["id"] == old["ids"]["category"] + 1  # ids go on
    again = Sandbox.open(path).store.data
    assert {c["name"] for c in again["categories"]["2"].values()} >= {"Wholesale", "Retail"}


def test_conversion_interrupted_leaves_the_json_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sandbox.json"
    shutil.copy(OLD_FORMAT, path)

    def killed(_src: Any, _dst: Any) -> None:
        raise KeyboardInterrupt  # as if the process stopped just before the rename

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        Sandbox.open(path).store  # noqa: B018
    monkeypatch.undo()
    assert path.read_bytes() == OLD_FORMAT.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert Sandbox.open(path).store.data == json.loads(OLD_FORMAT.read_text("utf-8"))


@pytest.mark.parametrize("content", [b"{\"auth\": ", b"not a portal", b"[1, 2]"])
def test_an_unusable_state_file_is_a_clear_error_and_reset_replaces_it(
        tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "sandbox.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError) as err:
        Sandbox.open(path).store  # noqa: B018
    assert str(err.value).startswith(f"{path}: not a ")
    assert str(err.value).endswith(f"fix: move the file away, or run `provision sandbox reset "
                                   f"--state {path}` to start a new sandbox portal there")
    result = CliRunner().invoke(main, ["sandbox", "show", "--state", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert path.read_bytes() == content  # nothing overwritten without being asked
    result = CliRunner().invoke(main, ["sandbox", "reset", "--state", str(path)])
    assert result.exit_code == 0, result.output
    assert Sandbox.open(path).store.data["auth"]["webhooks"]


@pytest.mark.parametrize(("content", "missing"), [
    ("{}", "`auth.webhooks` and `ids`"), ('{"ids": {}}', "`auth.webhooks`"),
    ('{"auth": {"webhooks": []}, "ids": {}}', "`auth.webhooks`"),
    ('{"auth": {"webhooks": [{"token": "t"}]}}', "`ids`"),
    ('{"name": "another tool\'s settings"}', "`auth.webhooks` and `ids`")])
def test_plan_refuses_a_json_file_that_is_no_sandbox_state_and_leaves_it(
        tmp_path: Path, content: str, missing: str) -> None:
    """Before: `plan --sandbox-state x.json` with `{}` in x.json rewrote it as an SQLite state
    file of an empty portal."""
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(SEED), "--sandbox-state",
                                       str(path)])
    assert (result.exit_code, result.stdout) == (1, ""), result.output
    assert result.stderr.endswith(
        f"Error: {path}: not a sandbox state file (a JSON object without the sandbox's "
        f"{missing}); fix: move the file away, or run `provision sandbox reset --state {path}` "
        "to start a new sandbox portal there\n")
    assert path.read_text(encoding="utf-8") == content  # not converted, not rewritten
    assert not list(tmp_path.glob(".x.json.*"))  # no half-built replacement left behind


# ---- written by difference ---------------------------------------------------------------

def test_a_write_rewrites_only_the_entries_it_changed(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    sb = Sandbox.open(path)
    client = client_of(sb)
    before = dict(rows(path, "SELECT section || '/' || key, gen FROM entries"))
    client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "FAIR",
                                              "NAME": "Trade fair"}})
    after = dict(rows(path, "SELECT section || '/' || key, gen FROM entries"))
    changed = sorted(k for k, gen in after.items() if before.get(k) != gen)
    new_id = sb.store.data["ids"]["status"]
    assert changed == ["ids/status", f"statuses/{new_id}"]


def test_a_copy_of_the_state_file_is_a_whole_portal(tmp_path: Path) -> None:
    """While the process that wrote it still has it open, the file alone holds every write
    (nothing waits in a log beside it): copying it copies the sandbox."""
    path = tmp_path / "sandbox.json"
    sb = Sandbox.open(path)
    client_of(sb).call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": "P_ONE",
                                                     "NAME": "one"}})
    shutil.copy(path, tmp_path / "copy.json")
    assert sources(Sandbox.open(tmp_path / "copy.json")) == ["P_ONE"]
    assert sources(sb) == ["P_ONE"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "ids"]),
                          st.sampled_from(["1", "2", "3", 4]),
                          st.one_of(st.none(), st.integers(), st.text(max_size=3),
                                    st.lists(st.integers(), max_size=2),
                                    st.dictionaries(st.sampled_from(["x", "y"]), st.integers(),
                                                    max_size=2))),
                min_size=1, max_size=12))
def test_the_file_always_holds_what_the_store_holds(
        tmp_path_factory: pytest.TempPathFactory,
        edits: list[tuple[str, str | int, Any]]) -> None:
    """After any sequence of edits, each committed, a new reader of the file sees exactly the
    store as JSON would carry it (a value None deletes the entry; "c" is a whole-value section
    when the key is 4)."""
    path = tmp_path_factory.mktemp("state") / "sandbox.json"
    writer = Sandbox.open(path)
    for section, key, value in edits:
        with writer.stores.transaction() as store:
            if section == "c" and key == 4:
                store.data["c"] = value  # a section that is not a dict (or stops being one)
            else:
                part = store.data.get(section)
                if not isinstance(part, dict):
                    part = store.data[section] = {}
                if value is None:
                    part.pop(key, None)
                else:
                    part[key] = value
            writer.stores.commit(store)
        expected = json.loads(json.dumps(writer.store.data))
        assert Sandbox.open(path).store.data == expected


# ---- several processes -----------------------------------------------------------------

WRITE_STATUS = """
    import sys
    from provisioner.client import BitrixClient
    from provisioner.sandbox import Sandbox
    sb = Sandbox.open(sys.argv[1])
    client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session())
    client.call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE", "STATUS_ID": sys.argv[2],
                                              "NAME": sys.argv[2]}})
    rows = client.call("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}).result
    print(" ".join(sorted(r["STATUS_ID"] for r in rows if r["STATUS_ID"].startswith("P_"))))
"""


def sources(sb: Sandbox) -> list[str]:
    rows = client_of(sb).call("crm.status.list", {"filter": {"ENTITY_ID": "SOURCE"}}).result
    return sorted(r["STATUS_ID"] for r in rows if r["STATUS_ID"].startswith("P_"))


def test_processes_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    here = Sandbox.open(path)
    assert sources(here) == []  # this process has the portal loaded
    first = python(WRITE_STATUS, str(path), "P_ONE")
    assert first.communicate(timeout=60)[0] == "P_ONE\n"
    assert sources(here) == ["P_ONE"]  # the other process's write, seen by this one
    client_of(here).call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE",
                                                       "STATUS_ID": "P_TWO", "NAME": "two"}})
    second = python(WRITE_STATUS, str(path), "P_THREE")
    assert second.communicate(timeout=60)[0] == "P_ONE P_THREE P_TWO\n"
    assert sources(here) == ["P_ONE", "P_THREE", "P_TWO"]


def test_a_served_sandbox_and_a_cli_run_see_each_others_writes(tmp_path: Path) -> None:
    import requests

    path = tmp_path / "sandbox.json"
    serve = python("from provisioner.cli import run; run()", "sandbox", "serve", "--port",
                   "0", "--state", str(path), "--no-rate-limit")
    try:
        assert serve.stdout is not None
        url = [serve.stdout.readline() for _ in range(3)][1].split(": ", 1)[1].strip()
        requests.post(url + "crm.status.add", timeout=10, json={"fields": {
            "ENTITY_ID": "SOURCE", "STATUS_ID": "P_SERVED", "NAME": "served"}})
        here = Sandbox.open(path)
        assert sources(here) == ["P_SERVED"]
        client_of(here).call("crm.status.add", {"fields": {"ENTITY_ID": "SOURCE",
                                                           "STATUS_ID": "P_CLI", "NAME": "cli"}})
        listed = requests.post(url + "crm.status.list", timeout=10,
                               json={"filter": {"ENTITY_ID": "SOURCE"}}).json()["result"]
        assert sorted(r["STATUS_ID"] for r in listed if r["STATUS_ID"].startswith("P_")) == [
            "P_CLI", "P_SERVED"]
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def test_a_deleted_state_file_is_made_again(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    sb = Sandbox.open(path)
    first = sb.webhook_url
    for name in os.listdir(tmp_path):
        os.unlink(tmp_path / name)
    assert sb.webhook_url != first  # a new portal, as after `sandbox reset`
    assert Sandbox.open(path).webhook_url == sb.webhook_url


# ---- a process killed while it writes -----------------------------------------------------

WRITER = """
    import sys, time
    from provisioner.sandbox import Sandbox, statefile

    now = 0  # the round being written

    def in_halves(db, sections, entries, gen, write=statefile.write_rows):
        # the rows of one write, sent in two parts; between them the process says so and,
        # in the round it is to be killed in, waits for it when asked to
        write(db, sections, entries[:len(entries) // 2], gen)
        print("half written", now, flush=True)
        if sys.argv[2] == "pause" and str(now) == sys.argv[3]:
            time.sleep(60)
        write(db, [], entries[len(entries) // 2:], gen)

    statefile.write_rows = in_halves
    sb = Sandbox.open(sys.argv[1])
    sb.store
    pad = "x" * 2000
    for round_no in range(1, 1000):
        now = round_no
        with sb.stores.transaction() as store:
            store.data["crash"] = {str(n): {"round": round_no, "pad": pad} for n in range(1500)}
            print("writing", round_no, flush=True)
            sb.stores.commit(store)
            print("written", round_no, flush=True)
"""


def crash_rounds(path: Path) -> set[int]:
    return {entry["round"] for entry in Sandbox.open(path).store.data.get("crash", {}).values()}


@pytest.mark.parametrize(("kill_at", "pause"), [(1, "pause"), (3, "pause"), (2, "go-on"),
                                                (4, "go-on")])
def test_a_process_killed_mid_write_leaves_a_whole_portal(tmp_path: Path, kill_at: int,
                                                          pause: str) -> None:
    """Each round rewrites 1,500 entries (3 MB) in one write, in two parts. With "pause", the
    writer is killed between the two parts of round `kill_at` (half its rows sent, none
    committed): the file holds the round before, whole. With "go-on", it is killed as soon as
    it says so, wherever the rest of its write then is: the file holds the round before or that
    round, whole, never a mix. Either way the portal still answers."""
    path = tmp_path / "sandbox.json"
    writer = python(WRITER, str(path), pause, str(kill_at))
    assert writer.stdout is not None
    written = 0
    for line in writer.stdout:
        if line.startswith("written"):
            written = int(line.split()[1])
        elif line == f"half written {kill_at}\n":
            writer.send_signal(signal.SIGKILL)
            break
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    assert written == kill_at - 1
    before = {kill_at - 1} if kill_at > 1 else set()
    assert crash_rounds(path) in ((before,) if pause == "pause" else (before, {kill_at}))
    sb = Sandbox.open(path)
    assert client_of(sb).call("scope").result
    assert len(sb.store.data.get("crash", {})) in (0, 1500)

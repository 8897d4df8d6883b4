"""The sandbox over real HTTP on 127.0.0.1, file persistence, and the `provision sandbox` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.sandbox import FaultKind, RateLimit, Sandbox
from provisioner.sandbox.clock import RealClock
from provisioner.sandbox.server import Running, start

pytestmark = pytest.mark.usefixtures("test_methods")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Sandbox, Running]]:
    sb = Sandbox.open(tmp_path / "state.json", clock=RealClock(), rate_limit=RateLimit())
    running = start(sb)
    yield sb, running
    running.stop()


def test_method_and_batch_over_http(served: tuple[Sandbox, Running]) -> None:
    sb, running = served
    assert sb.webhook_url.startswith(running.url + "/rest/1/")
    r = requests.post(sb.webhook_url + "test.echo.json?x=1", json={"y": [1, 2]}, timeout=5)
    assert r.status_code == 200
    assert r.json()["result"]["params"] == {"x": "1", "y": [1, 2]}
    r = requests.post(sb.webhook_url + "batch", timeout=5, data={
        "cmd[w]": "test.write?NAME=http", "cmd[e]": "test.echo?id=$result[w]", "halt": "1"})
    out = r.json()["result"]
    assert out["result"]["e"]["params"] == {"id": 1}
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    on_file = Sandbox.open(sb.stores.path).store.data  # type: ignore[union-attr]
    assert on_file["test_rows"]["1"]["NAME"] == "http"  # another reader of the file sees it


def test_errors_over_http(served: tuple[Sandbox, Running]) -> None:
    sb, running = served
    r = requests.get(running.url + "/rest/1/bad/test.ok", timeout=5)
    assert (r.status_code, r.json()["error"]) == (401, "INVALID_CREDENTIALS")
    r = requests.get(sb.webhook_url + "no.such.method", timeout=5)
    assert (r.status_code, r.json()["error"]) == (404, "ERROR_METHOD_NOT_FOUND")


def test_rate_limit_over_http(tmp_path: Path) -> None:
    sb = Sandbox.open(tmp_path / "s.json", clock=RealClock(), rate_limit=RateLimit(3, 0.1))
    running = start(sb)
    try:
        with requests.Session() as http:
            codes = [http.get(sb.webhook_url + "test.ok", timeout=5).status_code
                     for _ in range(4)]
    finally:
        running.stop()
    assert codes == [200, 200, 200, 503]


def test_dropped_connection_over_http(served: tuple[Sandbox, Running]) -> None:
    sb, _ = served
    sb.faults.add(FaultKind.DROP_AFTER_COMMIT)
    with pytest.raises(requests.ConnectionError):
        requests.post(sb.webhook_url + "test.write", json={"NAME": "kept"}, timeout=5)
    assert requests.get(sb.webhook_url + "test.ok", timeout=5).status_code == 200
    assert sb.store.data["test_rows"]["1"]["NAME"] == "kept"


def test_state_file_shared_between_processes(tmp_path: Path) -> None:
    path = tmp_path / "portal.json"
    one, two = Sandbox.open(path), Sandbox.open(path)
    assert one.webhook_url == two.webhook_url  # the second one loaded the first one's seed
    one.session().post(one.webhook_url + "test.write", json={"NAME": "a"})
    r = two.session().post(two.webhook_url + "test.write", json={"NAME": "b"})
    assert r.json()["result"] == 2  # saw the first write: ids continue
    assert set(Sandbox.open(path).store.data["test_rows"]) == {"1", "2"}
    assert one.store.data["test_rows"]["2"]["NAME"] == "b"


def test_reads_do_not_rewrite_the_state_file(tmp_path: Path) -> None:
    path = tmp_path / "portal.json"
    sb = Sandbox.open(path)
    assert sb.store.data["auth"]["webhooks"]  # first use creates and seeds the file
    stamp = path.stat().st_mtime_ns, path.stat().st_ino
    sb.session().get(sb.webhook_url + "scope")
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == stamp


def test_cli_reset_and_show(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    runner = CliRunner()
    first = Sandbox.open(path).webhook_url
    r = runner.invoke(main, ["sandbox", "reset", "--sandbox-state", str(path)])
    assert r.exit_code == 0 and r.output == f"Sandbox portal reset: {path}\n"
    assert Sandbox.open(path).webhook_url != first
    r = runner.invoke(main, ["sandbox", "show", "--sandbox-state", str(path)])
    assert r.exit_code == 0
    assert r.output.startswith(f"Sandbox portal: {path}\n")
    assert "auth: 1 webhook(s), 1 application(s), admins [1]" in r.output
    token = Sandbox.open(path).webhook_url.rstrip("/").rsplit("/", 1)[1]
    assert token not in r.output


def test_cli_state_is_the_old_hidden_name_of_sandbox_state(tmp_path: Path) -> None:
    """`sandbox show --state` keeps working (with a notice); --help shows --sandbox-state."""
    path = tmp_path / "s.json"
    old = CliRunner().invoke(main, ["sandbox", "show", "--state", str(path)])
    assert old.exit_code == 0
    assert old.stderr == "Warning: --state is deprecated; use --sandbox-state.\n"
    assert old.stdout.startswith(f"Sandbox portal: {path}\n")
    shown = CliRunner().invoke(main, ["sandbox", "show", "--help"]).stdout
    assert "--sandbox-state FILE" in shown and "--state" not in shown.replace(
        "--sandbox-state", "")
    both = CliRunner().invoke(main, ["sandbox", "show", "--state", "a", "--sandbox-state", "b"])
    assert (both.exit_code, both.stderr.splitlines()[-1]) == (
        1, "Error: give --sandbox-state only (--state is its old name)")


@pytest.mark.slow  # a Python process serving HTTP
def test_cli_serve_prints_webhook_and_serves(tmp_path: Path) -> None:
    path = tmp_path / "served.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from provisioner.cli import run; run()",
                             "sandbox", "serve", "--port", "0", "--sandbox-state", str(path)],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("Sandbox portal on http://127.0.0.1:")
        url = lines[1].split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "/rest/1/" in url
        assert lines[2] == "Press Ctrl-C to stop.\n"
        r = requests.post(url + "scope", json={}, timeout=5)
        assert r.status_code == 200 and "crm" in r.json()["result"]
    finally:
        proc.terminate()
        proc.wait(timeout=5)

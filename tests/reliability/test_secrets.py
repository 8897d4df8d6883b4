"""Secrets: a distinctive webhook token and OAuth tokens appear in no output, log, file or error.

Every command runs against a sandbox served on loopback whose webhook token is known to the
test; stdout, stderr, the log records of every logger (DEBUG and up, urllib3's request lines
included), written files and exception texts are searched for it. OAuth goes through the
library (the CLI takes webhooks), with an expired token forcing a refresh mid-run.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner
from reliability_harness import RecordingAdapter, ScheduledFaults, make_client

from provisioner import engine
from provisioner.cli import main
from provisioner.client.errors import BitrixAPIError
from provisioner.sandbox import Sandbox
from provisioner.sandbox.faults import FaultKind
from provisioner.sandbox.server import Running, start
from helpers import CONFIG as SEED

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "zz9secretWebhookT0kenQ7"  # distinctive: nothing else in the output can contain it
PORTAL_COMMANDS = {"plan", "apply", "export", "drift", "runbook", "attest"}  # commands with --webhook-url


class Capture(logging.Handler):
    """Every log record of every logger, formatted as a user's log file would hold it."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        self.path = path
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(self.format(record) + "\n")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "provision.log"
    path.touch()
    handler, root = Capture(path), logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old)


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Sandbox, Running, str]]:
    sb = Sandbox.open(tmp_path / "portal.json")
    store = sb.store
    store.data["auth"]["webhooks"][0]["token"] = TOKEN
    sb.stores.commit(store)
    server = start(sb)
    yield sb, server, f"{server.url}/rest/1/{TOKEN}/"
    server.stop()


def secrets_of(sb: Sandbox) -> list[str]:
    creds = sb.oauth()
    return [TOKEN, creds.access_token, creds.refresh_token, creds.client_secret]


def assert_clean(texts: dict[str, str], secrets: list[str]) -> None:
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"


def tree_text(path: Path) -> str:
    return "\n".join(p.read_text("utf-8", "replace") for p in sorted(path.rglob("*"))
                     if p.is_file())


def test_every_portal_command_is_covered() -> None:
    with_portal = {name for name, cmd in main.commands.items()
                   if any(p.name == "webhook_url" for p in cmd.params)}
    assert with_portal <= PORTAL_COMMANDS, f"add {with_portal - PORTAL_COMMANDS} to this test"


def test_no_command_prints_logs_or_writes_the_webhook_token(
        portal: tuple[Sandbox, Running, str], tmp_path: Path, log_file: Path) -> None:
    sb, _, url = portal
    config = tmp_path / "config"
    shutil.copytree(SEED, config)
    out_dir = tmp_path / "export"
    plan_file = str(tmp_path / "saved-plan.json")
    # (arguments, the exit code the command must end with): run in this order against one
    # portal, so the plan before apply has changes (exit 2 with --detailed-exitcode) and the
    # saved plan, made after apply, has none
    runs: dict[str, tuple[list[str], int]] = {
        "validate": (["validate", str(config)], 0),
        "plan": (["plan", str(config), "--webhook-url", url], 0),
        "plan --json": (["plan", str(config), "--json", "--webhook-url", url], 0),
        "plan --detailed-exitcode": (["plan", str(config), "--detailed-exitcode",
                                      "--webhook-url", url], 2),
        "apply": (["apply", str(config), "--auto-approve", "--webhook-url", url], 0),
        "export": (["export", "--out", str(out_dir), "--webhook-url", url], 0),
        "drift": (["drift", str(config), "--webhook-url", url], 0),
        "runbook": (["runbook", str(config), "--out", str(tmp_path / "runbook"),
                     "--webhook-url", url], 0),
        "attest": (["attest", str(config), "--by", "admin@example.com", "--webhook-url", url],
                   0),
        "sandbox show": (["sandbox", "show", "--state", str(sb.stores.path)], 0),  # type: ignore[union-attr]
        "env B24_WEBHOOK_URL plan": (["plan", str(config)], 0),
        "bad config plan": (["plan", str(ROOT / "tests/fixtures/broken/hand/default-as-word.toml"),
                             "--webhook-url", url], 1),
        "plan --out": (["plan", str(config), "--out", plan_file, "--webhook-url", url], 0),
        "apply PLANFILE": (["apply", plan_file, "--webhook-url", url], 0),
    }
    texts: dict[str, str] = {}
    for name, (args, expected) in runs.items():
        env = {"B24_WEBHOOK_URL": url} if name.startswith("env") else {}
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == expected, (name, result.output)
        texts[f"{name}: stdout"] = result.stdout
        texts[f"{name}: stderr"] = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            texts[f"{name}: exception"] = f"{result.exception!r} {result.exception}"
    assert "Apply complete" in texts["apply: stdout"]  # the commands really ran
    assert (out_dir / "deal-pipelines.toml").exists()
    texts["export files"] = tree_text(out_dir)
    texts["runbook files"] = tree_text(tmp_path / "runbook")
    texts["plan file"] = Path(plan_file).read_text("utf-8")
    texts["config dir (attestations)"] = tree_text(config)
    texts["log file"] = log_file.read_text("utf-8")
    assert "batch" in texts["log file"]  # the log did record the requests
    assert_clean(texts, [TOKEN])


@pytest.mark.parametrize("kind", ["server_error", "timeout", "drop_after_commit", "time_limit"])
def test_error_messages_over_http_hold_no_token(portal: tuple[Sandbox, Running, str],
                                                log_file: Path, kind: str) -> None:
    sb, _, url = portal
    # request 1 reads for the plan, 2 reads again before writing (stale check), 3 writes: no
    # retry, no back-off wait
    sb.app.faults = ScheduledFaults({3: kind})
    result = CliRunner().invoke(main, ["apply", str(SEED), "--auto-approve",
                                       "--webhook-url", url])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.stderr
    assert_clean({"stdout": result.stdout, "stderr": result.stderr,
                  "log": log_file.read_text("utf-8")}, [TOKEN])


def test_oauth_tokens_and_client_secret_never_leak(log_file: Path, tmp_path: Path) -> None:
    sb = Sandbox.in_memory()
    first = secrets_of(sb)[1:]
    client = make_client(sb, RecordingAdapter(sb), oauth=True)
    desired = engine.load_desired(SEED)
    plan = engine.make_plan(desired, engine.read_live(client))
    sb.faults.add(FaultKind.EXPIRED_TOKEN, method="batch")
    engine.apply(plan, client)
    assert client.stats.refreshes == 1
    rotated = secrets_of(sb)[1:]
    assert rotated[0] != first[0]  # the refresh did hand out a new pair
    texts = {"client repr": repr(client) + str(client),
             "plan": engine.render_text(plan) + engine.render_json(plan)}
    sb.faults.add(FaultKind.SERVER_ERROR, count=20)
    with pytest.raises(BitrixAPIError) as caught:
        engine.read_live(client)
    texts["exception"] = f"{caught.value!r} {caught.value} {caught.value.args}"
    sb.faults.clear()
    engine.export(engine.read_live(make_client(sb, RecordingAdapter(sb), oauth=True)),
                  tmp_path / "export")
    texts["export"] = tree_text(tmp_path / "export")
    texts["log"] = log_file.read_text("utf-8")
    assert "oauth" in texts["log"].lower() or "refresh" in texts["log"].lower()
    assert_clean(texts, [*first, *rotated])


@responses.activate
def test_tls_is_verified_unless_insecure_is_given_and_then_it_warns(tmp_path: Path) -> None:
    url = f"https://portal.example/rest/1/{TOKEN}/"
    body = {"result": {"result": {}, "result_error": [], "result_total": [], "result_next": [],
                       "result_time": []}, "time": {}}
    responses.add(responses.POST, f"{url}batch.json", json=body)
    config = str(ROOT / "tests/fixtures/broken/hand/unknown-portal-list.toml")
    CliRunner().invoke(main, ["plan", config, "--webhook-url", url])
    verify = responses.calls[-1].request.req_kwargs["verify"]
    assert verify is True or (isinstance(verify, str) and verify)  # on, maybe with a CA bundle
    result = CliRunner().invoke(main, ["plan", config, "--webhook-url", url, "--insecure"])
    assert responses.calls[-1].request.req_kwargs["verify"] is False
    assert "Warning: --insecure: TLS certificate verification is OFF" in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    sandbox = CliRunner().invoke(main, ["plan", config, "--insecure", "--sandbox-state",
                                        str(tmp_path / "sb.json")])
    assert "--insecure is ignored for the local sandbox portal" in sandbox.stderr

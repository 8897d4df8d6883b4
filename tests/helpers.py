"""Helpers shared by the test folders: repository paths, a webhook client on a sandbox, the CLI
with no real portal configured, setup steps. Fixtures are in tests/conftest.py."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from provisioner.cli import main
from provisioner.client import BitrixClient
from provisioner.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
SEED_CONFIG = ROOT / "portal-config"  # the repository's seed configuration, as the user keeps it


def _seed_copy() -> Path:
    """The seed configuration's own files, copied once per test process: what a user's commands
    add to `portal-config/` (`provision attest` writes attestations/ there, as the README says)
    must not change what the tests see."""
    target = Path(tempfile.mkdtemp(prefix="provision-seed-")) / "portal-config"
    target.mkdir()
    for path in SEED_CONFIG.iterdir():
        if path.is_file() and path.suffix in {".toml", ".json"}:
            shutil.copy2(path, target / path.name)
    atexit.register(shutil.rmtree, target.parent, True)
    return target


CONFIG = _seed_copy()  # the seed configuration the tests plan, apply and copy

# The default pipeline reduced to its three system stages, renamed: the drift and saved-plan
# tests' starting desired state.
MAIN_PIPELINE = """\
[deal.pipelines.main]
name = "General"
default = true

[[deal.pipelines.main.stages]]
code = "NEW"
name = "Новая"

[[deal.pipelines.main.stages]]
code = "WON"
name = "Успех"
semantics = "success"

[[deal.pipelines.main.stages]]
code = "LOSE"
name = "Провал"
semantics = "failure"
"""


def client_of(sb: Sandbox) -> BitrixClient:
    """A webhook client whose transport is the sandbox, in process."""
    return BitrixClient.from_webhook(sb.webhook_url, session=sb.session())


def cli(*args: str, env: dict[str, Any] | None = None, stdin: str | None = None) -> Result:
    """`provision ARGS` with B24_WEBHOOK_URL unset, so that no test can reach a real portal."""
    base: dict[str, Any] = {"B24_WEBHOOK_URL": None}
    return CliRunner(env={**base, **(env or {})}).invoke(main, list(args), input=stdin)


def run(state: Path, *args: str, stdin: str | None = None) -> Result:
    """`provision ARGS --sandbox-state STATE`."""
    return cli(*args, "--sandbox-state", str(state), stdin=stdin)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run_setup(client: BitrixClient, steps: list[dict[str, Any]]) -> None:
    """Each step is {"method", "params", "find"?, "find_field"?}; `find` filters
    crm.status.list for the row whose ID goes into params["id"], `find_field` ({"entity",
    "FIELD_NAME"}) a classic entity's custom fields (ids differ between portals, natural keys
    do not)."""
    for step in steps:
        params = dict(step.get("params", {}))
        if "find" in step:
            rows = client.call("crm.status.list", {"filter": step["find"]}).result
            assert len(rows) == 1, f"setup: {step['find']} matched {len(rows)} rows"
            params["id"] = int(rows[0]["ID"])
        if "find_field" in step:
            where = step["find_field"]
            rows = client.call(f"crm.{where['entity']}.userfield.list",
                               {"filter": {"FIELD_NAME": where["FIELD_NAME"]}}).result
            assert len(rows) == 1, f"setup: {where} matched {len(rows)} fields"
            params["id"] = int(rows[0]["ID"])
        client.call(step["method"], params)

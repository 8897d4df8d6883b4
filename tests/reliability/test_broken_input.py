"""Hostile and broken desired states: a clear, located error, exit 1, no traceback, no write.

The corpus is tests/fixtures/broken/: generated/ (written by make_corpus.py) and hand/. Each case
names the key its error must point at (`# expect:`); `# phase: plan` cases are valid files that
only the portal can refuse (validate accepts them, plan must refuse them before any write);
`# phase: accept` cases look hostile but are legal (HTML in a name is text to the portal):
validate and plan accept them and the plan shows the text exactly as written.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main
from provisioner.client.policy import is_read
from provisioner.sandbox import Sandbox
from provisioner.sandbox.server import Running, start

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "fixtures" / "broken"
sys.path.insert(0, str(BROKEN))
make_corpus = importlib.import_module("make_corpus")  # the generator lives beside its output

CASES = sorted([*(BROKEN / "generated").glob("*.toml"),
                *(p for p in (BROKEN / "hand").iterdir() if p.suffix == ".toml" or p.is_dir())])


# Defects found by this corpus and not fixed yet (docs/reliability.md "Known gaps"), by a
# fragment of the case names; strict: a fix turns them into failures, and then the entry goes.
KNOWN_DEFECTS: dict[str, tuple[str, ...]] = {}


def known_defect(case: Path) -> str | None:
    for reason, fragments in KNOWN_DEFECTS.items():
        if any(f in case.name or case.name.startswith(f.lstrip("-")) for f in fragments):
            return reason
    return None


def params() -> list[Any]:
    """The cases as pytest params, known defects marked as strict expected failures; the fast
    local loop (-m "not slow") keeps every hand-written case and the first generated case of
    each sort, CI runs them all."""
    out, sorts = [], set()
    for case in CASES:
        reason = known_defect(case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        sort = case.name.split("-", 2)[1] if case.parent.name == "generated" else case.name
        if sort in sorts:
            marks.append(pytest.mark.slow)
        sorts.add(sort)
        out.append(pytest.param(case, marks=marks, id=case.name))
    return out


def expectation(case: Path) -> tuple[str, str]:
    """(key, phase) from the case's `# expect:` / `# phase:` header lines."""
    first = min(case.glob("*.toml")) if case.is_dir() else case
    head = first.read_bytes()[:400].decode("utf-8", "replace").removeprefix("\ufeff")
    key = re.search(r"^# expect: (.*)$", head, re.MULTILINE)
    assert key is not None, f"{case} has no '# expect:' line"
    phase = re.search(r"^# phase: (\w+)$", head, re.MULTILINE)
    return key[1].strip(), phase[1] if phase else "validate"


def located(case: Path, key: str, text: str) -> bool:
    """A problem line `file[:line]: key: ...` for the case's file and exactly its key: a bare
    `key in text` is satisfied by the file name alone (`001-type-deal.pipelines.sales-int`)."""
    files = sorted(case.glob("*.toml")) if case.is_dir() else [case]
    where = "|".join(re.escape(str(f)) for f in files)
    return re.search(rf"^(?:{where})(?::\d+)?: {re.escape(key)}: \S", text, re.MULTILINE) is not None


def run(args: list[str]) -> tuple[int, str, str, BaseException | None]:
    result = CliRunner().invoke(main, args)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, exc


def test_the_corpus_has_at_least_200_cases_of_every_sort() -> None:
    assert len(CASES) >= 200
    names = " ".join(p.name for p in CASES)
    for sort in ("type-", "value-", "unknown-", "missing-", "dup-", "order-", "long-",
                 "control-", "markup-", "syntax-", "bytes-", "portal-", "dir-"):
        assert sort in names, sort


def test_the_generated_corpus_is_what_make_corpus_writes() -> None:
    cases = make_corpus.all_cases()
    files = sorted((BROKEN / "generated").glob("*.toml"))
    assert len(files) == len(cases)
    for file, (_, key, content, phase) in zip(files, cases, strict=True):
        assert file.read_bytes() == make_corpus.header(key, phase) + content, file.name


@pytest.mark.parametrize("case", params())
def test_validate_names_the_file_and_key(case: Path) -> None:
    key, phase = expectation(case)
    code, out, err, exc = run(["validate", str(case)])
    assert exc is None, f"unexpected {type(exc).__name__}: {exc}"
    if phase in ("plan", "accept"):
        assert code == 0, err
        return
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    assert located(case, key, err), err[:600]
    assert "fix:" in err
    assert out == ""


@pytest.fixture(scope="module")
def portal() -> Iterator[tuple[Sandbox, Running]]:
    sb = Sandbox.in_memory()
    server = start(sb)
    yield sb, server
    server.stop()


@pytest.mark.parametrize("case", params())
def test_plan_refuses_before_any_write(case: Path, portal: tuple[Sandbox, Running]) -> None:
    sb, server = portal
    key, phase = expectation(case)
    sb.requests.reset()
    url = server.url + sb.webhook_url.removeprefix(sb.base_url)
    code, out, err, exc = run(["plan", str(case), "--webhook-url", url])
    assert exc is None, f"unexpected {type(exc).__name__}: {exc}"
    if phase == "accept":
        assert_accepted_as_text(case, code, out, err)
        assert sb.requests.by_method == {"batch": 1}  # read, no write
        return
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    assert located(case, key, err) and "fix:" in err, err[:600]
    if phase == "validate":
        assert sb.requests.total == 0  # refused before the portal was contacted at all
        return
    writes = [m for m in sb.requests.by_method if not is_read(m) and m != "batch"]
    assert writes == []
    assert sb.requests.by_method == {"batch": 1}  # the one read batch of plan, then no write


def assert_accepted_as_text(case: Path, code: int, out: str, err: str) -> None:
    """Markup in a name is legal on the portal: planned as the very text written."""
    assert code == 0, err
    text = tomllib.loads(case.read_text(encoding="utf-8"))
    node: Any = text
    for step in re.findall(r"[^.\[\]]+", expectation(case)[0]):
        node = node[int(step)] if step.isdigit() else node[step]
    assert json.dumps(node, ensure_ascii=False) in out, out[-800:]


@pytest.mark.slow  # a Python process per command
@pytest.mark.parametrize("name", [
    "type-deal.pipelines-string.toml", "unknown-deal.pipelines.sales.stages_0_.colour.toml",
    "syntax-nested-1000.toml", "bytes-invalid-utf8.toml"])
def test_a_real_process_prints_no_traceback(name: str, tmp_path: Path) -> None:
    case = next(p for p in CASES if p.name.endswith(name))
    state = tmp_path / "sandbox.json"
    for command in (["validate", str(case)], ["plan", str(case), "--sandbox-state", str(state)]):
        proc = subprocess.run([sys.executable, "-c", "from provisioner.cli import run; run()",
                               *command], check=False, capture_output=True, text=True,
                              cwd=ROOT, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert located(case, expectation(case)[0], proc.stderr), proc.stderr
    assert not state.exists()  # plan refused before the sandbox portal was even opened


@pytest.mark.slow
def test_huge_inputs_are_refused_or_handled_quickly(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for case, key in make_corpus.huge_cases(tmp_path):
        started = time.perf_counter()
        code, _out, err, exc = run(["validate", str(case)])
        assert exc is None
        assert time.perf_counter() - started < 20
        assert code in (0, 1) and "Traceback" not in err
        if key == "(size)":  # under the default 64 MiB it is read; under 8 MiB, refused
            assert code == 0, err[:400]
            monkeypatch.setenv("PROVISION_MAX_CONFIG_BYTES", str(8 * 2**20))
            code, _out, err, exc = run(["validate", str(case)])
            monkeypatch.delenv("PROVISION_MAX_CONFIG_BYTES")
            assert (code, err) == (1, f"1 problem in the desired state:\n{case}: (size): the "
                                   "file is larger than 8 MiB, the most provision reads from "
                                   "one desired-state file\n    fix: check that this is the "
                                   "right file, split it into several *.toml files in one "
                                   "directory, or raise the limit: "
                                   "PROVISION_MAX_CONFIG_BYTES=<bytes>\n")

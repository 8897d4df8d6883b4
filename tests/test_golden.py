"""The golden-file helper: a missing expected file fails and says how to write it, a different
one fails with a diff, `--update-golden` writes the file; through the real option as well."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden import CASES, OWN_TEST, ROOT, Golden, plan_cases

pytest_plugins = ["pytester"]
# the inner runs need only the plugin under test (hypothesis's would re-import itself each run)
PLUGINS = ("-p", "golden", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def failure(golden: Golden, path: Path, actual: str) -> str:
    with pytest.raises(pytest.fail.Exception) as info:
        golden.check(path, actual)
    return str(info.value)


def test_a_missing_file_fails_and_names_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    message = failure(Golden(update=False), path, "+ deal.pipeline[sales]\n")
    assert message == (f"{path} is missing: run pytest with --update-golden to write it from "
                       "this output, then review and commit it")
    assert not path.exists()


def test_a_different_file_fails_with_a_diff(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("  + a\n  ~ b\nPlan: 1 to add.\n", encoding="utf-8")
    message = failure(Golden(update=False), path, "  + a\n  ~ c\nPlan: 1 to add.\n")
    assert message.splitlines() == [
        f"{path} differs from the output (- expected, + actual); if the change is intended, run "
        "pytest with --update-golden and commit the file",
        f"--- {path} (expected)", "+++ actual output", "@@ -1,3 +1,3 @@",
        "   + a", "-  ~ b", "+  ~ c", " Plan: 1 to add."]
    assert path.read_text(encoding="utf-8") == "  + a\n  ~ b\nPlan: 1 to add.\n"


def test_a_missing_last_newline_is_a_difference(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(b"a\nb\n")
    assert failure(Golden(update=False), path, "a\nb").endswith(
        "-b\n+b\n\\ No newline at end\n")


def test_crlf_is_not_read_as_lf(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(b"a\r\n")
    assert "differs from the output" in failure(Golden(update=False), path, "a\n")


def test_an_equal_file_passes_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes("{\"name\": \"Продажи\"}\n".encode())
    before = path.stat().st_mtime_ns
    Golden(update=False).check(path, "{\"name\": \"Продажи\"}\n")
    assert path.stat().st_mtime_ns == before
    assert path.read_bytes() == "{\"name\": \"Продажи\"}\n".encode()


def test_update_writes_missing_and_different_files(tmp_path: Path) -> None:
    missing, different = tmp_path / "new" / "plan.txt", tmp_path / "plan.json"
    different.write_text("old\n", encoding="utf-8")
    Golden(update=True).check(missing, "Стадия\n")
    Golden(update=True).check(different, "new\n")
    assert missing.read_bytes() == "Стадия\n".encode()
    assert different.read_bytes() == b"new\n"


def test_the_option_and_fixture_end_to_end(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_out="""
        from pathlib import Path

        def test_out(golden):
            golden.check(Path(__file__).parent / "expected" / "out.txt", "Новая\\n")
    """)
    expected = pytester.path / "expected" / "out.txt"
    missing = pytester.runpytest_inprocess(*PLUGINS)
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(["*out.txt is missing: run pytest with --update-golden*"])
    assert not expected.exists()
    pytester.runpytest_inprocess(*PLUGINS, "--update-golden").assert_outcomes(passed=1)
    assert expected.read_bytes() == "Новая\n".encode()
    pytester.runpytest_inprocess(*PLUGINS).assert_outcomes(passed=1)
    expected.write_text("Старая\n", encoding="utf-8")
    changed = pytester.runpytest_inprocess(*PLUGINS)
    changed.assert_outcomes(failed=1)
    changed.stdout.fnmatch_lines(["*out.txt differs from the output*", "-Старая", "+Новая"])


@pytest.mark.parametrize("name", sorted(OWN_TEST))
def test_a_case_with_a_test_of_its_own_is_used_by_that_test(name: str) -> None:
    assert (CASES / name).is_dir()
    assert f'"{name}"' in (ROOT / OWN_TEST[name]).read_text(encoding="utf-8")
    assert name not in plan_cases()


def test_every_plan_case_has_its_inputs() -> None:
    for name in plan_cases():
        case = CASES / name
        assert (case / "desired.toml").exists() or (case / "case.json").exists(), name

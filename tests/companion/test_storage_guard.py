"""Token storage (SQLite, 0600, one interface) and the guard's pure decision."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from provisioner.companion.guard import Move, TaskInfo, judge, made_by_robot, stamp
from provisioner.companion.guard_io import head_of
from provisioner.kinds.companion.model import DeadlineGuard
from provisioner.companion.storage import Installation, MemoryStorage, SqliteStorage

INST = Installation("m1", "x.bitrix24.ru", "https://x.bitrix24.ru/rest/",
                    "https://oauth.bitrix.info/rest/", "app-token-1", "access-1", "refresh-1",
                    1, 100.0)


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_storage_round_trip_claims_and_reverts(tmp_path: Path, kind: str) -> None:
    storage = SqliteStorage(tmp_path / "s" / "c.sqlite3") if kind == "sqlite" else MemoryStorage()
    storage.save(INST)
    assert storage.get("m1") == INST and storage.get("m2") is None
    storage.update_tokens("m1", "access-2", "refresh-2")
    found = storage.get("m1")
    assert found is not None and (found.access_token, found.refresh_token) == (
        "access-2", "refresh-2")
    assert [storage.claim("m1", "k"), storage.claim("m1", "k"), storage.claim("m2", "k")] == [
        True, False, True]
    storage.note_revert("m1", 5, "1796108400")
    assert [storage.take_revert("m1", 5, "1796108400"),
            storage.take_revert("m1", 5, "1796108400")] == [True, False]


def test_sqlite_file_is_private_and_reprs_hold_no_token(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"")
    path.chmod(0o644)  # an older, wider file is narrowed
    storage = SqliteStorage(path)
    storage.save(INST)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for secret in ("app-token-1", "access-1", "refresh-1"):
        assert secret not in repr(INST) and secret not in repr(storage)


GUARD = DeadlineGuard(exempt=("boss@x.ru",))
ROBOT_TASK = TaskInfo(7, "t", creator=1, responsible=3, crm_bound=True)
MOVE = Move(10, 3, 10_000.0, 1_000, 2_000, "Иван")


def test_judge_puts_back_a_move_without_a_reason() -> None:
    assert judge(GUARD, ROBOT_TASK, MOVE, (), frozenset()).action == "revert"


@pytest.mark.parametrize(("comment_at", "author", "action"), [
    (10_000.0 - 14 * 60, 3, "keep"), (10_000.0 - 16 * 60, 3, "revert"),
    (10_000.0 + 30, 3, "keep"), (10_000.0 + 120, 3, "revert"), (10_000.0 - 60, 2, "revert")])
def test_a_reason_is_the_movers_comment_in_the_window(comment_at: float, author: int,
                                                      action: str) -> None:
    assert judge(GUARD, ROBOT_TASK, MOVE, ((author, comment_at),), frozenset()).action == action


def test_exempt_first_deadline_not_robot_and_switched_off_are_kept() -> None:
    assert judge(GUARD, ROBOT_TASK, MOVE, (), frozenset({3})).reason == (
        "the person who moved it is exempt")
    first = Move(10, 3, 10_000.0, None, 2_000)
    assert judge(GUARD, ROBOT_TASK, first, (), frozenset()).action == "keep"
    own = TaskInfo(7, "t", creator=3, responsible=3, crm_bound=True)
    assert not made_by_robot(own) and judge(GUARD, own, MOVE, (), frozenset()).action == "keep"
    every = DeadlineGuard(tasks="all")
    assert judge(every, own, MOVE, (), frozenset()).action == "revert"
    off = DeadlineGuard(enabled=False)
    assert judge(off, ROBOT_TASK, MOVE, (), frozenset()).action == "keep"


def test_without_reason_required_every_move_goes_back() -> None:
    strict = DeadlineGuard(reason_required=False)
    verdict = judge(strict, ROBOT_TASK, MOVE, ((3, 9_999.0),), frozenset())
    assert (verdict.action, verdict.reason) == ("revert", "deadlines may not be moved")


def test_stamp_reads_unix_times_and_iso() -> None:
    assert stamp("1796108400") == 1796108400
    assert stamp("2026-12-01T07:00:00+00:00") == 1796108400
    assert stamp("2026-12-01T10:00:00+03:00") == 1796108400
    assert [stamp(""), stamp(None), stamp("soon"), stamp(["x"])] == [None] * 4


def test_head_is_the_department_head_or_the_parents_when_the_mover_is_head() -> None:
    deps = [{"ID": "1", "UF_HEAD": "1"}, {"ID": "2", "PARENT": "1", "UF_HEAD": "2"}]
    assert head_of([{"ID": "3", "UF_DEPARTMENT": [2]}], deps, 3) == 2
    assert head_of([{"ID": "2", "UF_DEPARTMENT": [2]}], deps, 2) == 1
    assert head_of([{"ID": "1", "UF_DEPARTMENT": [1]}], deps, 1) is None
    assert head_of("junk", None, 3) is None

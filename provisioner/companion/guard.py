"""The deadline guard's decision: does a moved deadline stay or go back? Pure.

The portal tells only that a task changed (ONTASKUPDATE carries the id); `guard_io` reads the
newest DEADLINE entry of `tasks.task.history.list` (who moved it, from what, to what, when) and
the comments around it, and `judge` decides. A reason is a comment by the person who moved the
deadline, written within `reason_window_minutes` before the move (or up to a minute after, for
clocks and queues).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from provisioner.kinds.companion.model import DeadlineGuard

GRACE_AFTER = 60.0


@dataclass(frozen=True)
class Move:
    """One DEADLINE history entry; deadlines as unix times (None: no deadline)."""

    entry_id: int
    user_id: int
    at: float
    old: int | None
    new: int | None
    user_name: str = ""


@dataclass(frozen=True)
class TaskInfo:
    task_id: int
    title: str
    creator: int | None
    responsible: int | None
    crm_bound: bool  # UF_CRM_TASK names a CRM item


@dataclass(frozen=True)
class Verdict:
    action: str  # "keep" | "revert"
    reason: str


def made_by_robot(task: TaskInfo) -> bool:
    """REST has no "made by a robot" flag: a robot's task is bound to its CRM item and made in
    someone else's name (docs/portal-rules.md#tasks); a reminder a manager sets himself is not."""
    return task.crm_bound and task.creator is not None and task.creator != task.responsible


def judge(guard: DeadlineGuard, task: TaskInfo, move: Move,
          comments: tuple[tuple[int, float], ...], exempt: frozenset[int]) -> Verdict:
    """`comments` are (author id, unix time) around the move; `exempt` user ids."""
    if not guard.enabled:
        return Verdict("keep", "the guard is switched off")
    if move.old is None:
        return Verdict("keep", "a first deadline was set, nothing was moved")
    if guard.tasks == "robots" and not made_by_robot(task):
        return Verdict("keep", "not a task made by a robot")
    if move.user_id in exempt:
        return Verdict("keep", "the person who moved it is exempt")
    if guard.reason_required and _has_reason(guard, move, comments):
        return Verdict("keep", "a reason was given in a comment")
    why = "no reason was given" if guard.reason_required else "deadlines may not be moved"
    return Verdict("revert", why)


def _has_reason(guard: DeadlineGuard, move: Move,
                comments: tuple[tuple[int, float], ...]) -> bool:
    start = move.at - guard.reason_window_minutes * 60
    return any(author == move.user_id and start <= at <= move.at + GRACE_AFTER
               for author, at in comments)


def stamp(value: object) -> int | None:
    """A deadline from history (a unix time as text) or from a task (ISO 8601)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value or "").strip() if isinstance(value, (str, int)) else ""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def iso(value: int) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")


def shown(value: int | None) -> str:
    if value is None:
        return "без срока"
    return datetime.fromtimestamp(value, UTC).strftime("%d.%m.%Y %H:%M UTC")


def comment_text(move: Move) -> str:
    return (f"Крайний срок возвращён: {shown(move.old)} (был перенесён на {shown(move.new)} "
            "без причины). Чтобы перенести срок, сначала напишите в задаче комментарий с "
            "причиной, затем перенесите срок.")


def notice_text(task: TaskInfo, move: Move) -> str:
    who = move.user_name or f"Пользователь {move.user_id}"
    return (f"{who} перенёс крайний срок задачи «{task.title}» (№{task.task_id}) с "
            f"{shown(move.old)} на {shown(move.new)} без причины. Срок возвращён.")

"""Answers of the portal that kinds act on, checked where they are read (issue 14).

Every answer is untrusted input: a write's result must have the shape the docs give before a
kind reads an id from it, the rows of a filtered read must belong to the list that was asked
for before a kind deletes one of them, and a create whose key the portal does not keep unique
(a pipeline's stamp, a smart process's code) is checked against the list it wrote into (`Claim`,
run by the applier right after its batch). A check that fails raises `UntrustedAnswer`, which
names the method; the applier stops, saying what was done, what may have been, what was not.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.errors import ProvisionError

# The code as messages show it: provision's own, not a portal's, so marked as client/errors.py
# marks its CLIENT_CODES (engine/applier.py shows it too).
CODE = "MALFORMED_RESPONSE (provision's own code)"


class UntrustedAnswer(ProvisionError):
    """An answer provision cannot act on. `uncertain`: labels of writes it leaves in doubt
    (the answer to them said done, or could not be read); empty when nothing was in doubt."""

    def __init__(self, method: str, detail: str, *, uncertain: Sequence[str] = ()) -> None:
        self.method = method
        self.detail = detail
        self.uncertain = tuple(uncertain)
        super().__init__(f"{method}: {CODE}: {detail}")


def got_one(results: Mapping[str, Any], key: str, method: str, what: str, noun: str,
            wrap: str | None = None) -> Mapping[str, Any] | None:
    """The object a get answered under `key` (inside `wrap`, when its answer wraps it: `{"type":
    {...}}`), None where no get was asked. A get asked that holds no object is refused, naming
    `what` (the list read before named it): read as an object without what the get adds, the
    plan would propose what the portal has."""
    if key not in results:
        return None
    answer = results[key]
    got = answer.get(wrap, answer) if wrap and isinstance(answer, Mapping) else answer
    if not isinstance(got, Mapping):
        raise UntrustedAnswer(method, (
            f"the portal lists {what} but its get answered {shown(answer)}, no {noun}: it may "
            "have been deleted between the two reads. Run again; if it stays, the portal's "
            "answers cannot be trusted"))
    return got


def shown(value: Any, limit: int = 80) -> str:
    """An answer as JSON for a message, cut short (an answer may be huge)."""
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def dig(result: Any, path: Sequence[str]) -> Any:
    """`result[path[0]][path[1]]...`, or None where a step is missing or not a table."""
    for step in path:
        if not isinstance(result, Mapping):
            return None
        result = result.get(step)
    return result


def new_id(result: Any, path: Sequence[str], method: str, label: str) -> int:
    """The id a create answered (`{"category": {"id": 7}}`), or UntrustedAnswer: the write ran
    (it has a result) but what it made cannot be told, so its outcome is uncertain."""
    found = dig(result, path)
    if isinstance(found, bool) or not isinstance(found, int | str) or not str(found).isdigit():
        where = "][".join(path)
        raise UntrustedAnswer(method, f"the portal answered {shown(result)} for {label}: no id "
                              f"at [{where}], so what it made cannot be told", uncertain=[label])
    return int(found)


def rows_in(result: Any, list_key: str | None, method: str) -> list[Mapping[str, Any]]:
    """The rows of a list answer (`{"categories": [...]}` with `list_key`), checked: a list
    (PHP may send an object) of tables."""
    rows = result.get(list_key) if list_key and isinstance(result, Mapping) else result
    if isinstance(rows, Mapping):
        rows = list(rows.values())
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise UntrustedAnswer(method, f"the portal answered {shown(result)} where a list of "
                              "rows was expected")
    return rows


def row_id(row: Mapping[str, Any]) -> Any:
    """A row's id: `ID` (legacy methods) or `id` (D7)."""
    return row.get("ID", row.get("id"))


def rows_of_list(rows: Sequence[Mapping[str, Any]], expect: Mapping[str, Any],
                 method: str) -> list[Mapping[str, Any]]:
    """The rows, when every one belongs where the read asked (`{"ENTITY_ID": "DEAL_STAGE_7"}`:
    the fields that place a row in its list); else UntrustedAnswer naming the first stray row,
    before anything is deleted from them: a portal that ignores a filter answers rows of other
    lists, and deleting by them would delete what no plan named."""
    for row in rows:
        wrong = {k: row.get(k) for k, v in expect.items() if str(row.get(k)) != str(v)}
        if wrong:
            asked = ", ".join(f"{k} {v}" for k, v in expect.items())
            found = ", ".join(f"{k} {v}" for k, v in wrong.items())
            raise UntrustedAnswer(method, f"asked for the rows of {asked}, the portal answered "
                                  f"row {row_id(row)} of {found}: it ignored the filter, so "
                                  "nothing is deleted by this answer")
    return list(rows)


@dataclass(frozen=True)
class Claim:
    """A create whose key the portal does not keep unique, and how the applier checks it right
    after its batch: `read` is the read of the list it wrote into (method, params), which the
    batch sends after its creates, once for all the creates of that batch that name the same
    read (`provisioner.model.rounds.chunks`; `what` names the list in its label); a row matching
    every `same` field (a tuple: any of its values) and holding another id claims the same
    key. The later id removes itself (`undo`: the delete method and its params but the id):
    two applies that both created see each other, and one copy stays (each create is followed
    by a read of the list; the later create of two twins is always followed by a read that
    holds the earlier)."""

    read: tuple[str, Mapping[str, Any]]
    what: str
    list_key: str | None
    id_path: tuple[str, ...]
    same: Mapping[str, Any]
    undo: tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Verdict:
    """What the list read after a create says: `made` (the new id), `earlier` (ids of twins
    made before it: this one must go) and `later` (twins made after it: they go themselves)."""

    made: int
    earlier: tuple[int, ...] = ()
    later: tuple[int, ...] = ()


def judge(claim: Claim, result: Any, listed: Any, method: str, label: str,
          ours: Collection[int] = ()) -> Verdict:
    """The verdict on one create; UntrustedAnswer when its answer holds no id, or when the list
    read right after it does not hold that id (a write answered as done that did not run).
    `ours`: ids this apply made itself (two desired objects may share a name), never twins."""
    made = new_id(result, claim.id_path, method, label)
    rows = rows_in(listed, claim.list_key, method)
    ids = [_int(row_id(r)) for r in rows]
    if made not in ids:
        raise UntrustedAnswer(method, f"the portal answered id {made} for {label}, but the "
                              "list read right after it does not hold that id: the write was "
                              "answered as done and may not have run", uncertain=[label])
    twins = {i for r, i in zip(rows, ids, strict=True) if i is not None and i != made
             and i not in ours and all(_same(r.get(k), v) for k, v in claim.same.items())}
    return Verdict(made, tuple(sorted(i for i in twins if i < made)),
                   tuple(sorted(i for i in twins if i > made)))


def _same(value: Any, claimed: Any) -> bool:
    """A row's field holds the claimed value (one of them, for a tuple: a pipeline stamped
    by provision before or after its stages were reconciled)."""
    if isinstance(claimed, tuple):
        return any(_same(value, one) for one in claimed)
    return str(value) == str(claimed)


def _int(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None

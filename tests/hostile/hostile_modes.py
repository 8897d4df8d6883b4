"""The hostile modes: each a way a proxy, a captive portal, a load balancer or a buggy release
can answer, with the symptom the CLI must name (a regex on its `Error:` line).

`reads` says whether the mode bends the answers to reads (then every command fails at its first
read); modes that bend only write answers leave plan, export and drift as on an honest portal.
`harmless` modes bend answers in a way provision absorbs (a row listed twice, identical, or
differing only in keys no kind reads, is kept once): every command ends as on an honest portal.
`counted` modes note each answer they change (`HostilePortal.bent`), and their tests assert one
was. `xfail` names the commands whose defence does not exist yet (none left: issue 14's engine
side flipped the last ones).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hostile_portal import HostilePortal, Reply, Request

from provisioner.client.encoding import batch_command
from provisioner.client.paging import row_count
from provisioner.client.policy import is_read

HTML = (b"<!DOCTYPE html><html><head><title>Authorization</title></head><body><form>"
        b"Bitrix24 login</form></body></html>")
APPLY = ("apply", "saved")  # the commands that write
Bend = Callable[[Request, HostilePortal], Reply]


@dataclass(frozen=True)
class HostileMode:
    name: str
    bend: Bend
    says: str  # regex: the symptom on the CLI's `Error:` line, the method named
    reads: bool = True  # bends read answers (else only the answers to writes)
    tls: bool = False
    hangs: bool = False  # bounded only by the deadline
    harmless: bool = False  # absorbed: every command ends as on an honest portal
    counted: bool = False  # notes each answer it changes (`HostilePortal.bent`)
    xfail: dict[str, str] = field(default_factory=dict)  # command -> reason

    def answer(self, request: Request, portal: HostilePortal) -> Reply:
        return self.bend(request, portal)


def _each_result(reply: Reply, request: Request,
                 change: Callable[[str, str, dict[str, Any], dict[str, Any]], None]) -> Reply:
    """Rewrite a forwarded batch answer command by command: change(key, method, params, outer)
    with `outer` the batch's result object (result, result_total, result_next)."""
    if request.method != "batch" or reply.status != 200:
        return reply
    answer = reply.json()
    outer = answer["result"]
    for member in ("result", "result_total", "result_next"):
        if isinstance(outer.get(member), list):
            outer[member] = {str(i): v for i, v in enumerate(outer[member])}
    for key, method, params in request.commands:
        change(key, method, params, outer)
    return Reply.of(answer)


def _reads_only(bend: Callable[[Reply, Request], Reply]) -> Bend:
    def run(request: Request, portal: HostilePortal) -> Reply:
        reply = portal.forward(request)
        return reply if request.writes else bend(reply, request)
    return run


def _writes_only(bend: Callable[[Reply, Request], Reply]) -> Bend:
    def run(request: Request, portal: HostilePortal) -> Reply:
        reply = portal.forward(request)
        return bend(reply, request) if request.writes else reply
    return run


# -- redirects -------------------------------------------------------------------------------

def _redirect(where: Callable[[Request, HostilePortal], str]) -> Bend:
    def run(request: Request, portal: HostilePortal) -> Reply:
        return Reply(307, {"Location": where(request, portal), "Content-Length": "0"})
    return run


def _same_host(request: Request, portal: HostilePortal) -> str:
    return f"{portal.url}/rest/1/{portal.token}/moved/{request.method}.json?auth={portal.token}"


def _to_recorder(request: Request, portal: HostilePortal) -> str:
    return f"{portal.recorder_url}{request.path}"


# -- answers that are not the portal's -------------------------------------------------------

def _page(status: int) -> Bend:
    return lambda _request, _portal: Reply(status, {"Content-Type": "text/html"}, HTML)


def _truncated(request: Request, portal: HostilePortal) -> Reply:
    reply = portal.forward(request)
    return Reply(reply.status, reply.headers, reply.body[: len(reply.body) // 2])


def _deep(_request: Request, _portal: HostilePortal) -> Reply:
    return Reply(body=b'{"result": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def _slow(_request: Request, _portal: HostilePortal) -> Reply:
    return Reply(trickle=0.05)


def _silent(_request: Request, _portal: HostilePortal) -> Reply:
    return Reply(silent=True)


def _endless(_request: Request, _portal: HostilePortal) -> Reply:
    return Reply(endless=True)


# -- answers of the right envelope that lie --------------------------------------------------

def _wrong_types(reply: Reply, request: Request) -> Reply:
    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        if method == "crm.status.list" and key in outer["result"]:
            outer["result"][key] = "oops"
    return _each_result(reply, request, change)


def _duplicates(reply: Reply, request: Request) -> Reply:
    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        rows = outer["result"].get(key)
        if method == "crm.category.list" and isinstance(rows, dict):
            rows["categories"] = [*rows["categories"], *copy.deepcopy(rows["categories"])]
    return _each_result(reply, request, change)


def _contradicting(reply: Reply, request: Request) -> Reply:
    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        rows = outer["result"].get(key)
        if method == "crm.category.list" and isinstance(rows, dict):
            other = [{**row, "name": f"{row.get('name')} (2)"} for row in rows["categories"]]
            rows["categories"] = [*rows["categories"], *other]
    return _each_result(reply, request, change)


def _field_rows(edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Bend:
    """Every userfieldconfig.list answer (page) to a read that holds field rows: its rows
    replaced by `edit(rows)`, each answer it changes noted in `portal.bent`."""
    def run(request: Request, portal: HostilePortal) -> Reply:
        reply = portal.forward(request)
        if request.writes:
            return reply

        def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
            rows = outer["result"].get(key)
            if method == "userfieldconfig.list" and isinstance(rows, dict) and \
                    isinstance(rows.get("fields"), list) and rows["fields"]:
                bent = edit(copy.deepcopy(rows["fields"]))
                if bent != rows["fields"]:
                    portal.bent.append(method)
                rows["fields"] = bent
        return _each_result(reply, request, change)
    return run


def _fields_twice(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*rows, *copy.deepcopy(rows)]


def _fields_twice_unread(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The copy differs in keys no kind reads (not in the smart-process kind's `ROW_KEYS`)."""
    return [*rows, *({**row, "xmlId": f"copy-{row.get('id')}", "extra": True} for row in rows)]


def _fields_twice_relabelled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def other(label: Any) -> Any:
        if isinstance(label, dict):
            return {lang: f"{text} (2)" for lang, text in label.items()}
        return f"{label} (2)"
    return [*rows, *({**row, "editFormLabel": other(row.get("editFormLabel"))} for row in rows)]


def _unknown_category(reply: Reply, request: Request) -> Reply:
    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        rows = outer["result"].get(key)
        if method == "crm.status.list" and isinstance(rows, list) and rows:
            rows.append({**rows[0], "ID": "99001", "ENTITY_ID": "DEAL_STAGE_977",
                         "STATUS_ID": "C977:NEW", "CATEGORY_ID": "977", "NAME": "Ghost"})
    return _each_result(reply, request, change)


def _paging(total: Callable[[int], Any], nxt: Callable[[int], Any], *,
            first_only: bool = False) -> Callable[[Reply, Request], Reply]:
    """Lists that could page (up to 50 rows) say `total(start)` and `next(start)`; with
    `first_only`, only their first page, and only when it holds rows."""
    def bend(reply: Reply, request: Request) -> Reply:
        def change(key: str, method: str, params: dict[str, Any], outer: dict[str, Any]) -> None:
            start = int(params.get("start") or 0)
            rows = row_count(outer["result"].get(key))
            if not method.endswith((".list", ".get")) or rows is None or rows > 50:
                return
            if first_only and (start or not rows):
                return
            outer["result_total"][key] = total(start)
            outer["result_next"][key] = nxt(start)
        return _each_result(reply, request, change)
    return bend


# -- writes that lie -------------------------------------------------------------------------

def _fake(method: str, index: int) -> Any:
    if method == "crm.category.add":
        return {"category": {"id": 900 + index, "name": "fake"}}
    if method.endswith(".add"):
        return 90_000 + index
    return [] if is_read(method) else True


def _dropped(request: Request, portal: HostilePortal) -> Reply:
    """A write batch answered as if it ran, and not run."""
    if not request.writes:
        return portal.forward(request)
    results = {key: _fake(method, i) for i, (key, method, _) in enumerate(request.commands)}
    return Reply.of({"result": {"result": results, "result_error": [], "result_total": [],
                                "result_next": [], "result_time": []}, "time": {}})


def _unfiltered(request: Request, portal: HostilePortal) -> Reply:
    """Every command runs without its `filter`."""
    if request.method != "batch":
        params = {k: v for k, v in request.params.items() if k != "filter"}
        return portal.forward(request, json.dumps(params).encode())
    body = dict(request.params)
    body["cmd"] = {key: batch_command(method, {k: v for k, v in params.items() if k != "filter"})
                   for key, method, params in request.commands}
    return portal.forward(request, json.dumps(body).encode())


def _category_id_null(reply: Reply, request: Request) -> Reply:
    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        if method == "crm.category.add" and key in outer["result"]:
            outer["result"][key] = {"category": {"id": None}}
    return _each_result(reply, request, change)


def _missing_key(reply: Reply, request: Request) -> Reply:
    dropped: list[str] = []

    def change(key: str, method: str, _params: dict[str, Any], outer: dict[str, Any]) -> None:
        if not dropped and not is_read(method) and key in outer["result"]:
            del outer["result"][key]
            dropped.append(key)
    return _each_result(reply, request, change)


def _empty_result(reply: Reply, request: Request) -> Reply:
    if request.method != "batch" or reply.status != 200:
        return reply
    answer = reply.json()
    answer["result"]["result"] = []
    return Reply.of(answer)


LIST_FAILS = r"^Error: [a-z.]+: MALFORMED_RESPONSE \(provision's own code\): "
MODES = [
    HostileMode("redirect-same-host", _redirect(_same_host),
                r"^Error: batch: REDIRECT_REFUSED \(provision's own code\): the portal answered HTTP 307, a redirect to "
                r"http://127\.0\.0\.1:\d+; provision follows no redirect"),
    HostileMode("redirect-other-host", _redirect(_to_recorder),
                r"^Error: batch: REDIRECT_REFUSED \(provision's own code\): the portal answered HTTP 307, a redirect to "
                r"http://127\.0\.0\.[12]:\d+; "),
    HostileMode("redirect-https-to-http", _redirect(_to_recorder),
                r"^Error: batch: REDIRECT_REFUSED \(provision's own code\): the portal answered HTTP 307, a redirect to "
                r"http://127\.0\.0\.[12]:\d+; ", tls=True),
    HostileMode("html-200", _page(200),
                r"^Error: batch: MALFORMED_RESPONSE \(provision's own code\): the portal answered an HTML page instead "
                r"of JSON \(a proxy, login or maintenance page\?\) \(HTTP 200\)$"),
    HostileMode("html-502", _page(502),
                r"^Error: batch: HTTP_502 \(provision's own code\): the portal answered an HTML page instead of JSON "),
    HostileMode("truncated-json", _truncated,
                r"^Error: batch: MALFORMED_RESPONSE \(provision's own code\): the portal answered invalid or truncated "
                r"JSON \(\d+ bytes\) \(HTTP 200\)$"),
    HostileMode("deep-json", _deep,
                r"^Error: batch: MALFORMED_RESPONSE \(provision's own code\): the portal answered JSON nested too deeply "
                r"to read \(200012 bytes\) \(HTTP 200\)$"),
    HostileMode("wrong-types", _reads_only(_wrong_types),
                r"^Error: crm\.status\.list: MALFORMED_RESPONSE \(provision's own code\): the portal answered a string "
                r"where a list of rows was expected$"),
    HostileMode("duplicate-rows", _reads_only(_duplicates), "", harmless=True),
    HostileMode("contradicting-rows", _reads_only(_contradicting),
                r"^Error: crm\.category\.list: MALFORMED_RESPONSE \(provision's own code\): the portal lists the row "
                r"with id \d+ twice, with different content \(name differ\): a list provision "
                r"cannot act on$"),
    # userfieldconfig.list, the smart processes' fields (a page of a paged list, trimmed to the
    # keys the kind reads before it is de-duplicated): the CLI tests seed a smart process with
    # two fields, so these modes bite (counted: each test asserts an answer was changed).
    HostileMode("duplicate-field-rows", _field_rows(_fields_twice), "", harmless=True,
                counted=True),
    HostileMode("field-rows-differ-unread", _field_rows(_fields_twice_unread), "",
                harmless=True, counted=True),
    HostileMode("contradicting-field-rows", _field_rows(_fields_twice_relabelled),
                r"^Error: userfieldconfig\.list: MALFORMED_RESPONSE \(provision's own code\): the portal "
                r"lists the row with id 1 twice, with different content \(editFormLabel differ\): "
                r"a list provision cannot act on$", counted=True),
    HostileMode("unknown-categories", _reads_only(_unknown_category),
                r"^Error: crm\.status\.list: MALFORMED_RESPONSE \(provision's own code\): the portal lists stages of "
                r"list DEAL_STAGE_977 \(row 99001\), but crm\.category\.list lists no deal "
                r"pipeline 977: run again"),
    HostileMode("oversize", _endless,
                r"^Error: batch: ANSWER_TOO_LARGE \(provision's own code\): the answer ran past 33554432 bytes, more "
                r"than provision reads from one answer \(32 MiB\); reading stopped; a portal this large "
                r"needs a higher limit: set PROVISION_MAX_ANSWER_BYTES to a number of bytes above "
                r"33554432$"),
    HostileMode("slow-trickle", _slow,
                r"^Error: batch: COMMAND_DEADLINE \(provision's own code\): the command's deadline of [\d.]+ s "
                r"\(PROVISION_DEADLINE\) passed after 1 request, .*DEADLINE_EXCEEDED \(provision's own code\): only \d+ "
                r"bytes of the answer", hangs=True),
    HostileMode("never-answers", _silent,
                r"^Error: batch: COMMAND_DEADLINE \(provision's own code\): the command's deadline of [\d.]+ s "
                r"\(PROVISION_DEADLINE\) passed after 1 request, .*DEADLINE_EXCEEDED \(provision's own code\): no answer "
                r"within", hangs=True),
    HostileMode("lying-total",
                _reads_only(_paging(lambda _s: 10**12, lambda s: s + 50, first_only=True)),
                LIST_FAILS + r"the list said total=1000000000000, but its page at start=50 "
                             r"holds \d+ rows instead of 50 \(a total no page bears out"),
    HostileMode("endless-next", _reads_only(_paging(lambda s: s + 100, lambda s: s + 50)),
                LIST_FAILS + r"a page with no rows says more follow \(next=50 after start=0\)"),
    HostileMode("stalled-next", _reads_only(_paging(lambda _s: 10**6, lambda s: s)),
                LIST_FAILS + r"paging does not advance \(next=0 after start=0\)"),
    HostileMode("next-not-a-number", _reads_only(_paging(lambda _s: 10**6, lambda _s: "more")),
                LIST_FAILS + r"result_next of command '\w+' is 'more', not a count of rows"),
    HostileMode("silent-write-drops", _dropped,
                r"^Error: crm\.category\.add: MALFORMED_RESPONSE \(provision's own code\): the portal answered id 900 "
                r"for \+ deal\.pipeline\[hr\], but the list read right after it does not hold "
                r"that id: the write was answered as done and may not have run$", reads=False),
    # Harmless since issue 18 (apply4): on a portal this small, the stages a new pipeline comes
    # with are read from the whole status list (no filter to ignore) and only its own rows are
    # taken; the refusal of a filtered read that answers other lists' rows ("it ignored the
    # filter, so nothing is deleted by this answer") is tested where that read is made, on a
    # portal too large to read whole (tests/distrust/test_deletes.py).
    HostileMode("filters-ignored", _unfiltered, "", reads=False, harmless=True),
    HostileMode("write-category-id-null", _writes_only(_category_id_null),
                r'^Error: crm\.category\.add: MALFORMED_RESPONSE \(provision\'s own code\): the portal answered '
                r'\{"category": \{"id": null\}\} for \+ deal\.pipeline\[hr\]: no id at '
                r'\[category\]\[id\], so what it made cannot be told$', reads=False),
    HostileMode("write-missing-batch-key", _writes_only(_missing_key),
                r"^Error: crm\.category\.add: MALFORMED_RESPONSE \(provision's own code\): the batch answer has neither "
                r"a result nor an error for command 'new_hr'$", reads=False),
    HostileMode("write-empty-result", _writes_only(_empty_result),
                r"^Error: crm\.category\.add: MALFORMED_RESPONSE \(provision's own code\): the batch answer has neither "
                r"a result nor an error for command 'new_hr'$", reads=False),
]
BY_NAME = {mode.name: mode for mode in MODES}

"""The companion's HTTP surface (WSGI): the install callback, events and the call-card tab.

POST /install and /event: form-encoded, as the portal posts events (api-reference/events/
index.md); every event but the install must carry the installed portal's `application_token`
(api-reference/events/safe-event-handlers.md). POST /call-card: the CALL_CARD widget
(api-reference/widgets/telephony/call-card.md), accepted only for an installed portal, its domain, its application token, and an
AUTH_ID that portal confirms. GET /healthz. Bad input gets a 4xx and a short answer; a token
never reaches a log line or an answer.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from provisioner.client import BitrixAPIError
from provisioner.client.redact import redact
from provisioner.companion import guard_io, page
from provisioner.companion.config import CompanionConfig
from provisioner.companion.phone import normalize
from provisioner.companion.portal import Portals, Refused, ensure_bindings, origin
from provisioner.companion.reader import read_facts
from provisioner.companion.rules import decide
from provisioner.companion.storage import Installation

log = logging.getLogger("provisioner.companion")
MAX_BODY = 64 * 1024
MAX_FIELDS = 300
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
STATUS = {200: "200 OK", 400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found",
          405: "405 Method Not Allowed", 413: "413 Content Too Large",
          500: "500 Internal Server Error", 502: "502 Bad Gateway"}


class BadRequest(Exception):
    """Input the app refuses: (status, safe text)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


def _json(code: int, **data: Any) -> Answer:
    return Answer(code, json.dumps(data, ensure_ascii=False))


class CompanionApp:
    """The WSGI application; `config` holds the rules and the guard, `portals` the tokens."""

    def __init__(self, config: CompanionConfig, portals: Portals) -> None:
        self.config = config
        self.portals = portals
        self.storage = portals.storage

    def __call__(self, environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        answer = self._answer(environ)
        data = answer.body.encode("utf-8")
        headers = [("Content-Type", answer.content_type), ("Content-Length", str(len(data))),
                   ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                   ("Referrer-Policy", "no-referrer"), *answer.headers]
        start(STATUS.get(answer.status, f"{answer.status} Error"), headers)
        return [data]

    def _answer(self, environ: dict[str, Any]) -> Answer:
        path = str(environ.get("PATH_INFO") or "/").rstrip("/") or "/"
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        routes = {"/install": self._event, "/event": self._event, "/call-card": self._card}
        if path == "/healthz" and method == "GET":
            return Answer(200, "ok", "text/plain; charset=utf-8")
        if path not in routes:
            return _json(404, error="not found")
        if method != "POST":
            return _json(405, error="POST only")
        try:
            form = read_form(environ)
            return routes[path](form, parse_qsl(str(environ.get("QUERY_STRING") or "")))
        except BadRequest as exc:
            log.warning("refused %s: %s", path, exc.text)
            if path == "/call-card":
                frames = " ".join(origin(p) for p in self.portals.settings.portals)
                return _page(exc.status, page.message_page(exc.text), frames or None)
            return _json(exc.status, error=exc.text)
        except BitrixAPIError as exc:
            log.error("%s: the portal answered %s", path, redact(str(exc)))
            return _json(502, error="the portal refused a request of the app")
        except Exception:  # never a traceback to the caller; the log has it, tokens redacted
            log.exception("%s failed", path)
            return _json(500, error="internal error")

    # ---- events --------------------------------------------------------------------------

    def _event(self, form: dict[str, str], _query: list[tuple[str, str]]) -> Answer:
        event = form.get("event", "").upper()
        auth = {k[5:-1]: v for k, v in form.items() if k.startswith("auth[") and k.endswith("]")}
        if event == "ONAPPINSTALL":
            return self._install(auth)
        if not event:
            raise BadRequest(400, "not an event: no `event`")
        inst = self._installed(auth.get("member_id", ""), auth.get("application_token", ""))
        if event != "ONTASKUPDATE":
            return _json(200, status="ignored", reason=f"{event} is not handled")
        guard = self.config.deadline_guard
        if guard is None or not guard.enabled:
            return _json(200, status="ignored", reason="the deadline guard is off")
        task_id = form.get("data[FIELDS_AFTER][ID]", "")
        if not task_id.isdigit() or int(task_id) <= 0:
            raise BadRequest(400, "ONTASKUPDATE without a task id")
        outcome = guard_io.handle_task_update(self.portals.client(inst), self.storage, inst,
                                              guard, int(task_id))
        return _json(200, status=outcome.action, reason=outcome.reason, task=outcome.task_id)

    def _install(self, auth: dict[str, str]) -> Answer:
        try:
            inst = self.portals.install(auth)
        except Refused as exc:
            raise BadRequest(403, f"install refused: {exc}") from None
        bound: list[str] = []
        if self.portals.settings.public_url:
            card = self.config.call_card
            guard = self.config.deadline_guard
            bound = ensure_bindings(self.portals.client(inst), self.portals.settings.public_url,
                                    card.title if card else "", card is not None,
                                    guard is not None and guard.enabled)
        log.info("installed on %s (member %s); bound: %s", inst.domain, inst.member_id,
                 ", ".join(bound) or "nothing")
        return _json(200, status="installed", bound=bound)

    def _installed(self, member_id: str, token: str) -> Installation:
        inst = self.storage.get(member_id) if member_id else None
        if inst is None:
            raise BadRequest(403, "unknown portal: the app is not installed there")
        if not token or not hmac.compare_digest(token.encode(), inst.application_token.encode()):
            raise BadRequest(403, "wrong application_token")
        return inst

    # ---- the call-card tab -----------------------------------------------------------------

    def _card(self, form: dict[str, str], query: list[tuple[str, str]]) -> Answer:
        if form.get("PLACEMENT") != "CALL_CARD":
            raise BadRequest(400, "Это не вкладка карточки звонка")
        inst = self._installed(form.get("member_id", ""), form.get("APPLICATION_TOKEN", ""))
        domain = dict(query).get("DOMAIN")
        if domain is not None and domain.lower() != inst.domain.lower():
            raise BadRequest(403, "Запрос пришёл не с того портала")
        caller = self._caller(inst, form.get("AUTH_ID", ""))
        frame = origin(inst.client_endpoint)
        options = _options(form.get("PLACEMENT_OPTIONS"))
        if "PHONE_NUMBER" not in options:
            return _page(200, page.message_page("Номер клиента неизвестен"), frame)
        phone = normalize(options["PHONE_NUMBER"])
        if phone is None:
            return _page(200, page.message_page("Номер не распознан",
                                                "Проверьте номер в карточке звонка."), frame)
        card = self.config.call_card
        if card is None:
            return _page(200, page.message_page("Правила карточки звонка не настроены"), frame)
        client = self.portals.client(inst)
        decision = decide(card, read_facts(client, phone, card), caller)
        shown = page.Shown(decision, phone.number, _name(client, decision),
                           self._status_label(decision))
        return _page(200, page.render(shown), frame)

    def _caller(self, inst: Installation, auth_id: str) -> int:
        if not auth_id:
            raise BadRequest(403, "Нет данных входа в Битрикс24")
        try:
            return self.portals.caller(inst, auth_id)
        except Refused as exc:
            raise BadRequest(403, f"Битрикс24 не подтвердил вход: {exc}") from None

    def _status_label(self, decision: Any) -> str:
        candidate = decision.candidate
        if candidate is None or candidate.status is None:
            return ""
        return self.config.status_label(candidate.status)


def _page(status: int, html: str, frame: str | None) -> Answer:
    return Answer(status, html, "text/html; charset=utf-8",
                  (("Content-Security-Policy", page.csp(frame)),))


def _options(raw: str | None) -> dict[str, Any]:
    """PLACEMENT_OPTIONS: a JSON object (api-reference/widgets/telephony/call-card.md); anything else is refused."""
    try:
        value = json.loads(raw or "")
    except (ValueError, RecursionError):
        raise BadRequest(400, "Данные звонка не читаются (PLACEMENT_OPTIONS)") from None
    if not isinstance(value, dict):
        raise BadRequest(400, "Данные звонка не читаются (PLACEMENT_OPTIONS)")
    return value


def _name(client: Any, decision: Any) -> str:
    who = decision.candidate.responsible if decision.candidate is not None else None
    if not who:
        return ""
    rows = client.call("user.get", {"FILTER": {"ID": who}}).result
    row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
    return " ".join(str(row.get(k) or "") for k in ("NAME", "LAST_NAME")).strip() or f"#{who}"


def read_form(environ: dict[str, Any]) -> dict[str, str]:
    """A bounded form body as flat keys (`auth[member_id]`); the first value of a key wins."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest(400, "bad Content-Length") from None
    if length > MAX_BODY:
        raise BadRequest(413, "request too large")
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "the body is not a form") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form

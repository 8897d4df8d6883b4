"""One HTTP exchange with the portal and the reading of its answer into a Response or an error.

Every failure leaves here as a typed BitrixAPIError whose texts are already redacted. Network
exceptions are not chained: their messages carry the request URL, and so the webhook code.
Every answer is untrusted: no redirect is followed (a 307 to another host, or from https to
http, would carry the webhook code or the OAuth token there), each exchange has a total deadline
and a size limit (exchange.py), and a body that is not a JSON object is a typed error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

import msgspec
import requests

from provisioner.client import errors
from provisioner.client.exchange import Answer, Expired, TooLarge, exchange
from provisioner.client.models import ClientStats, Response
from provisioner.client.network import origin, unreachable
from provisioner.client.redact import redact

USER_AGENT = "provision/0.1"
# The largest answer the engine asks for: a batch of 50 list pages of 50 rows (2,500 rows);
# the widest rows (userfieldconfig.list with settings and labels in 5 languages, crm.type.list)
# are 2-4 KB, so about 10 MB; crm.status.list answers every status of the portal at once
# (6,000 rows of 400 B on a portal with 200 pipelines: 2.4 MB). 32 MiB is three times that.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
ANSWER_ENV = "PROVISION_MAX_ANSWER_BYTES"  # a safeguard, not a ceiling: a larger portal raises it
SOCKET_SLACK = 1.0  # seconds


class Transport:
    """Sends JSON POSTs (and the OAuth GET) through a requests session and decodes the answer.

    `seconds()` gives the deadline of the next exchange (the client's request deadline, or what
    is left of its command deadline); `credential` (webhook or app) shapes scope hints.
    """

    def __init__(self, session: requests.Session, *, connect: float,
                 seconds: Callable[[], float], verify: bool,
                 secrets: Callable[[], Iterable[str]], stats: ClientStats,
                 credential: str = "webhook", max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.session = session
        self.connect = connect
        self.seconds = seconds
        self.verify = verify
        self.credential = credential
        self.max_bytes = max_bytes
        self._secrets = secrets
        self._stats = stats

    def post(self, url: str, body: Mapping[str, Any], *, method: str, write: bool,
             members: bool = False) -> Response:
        """POST `body` as JSON to `url`; return the envelope or raise the typed error.
        `members`: a batch's answer, its commands' results left undecoded where its envelope is
        as documented (`decode_batch`: `BitrixClient.batch` decodes them)."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        answer = self._send(lambda timeout: self.session.post(
            url, json=body, headers=headers, timeout=timeout, verify=self.verify,
            allow_redirects=False, stream=True), url, method=method, write=write)
        try:
            return envelope(self.decode(answer, method=method, write=write, members=members),
                            method=method, status=answer.status, secrets=self._secrets(),
                            credential=self.credential)
        except errors.ServerError as exc:
            exc.maybe_committed = write  # the portal failed while (maybe) applying the write
            raise

    def get_json(self, url: str, params: Mapping[str, str], *,
                 method: str) -> tuple[int, dict[str, Any]]:
        """GET `url?params`: the HTTP status and the JSON object (for the OAuth token refresh)."""
        answer = self._send(lambda timeout: self.session.get(
            url, params=dict(params), headers={"Accept": "application/json"},
            timeout=timeout, verify=self.verify, allow_redirects=False, stream=True),
            url, method=method, write=False)
        return answer.status, self.decode(answer, method=method, write=False)

    def _send(self, do: Callable[[tuple[float, float]], requests.Response], url: str, *,
              method: str, write: bool) -> Answer:
        seconds = self.seconds()
        self._stats.requests += 1
        self._stats.writes += write
        # The socket's own timeouts stay a little past the deadline, so that the deadline,
        # which names what came in time, is what ends a silent exchange.
        sockets = (min(self.connect, seconds) + SOCKET_SLACK, seconds + SOCKET_SLACK)
        try:
            answer = exchange(lambda: do(sockets), seconds=seconds, max_bytes=self.max_bytes)
        except Expired as exc:
            raise _expired(exc, method=method, write=write) from None
        except TooLarge as exc:
            raise _too_large(exc, self.max_bytes, method=method, write=write) from None
        except requests.RequestException as exc:
            raise self._transport_error(exc, url, method=method, write=write) from None
        self._stats.writes_answered += write
        if 300 <= answer.status < 400:
            raise _redirect(answer, url, method=method, write=write)
        return answer

    def _transport_error(self, exc: requests.RequestException, url: str, *, method: str,
                         write: bool) -> errors.TransportError:
        named = unreachable(exc, url, method=method)
        if named is not None:
            return named  # nothing was sent: never maybe committed
        # A refused connection never reached the portal; anything later may have been applied.
        reached = not isinstance(exc, requests.ConnectTimeout)
        kind = "timed out" if isinstance(exc, requests.Timeout) else "failed"
        text = redact(str(exc), self._secrets())[:300]
        error = errors.TransportError(
            "TRANSPORT_ERROR", f"request {kind}: {type(exc).__name__}: {text}", method=method,
            maybe_committed=write and reached)
        error.timed_out = isinstance(exc, requests.Timeout)
        return error

    def decode(self, answer: Answer, *, method: str, write: bool,
               members: bool = False) -> dict[str, Any]:
        """The body as a JSON object; HTML, truncated JSON or a non-object become typed errors.
        `members`: a batch's, as `decode_batch` reads it."""
        status = answer.status
        try:  # JSON is UTF-8; do not let requests guess
            body = decode_batch(answer.content) if members else decode_json(answer.content)
        except ValueError:
            raise _undecodable(answer.content, status, method=method, write=write) from None
        except RecursionError:
            raise errors.MalformedResponse(
                "MALFORMED_RESPONSE", f"the portal answered JSON nested too deeply to read "
                f"({len(answer.content)} bytes)", status=status, method=method,
                maybe_committed=write) from None
        if not isinstance(body, dict):
            raise errors.MalformedResponse(
                "MALFORMED_RESPONSE",
                f"the portal answered a JSON {type(body).__name__} instead of an object",
                status=status, method=method, maybe_committed=write)
        return body


_MSGSPEC = msgspec.json.Decoder()


def decode_json(content: bytes | msgspec.Raw) -> Any:
    """`json.loads(content)`, twice as fast: msgspec reads every answer it can, into the values
    json reads (integers past 64 bits exactly, as json, where orjson makes them floats); what
    it refuses and json reads (NaN, 1e400 as inf, a lone surrogate, UTF-16 or a byte-order
    mark) json reads, and what both refuse raises json's error. 1.9 s of an L100 plan's
    22 s of CPU was decoding answers (docs/benchmarks.md)."""
    try:
        return _MSGSPEC.decode(content)
    except msgspec.DecodeError:
        return json.loads(bytes(content))  # a batch member's msgspec.Raw too


class _Members(msgspec.Struct, forbid_unknown_fields=True):
    """A batch answer's `result` as documented (settings/how-to-call-rest-api/batch.md:
    `result`, `result_error`, `result_total`, `result_next`, `result_time`, each `[]` when
    empty; docs/portal-rules.md#batch): its commands' results by key (a list when PHP keyed
    them 0..n-1), each left as its JSON text."""

    result: dict[str, msgspec.Raw] | list[msgspec.Raw]
    result_error: Any = msgspec.UNSET
    result_total: Any = msgspec.UNSET
    result_next: Any = msgspec.UNSET
    result_time: Any = msgspec.UNSET


class _BatchBody(msgspec.Struct, forbid_unknown_fields=True):
    result: _Members
    time: Any = msgspec.UNSET


_BATCH = msgspec.json.Decoder(_BatchBody)
_MEMBERS = tuple(f for f in _Members.__struct_fields__ if f != "result")


def decode_batch(content: bytes) -> Any:
    """A batch answer as `decode_json` reads it, but for its commands' results: each is left
    as its JSON text (`msgspec.Raw`), for `BitrixClient.batch` to decode, a list's rows with
    only the keys its reader keeps (`batch.Rows`) where it asks. A body of any other shape
    (an error, a key the docs do not name, what msgspec refuses) is read whole, as
    `decode_json` reads it."""
    try:
        body = _BATCH.decode(content)
    except msgspec.DecodeError:  # ValidationError too: another shape
        return decode_json(content)
    members: dict[str, Any] = {"result": body.result.result}
    for name in _MEMBERS:
        value = getattr(body.result, name)
        if value is not msgspec.UNSET:
            members[name] = value
    return {"result": members} if body.time is msgspec.UNSET else \
        {"result": members, "time": body.time}


def _expired(exc: Expired, *, method: str, write: bool) -> errors.DeadlineExceeded:
    if not exc.headers:
        what = "no answer"
    elif exc.received:
        what = (f"only {exc.received} bytes of the answer (a portal or proxy that sends its "
                "answer slowly)")
    else:
        what = "the answer's headers but no body"
    return errors.DeadlineExceeded(
        "DEADLINE_EXCEEDED", f"{what} within the request's deadline of {exc.seconds:.3g} s",
        method=method, maybe_committed=write)


def _too_large(exc: TooLarge, limit: int, *, method: str,
               write: bool) -> errors.AnswerTooLarge:
    mib = 1024 * 1024
    most = f"{limit / mib:.3g} MiB" if limit >= mib else f"{limit} bytes"
    seen = f"announced {exc.seen} bytes" if exc.announced else f"ran past {limit} bytes"
    return errors.AnswerTooLarge(
        "ANSWER_TOO_LARGE", f"the answer {seen}, more than provision reads from one answer "
        f"({most}); reading stopped", method=method, maybe_committed=write,
        hint=f"a portal this large needs a higher limit: set {ANSWER_ENV} to a number of "
             f"bytes above {limit}")


def answer_limit(env: Mapping[str, str]) -> int:
    """The largest answer read: MAX_ANSWER_BYTES, or PROVISION_MAX_ANSWER_BYTES when set."""
    raw = env.get(ANSWER_ENV, "").strip()
    if not raw:
        return MAX_ANSWER_BYTES
    if not raw.isdigit() or int(raw) < 1024:
        raise errors.ClientConfigError(
            f"{ANSWER_ENV} must be a number of bytes, at least 1024 (e.g. {2 * MAX_ANSWER_BYTES}"
            f" for 64 MiB); got {raw[:40]!r}")
    return int(raw)


def _redirect(answer: Answer, url: str, *, method: str, write: bool) -> errors.RedirectRefused:
    location = next((v for k, v in answer.headers.items() if k.lower() == "location"), "")
    # Only the scheme, host and port: the path or query of a Location may carry a token.
    where = f"to {origin(urljoin(url, location))}" if location else "without a Location"
    return errors.RedirectRefused(
        "REDIRECT_REFUSED",
        f"the portal answered HTTP {answer.status}, a redirect {where}; provision follows no "
        "redirect (it would carry the webhook code or token along): use the address the portal "
        "answers at in the webhook URL or portals.toml",
        status=answer.status, method=method, maybe_committed=write)


def _undecodable(content: bytes, status: int, *, method: str,
                 write: bool) -> errors.BitrixAPIError:
    what = _describe(content)
    if status >= 500:
        return errors.ServerError(f"HTTP_{status}", f"the portal answered {what}",
                                  status=status, method=method, maybe_committed=write)
    return errors.MalformedResponse("MALFORMED_RESPONSE", f"the portal answered {what}",
                                    status=status, method=method, maybe_committed=write)


def _describe(content: bytes) -> str:
    # Only the shape is described: the body itself may echo request parameters.
    stripped = content.lstrip()
    if not stripped:
        return "an empty body instead of JSON"
    if stripped.startswith(b"<"):
        return "an HTML page instead of JSON (a proxy, login or maintenance page?)"
    if stripped[:1] in (b"{", b"["):
        return f"invalid or truncated JSON ({len(content)} bytes)"
    return "a body that is not JSON"


def envelope(body: Mapping[str, Any], *, method: str, status: int,
             secrets: Iterable[str] = (), credential: str = "webhook") -> Response:
    """Turn a decoded body into a Response, or raise the error it carries."""
    if "error" in body:
        raise errors.from_body(body, method=method, status=status, secrets=secrets,
                               credential=credential)
    if "result" not in body:
        raise errors.MalformedResponse("MALFORMED_RESPONSE",
                                       "the portal answered JSON without 'result' or 'error'",
                                       status=status, method=method)
    time_block = body.get("time")
    return Response(result=body["result"], total=count(body, "total", method=method),
                    next=count(body, "next", method=method),
                    time=time_block if isinstance(time_block, Mapping) else None)


def count(body: Mapping[str, Any], key: str, *, method: str) -> int | None:
    """`total` / `next` of a list answer: absent, or a whole number >= 0 (legacy methods send
    it as a string). Anything else is a lie about paging, never read as "no more pages"."""
    value = body.get(key)
    number = as_int(value)
    if value is not None and (number is None or number < 0):
        shown = json.dumps(value, ensure_ascii=False, default=str)[:40]
        raise errors.MalformedResponse(
            "MALFORMED_RESPONSE", f"the portal answered {key}={shown}, not a count of rows",
            method=method)
    return number


def as_int(value: Any) -> int | None:
    """Legacy methods send numbers as strings; anything unreadable is treated as absent."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

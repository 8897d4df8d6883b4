"""BitrixClient: calls, paging, batch, rate limiting, retries and token refresh in one place.

Retries (docs/portal-rules.md#errors, #limits): QUERY_LIMIT_EXCEEDED always (the portal refused before
running anything), with exponential back-off and jitter; OPERATION_TIME_LIMIT by waiting until
its reset time when that is known and within `RetryPolicy.max_operation_wait`; 5xx and network
faults for reads only (a timeout once); DNS, TLS and refused connections never. A write that may
have been applied is raised with `maybe_committed=True` so the caller reads back before
deciding. `expired_token` refreshes the OAuth pair once. Every request has a total deadline and
the client a command deadline (deadline.py), after which it sends nothing more.
"""

from __future__ import annotations

import os
from dataclasses import replace
import random
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, Unpack

import requests

from provisioner.client import batch as batching
from provisioner.client import deadline, errors
from provisioner.client.auth import OAUTH_TOKEN_URL, Auth, OAuthAuth, TokenCallback, WebhookAuth
from provisioner.client.deadline import CommandBudget, Deadlines
from provisioner.client.models import BatchResult, ClientStats, OAuthTokens, Response
from provisioner.client.paging import MAX_PAGES, PageGuard
from provisioner.client.policy import RetryPolicy, all_reads, is_read
from provisioner.client.ratelimit import Clock, LeakyBucket, RateLimit, Sleep
from provisioner.client.redact import client_logger
from provisioner.client.transport import Transport, answer_limit, as_int
from provisioner.client.urls import check_method, parse_webhook_url

log = client_logger()
DEFAULT_RATE = RateLimit()
DEFAULT_RETRY = RetryPolicy()


class InsecureTLSWarning(UserWarning):
    """TLS certificate verification was switched off with insecure=True."""


class ClientOptions(TypedDict, total=False):
    """Keyword options shared by the constructors (see BitrixClient.__init__)."""

    clock: Clock
    sleep: Sleep
    now: Clock
    rng: random.Random | None
    retry: RetryPolicy
    deadlines: Deadlines | None
    max_answer_bytes: int
    insecure: bool


class BitrixClient:
    """A Bitrix24 REST client; build it with `from_webhook` or `from_oauth`."""

    max_pages = MAX_PAGES  # the longest list list_all follows (paging.py)

    def __init__(self, auth: Auth, *, session: requests.Session | None = None,
                 rate: RateLimit = DEFAULT_RATE, clock: Clock | None = None,
                 sleep: Sleep | None = None, now: Clock | None = None,
                 rng: random.Random | None = None, retry: RetryPolicy = DEFAULT_RETRY,
                 deadlines: Deadlines | None = None,
                 max_answer_bytes: int | None = None, insecure: bool = False) -> None:
        """Prefer the constructors; `clock`/`sleep` drive the bucket, the waits and the command
        deadline (default: `deadline.SYSTEM`), `now` is unix time (for OPERATION_TIME_LIMIT
        resets), `rng` the back-off jitter. `deadlines` default to `Deadlines.from_env()`
        (PROVISION_DEADLINE); the command deadline runs from here. `max_answer_bytes` defaults
        to PROVISION_MAX_ANSWER_BYTES, else 32 MiB."""
        if insecure:
            warnings.warn("TLS certificate verification is off (insecure=True); use this only "
                          "against a portal you trust on a network you trust",
                          InsecureTLSWarning, stacklevel=3)
        timing = deadline.SYSTEM
        clock = clock or timing.clock
        self._auth = auth
        self.stats = ClientStats()
        self.bucket = LeakyBucket(rate, clock, sleep or timing.sleep)
        self.retry = retry
        self.deadlines = deadlines or Deadlines.from_env()
        self.budget = CommandBudget(self.deadlines.command, clock)
        self._sleep = sleep or timing.sleep
        self._now = now or timing.now
        self._rng = rng if rng is not None else random.Random()
        self._resets: dict[str, float] = {}  # method -> last `time.operating_reset_at` seen
        self.transport = Transport(
            session or requests.Session(), connect=self.deadlines.connect,
            seconds=lambda: self.budget.request_seconds(self.deadlines), verify=not insecure,
            secrets=auth.secrets, stats=self.stats, credential=auth.credential,
            max_bytes=max_answer_bytes if max_answer_bytes is not None
            else answer_limit(os.environ))

    @classmethod
    def from_webhook(cls, url: str, session: requests.Session | None = None,
                     rate: RateLimit = DEFAULT_RATE,
                     **options: Unpack[ClientOptions]) -> BitrixClient:
        """A client for an incoming webhook `https://<portal>/rest/<user>/<code>/`."""
        return cls(WebhookAuth(parse_webhook_url(url)), session=session, rate=rate, **options)

    @classmethod
    def from_oauth(cls, endpoint: str, access_token: str, refresh_token: str, client_id: str,
                   client_secret: str, session: requests.Session | None = None,
                   on_tokens: TokenCallback | None = None, *, token_url: str = OAUTH_TOKEN_URL,
                   rate: RateLimit = DEFAULT_RATE,
                   **options: Unpack[ClientOptions]) -> BitrixClient:
        """A client for an OAuth application; `on_tokens` receives every rotated pair."""
        tokens = OAuthTokens(access_token=access_token, refresh_token=refresh_token)
        auth = OAuthAuth(endpoint, tokens, client_id, client_secret, on_tokens, token_url)
        return cls(auth, session=session, rate=rate, **options)

    @property
    def max_answer_bytes(self) -> int:
        """The most it reads from one answer (the engine sizes its read batches by it)."""
        return self.transport.max_bytes

    def __repr__(self) -> str:
        return f"BitrixClient({self._auth!r})"

    __str__ = __repr__

    # -- calls -----------------------------------------------------------------------------

    def call(self, method: str, params: Mapping[str, Any] | None = None) -> Response:
        """Call one method; return its envelope or raise a typed BitrixAPIError."""
        return self._call(check_method(method), dict(params or {}), read=is_read(method))

    def list_all(self, method: str, params: Mapping[str, Any] | None = None,
                 key: str | None = None) -> list[Any]:
        """Every row of a list method, following `next` page by page (50 a page).

        `key` unwraps D7 results such as `{"types": [...]}` (`key="types"`). A `next` that does
        not advance, a page past `total`, a repeated page or a list without end is refused as
        MalformedResponse naming the method (paging.py).
        """
        page = dict(params or {})
        guard = PageGuard(method, self.max_pages)
        rows: list[Any] = []
        while True:
            response = self.call(method, page)
            found = _rows(response.result, key, method)
            rows.extend(found)
            start = as_int(page.get("start")) or 0
            nxt = guard.follow(response.result, len(found), start, response.total,
                               response.next)
            if nxt is None:
                return rows
            page["start"] = nxt

    def batch(self, calls: batching.Calls, halt: bool = False,
              rows: Mapping[str, batching.Rows] | None = None) -> BatchResult:
        """Up to 50 commands in one request; per-command errors are in `.errors[key]`.

        `$result[key][...]` references in parameters are sent as they are: the portal resolves
        them. Commands given as a sequence are keyed "0", "1", ... The answer is checked against
        the commands (batch.py): one that has neither a result nor an error is refused.
        `rows`: for a list command, the keys of each row to keep; its result is decoded with
        only those (the others are never made) where it is a list as `Rows` says, and its key
        is then in `.shaped`; any other result is decoded whole.
        """
        commands = batching.keyed(calls)
        if not commands:
            return BatchResult()
        for _, method, _ in commands:
            check_method(method)
        body = batching.request_body(commands, as_list=not isinstance(calls, Mapping), halt=halt)
        read = all_reads(m for _, m, _ in commands)
        response = self._call("batch", body, read=read, members=True)
        result, shaped = batching.decoded(response.result, rows or {})
        out = batching.parse(result, commands, halt=halt, secrets=self._auth.secrets(),
                             credential=self._auth.credential, write=not read)
        return replace(out, shaped=shaped) if shaped else out

    def batch_calls(self, calls: Sequence[batching.Call], halt: bool = True) -> list[Any]:
        """Results of many calls in order, 50 per batch request; raises the first failure.

        The error is a BatchCommandError (and its typed class) whose key is the command's
        index in `calls`; commands are keyed by that index, so a `$result[3]` reference works
        only within the same group of 50 (use `batch()` with named keys for chains). With `halt`, no further batch is sent after a failure; without it,
        every command runs and the first failure is raised at the end.
        """
        results: list[Any] = []
        first: errors.BitrixAPIError | None = None
        for offset in range(0, len(calls), batching.MAX_COMMANDS):
            chunk = {str(offset + i): call
                     for i, call in enumerate(calls[offset:offset + batching.MAX_COMMANDS])}
            out = self.batch(chunk, halt=halt)
            first = first or out.first_error(list(chunk))
            if first is not None and halt:
                raise first
            results.extend(out.results.get(key) for key in chunk)
        if first is not None:
            raise first
        return results

    # -- the retry loop --------------------------------------------------------------------

    def _call(self, method: str, params: dict[str, Any], *, read: bool,
              members: bool = False) -> Response:
        attempt = timeouts = 0
        refreshed = False
        while True:
            self._check_budget(method)
            try:
                return self._once(method, params, read=read, members=members)
            except errors.ExpiredToken:
                if refreshed or not self._refresh():
                    raise
                refreshed = True
            except errors.BitrixAPIError as exc:
                if isinstance(exc, errors.RateLimited):
                    self.bucket.fill()
                delay = self._retry_delay(exc, read=read, attempt=attempt, timeouts=timeouts)
                if delay is None and not isinstance(exc, errors.DeadlineExceeded):
                    raise
                # cut by the command's deadline? (the retry also waits for the bucket's room)
                self._check_budget(method, exc, None if delay is None
                                   else max(delay, self.bucket.room_in()))
                if delay is None:
                    raise
                attempt += 1
                timeouts += isinstance(exc, errors.TransportError) and exc.timed_out
                self.stats.retries += 1
                log.warning("%s: %s, retry %d in %.2fs", method, exc.error, attempt, delay)
                self._wait(delay)

    def _check_budget(self, method: str, exc: errors.BitrixAPIError | None = None,
                      delay: float | None = 0.0) -> None:
        """Refuse once the command deadline has passed, or would pass during `delay`."""
        left = self.budget.remaining()
        if left > 0 and (delay is None or delay < left):
            return
        if exc is None:
            raise self.budget.refuse(method, self.stats)
        raise self.budget.refuse(method, self.stats, last=exc.detail(),
                                 maybe_committed=exc.maybe_committed) from exc

    def _once(self, method: str, params: Mapping[str, Any], *, read: bool,
              members: bool = False) -> Response:
        self.stats.waited += self.bucket.acquire()
        self._check_budget(method)  # refused: nothing sent (the bucket counts it, to be safe)
        started = time.perf_counter()
        try:
            response = self.transport.post(self._auth.url_for(method), self._auth.body(params),
                                           method=method, write=not read, members=members)
        except errors.BitrixAPIError as exc:
            log.debug("%s failed: %s in %.3fs", method, exc.error, time.perf_counter() - started)
            raise
        finally:
            self.bucket.answered()  # counted at its answer: the latest it reached the portal
        log.debug("%s ok in %.3fs", method, time.perf_counter() - started)
        reset_at = as_int((response.time or {}).get("operating_reset_at"))
        if reset_at is not None:
            self._resets[method] = reset_at
        return response

    def _retry_delay(self, exc: errors.BitrixAPIError, *, read: bool, attempt: int,
                     timeouts: int) -> float | None:
        """Seconds to wait before trying again, or None when `exc` must be raised."""
        if attempt >= self.retry.max_retries:
            return None
        if isinstance(exc, errors.RateLimited):
            return self.retry.backoff(attempt, self._rng)
        if isinstance(exc, errors.OperationTimeLimit):
            return self._operation_wait(exc)
        if isinstance(exc, errors.Unreachable) or not read:
            return None  # nothing was sent and nothing will change; or a write, maybe applied
        if isinstance(exc, errors.TransportError) and exc.timed_out:
            return (self.retry.backoff(attempt, self._rng)
                    if timeouts < self.retry.max_timeout_retries else None)
        if isinstance(exc, (errors.ServerError, errors.TransportError)):
            return self.retry.backoff(attempt, self._rng)
        return None

    def _operation_wait(self, exc: errors.OperationTimeLimit) -> float | None:
        # The refusal may not say when the budget resets; the method's last success did.
        reset_at = exc.reset_at if exc.reset_at is not None else self._resets.get(exc.method)
        if reset_at is None:
            return None
        wait = max(0.0, reset_at - self._now()) + 1.0  # a second past the bucket's expiry
        return wait if wait <= self.retry.max_operation_wait else None

    def _refresh(self) -> bool:
        self._check_budget("oauth.token")
        refreshed = self._auth.refresh(self.transport)
        if refreshed:
            self.stats.refreshes += 1
            log.info("OAuth access token refreshed")
        return refreshed

    def _wait(self, seconds: float) -> None:
        self.stats.waited += seconds
        self._sleep(seconds)


def _rows(result: Any, key: str | None, method: str) -> list[Any]:
    """The rows of one page; PHP sends a list, or an object when its keys are not 0..n-1."""
    if key is not None:
        result = result.get(key) if isinstance(result, Mapping) else None
    if isinstance(result, Mapping):
        return list(result.values())
    if isinstance(result, list):
        return result
    where = f"result[{key!r}]" if key is not None else "result"
    raise errors.MalformedResponse("MALFORMED_RESPONSE",
                                   f"{where} of a list method is not a list", method=method)

"""Values the client hands back: a call's envelope, a batch's outcome, tokens, counters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provisioner.client.errors import BitrixAPIError


@dataclass(frozen=True)
class Response:
    """The success envelope of one call (docs/portal-rules.md#success-envelope)."""

    result: Any
    total: int | None = None
    next: int | None = None
    time: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BatchResult:
    """One `batch` call: per command key its result, or its typed error (never both).

    Keys are strings; commands given as a sequence are keyed "0", "1", ... A command that did
    not run (after a failure with `halt`) appears nowhere.
    """

    results: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, BitrixAPIError] = field(default_factory=dict)
    totals: Mapping[str, int] = field(default_factory=dict)
    nexts: Mapping[str, int] = field(default_factory=dict)
    times: Mapping[str, Any] = field(default_factory=dict)
    # the commands whose result was decoded with only the keys of each row asked for
    # (`BitrixClient.batch`'s rows)
    shaped: frozenset[str] = frozenset()

    def first_error(self, order: list[str]) -> BitrixAPIError | None:
        """The error of the earliest failed command in `order`, if any."""
        return next((self.errors[k] for k in order if k in self.errors), None)


@dataclass(frozen=True)
class OAuthTokens:
    """An OAuth pair as the authorization server returned it; secrets stay out of repr."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires: float | None = None  # unix time the access token stops working
    client_endpoint: str | None = None
    scope: str | None = None


@dataclass
class ClientStats:
    """Running counters of one client (mutable on purpose: the client updates them in place)."""

    requests: int = 0  # HTTP requests sent, retries and token refreshes included
    retries: int = 0
    refreshes: int = 0
    waited: float = 0.0  # seconds slept for the rate limit, back-off and time limits
    writes: int = 0  # requests that may change the portal (a batch with one write counts)
    writes_answered: int = 0  # of those, the ones whose answer was read

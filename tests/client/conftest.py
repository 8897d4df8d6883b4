"""Fixtures of the REST client tests: a virtual clock, a responses mock, client factories."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from client_helpers import BASE, VirtualClock

from provisioner.client import BitrixClient, RateLimit, RetryPolicy


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def webhook(clock: VirtualClock) -> Callable[..., BitrixClient]:
    """Factory of webhook clients on the virtual clock with seeded jitter."""

    def make(**kwargs: Any) -> BitrixClient:
        target = kwargs.pop("url", BASE)
        options: dict[str, Any] = {"rate": RateLimit(), "clock": clock.monotonic,
                                   "sleep": clock.sleep, "now": clock.unix,
                                   "rng": random.Random(7), "retry": RetryPolicy()}
        options.update(kwargs)
        return BitrixClient.from_webhook(target, **options)

    return make

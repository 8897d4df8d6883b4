"""The client paces under the portal's rate limit with a margin (client/ratelimit.py): against
the sandbox's own leaky bucket, with requests whose time to reach the portal varies, a long run
never meets QUERY_LIMIT_EXCEEDED. Time is virtual: the client's bucket, the sandbox's bucket and
the network below share one clock, and nothing really sleeps."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import requests

from provisioner.client import BitrixClient, RateLimit
from provisioner.engine.applier import apply
from provisioner.engine.live import read_live
from provisioner.engine.loader import load_desired
from provisioner.engine.planner import make_plan
from provisioner.sandbox import Sandbox
from provisioner.sandbox.clock import VirtualClock
from provisioner.sandbox.ratelimit import RateLimit as PortalLimit
from provisioner.sandbox.transport import SandboxAdapter

EXACT = {"reserve": 0.0, "slack": 0.0}  # paced exactly at the portal's limit, as before
MOST_LATENCY = 0.4  # seconds a request may take to reach the portal (uniform from 0)


class Network(SandboxAdapter):
    """The sandbox's transport with a network in front of it: each request reaches the portal
    a random 0 to `most` virtual seconds after the client sent it."""

    def __init__(self, sandbox: Sandbox, clock: VirtualClock, rng: random.Random,
                 most: float) -> None:
        super().__init__(sandbox)
        self.clock, self.rng, self.most = clock, rng, most

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        self.clock.advance(self.rng.uniform(0, self.most))
        return super().send(request, *args, **kwargs)


def portal(limit: PortalLimit, pace: RateLimit, seed: int = 7) -> tuple[Sandbox, BitrixClient]:
    clock = VirtualClock(start=1_700_000_000.0)
    sb = Sandbox.in_memory(clock=clock, rate_limit=limit)
    session = requests.Session()
    session.mount(sb.base_url + "/", Network(sb, clock, random.Random(seed), MOST_LATENCY))
    client = BitrixClient.from_webhook(sb.webhook_url, session=session, rate=pace,
                                       clock=clock.time, sleep=clock.sleep,
                                       rng=random.Random(seed))
    return sb, client


def refused(sb: Sandbox) -> int:
    assert sb.app.bucket is not None
    return sb.app.bucket.refused


def test_the_margin_of_the_default_limits() -> None:
    assert (RateLimit().paced_burst, RateLimit().paced_rate) == (45, pytest.approx(1.98))
    enterprise = RateLimit.enterprise()
    assert (enterprise.paced_burst, enterprise.paced_rate) == (225, pytest.approx(4.95))
    assert RateLimit(burst=1).paced_burst == 1


@pytest.mark.parametrize(("pace", "none_refused"), [({}, True), (EXACT, False)])
def test_a_long_run_at_the_cloud_limit_meets_no_503(pace: dict[str, float],
                                                    none_refused: bool) -> None:
    """400 requests against the cloud's default limit (burst 50, 2 a second): the default
    margin meets no refusal; paced exactly at the limit, the same run meets some (which is
    what the margin is for, and shows this test can fail)."""
    sb, client = portal(PortalLimit(burst=50, drain=2.0), RateLimit(**pace))
    start = sb.clock.time()
    for _ in range(400):
        client.call("scope")
    assert (refused(sb) == 0) is none_refused
    assert (client.stats.retries == 0) is none_refused
    if none_refused:  # under the limit, yet not much slower than it: (400 - 50) / 2 s
        assert 175.0 < sb.clock.time() - start < 175.0 * 1.08


def list_items(tmp: Path, count: int) -> Path:
    items = ",\n".join(f'  {{ code = "S{n:04d}", name = "Source {n}" }}' for n in range(count))
    (tmp / "lists.toml").write_text(f"[lists.SOURCE]\nitems = [\n{items}\n]\n", "utf-8")
    return tmp


@pytest.mark.parametrize(("pace", "none_refused"), [({}, True), (EXACT, False)])
def test_a_long_apply_against_the_sandbox_meets_no_503(tmp_path: Path, pace: dict[str, float],
                                                       none_refused: bool) -> None:
    """An apply of 1,000 list items (20 batch requests) with the sandbox's bucket at 10 requests,
    2 a second, so that the apply runs saturated for most of its requests (the same bucket code
    as the cloud's numbers, sized so the test stays short)."""
    desired = load_desired(list_items(tmp_path, 1000))
    sb, client = portal(PortalLimit(burst=10, drain=2.0), RateLimit(burst=10, **pace))
    plan = make_plan(desired, read_live(client))
    report = apply(plan, client, allow_destroy=True, reread=False)
    assert len(report.done) == 1000
    assert (refused(sb) == 0) is none_refused
    assert not make_plan(desired, read_live(client)).changes  # converged either way

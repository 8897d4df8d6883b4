"""The client paces under the portal's rate limit (client/ratelimit.py): against the sandbox's
own leaky bucket, with requests whose time to reach the portal and to come back varies, a long
run never meets QUERY_LIMIT_EXCEEDED. Time is virtual: the client's bucket, the sandbox's bucket
and the network below share one clock, and nothing really sleeps. The drain in whole steps the
reserve is for, and any delays: tests/client/test_client_ratelimit.py."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import requests
from client_helpers import count_at_the_send

from provisioner.client import BitrixClient, RateLimit
from provisioner.engine.applier import apply
from provisioner.engine.live import read_live
from provisioner.engine.loader import load_desired
from provisioner.engine.planner import make_plan
from provisioner.sandbox import Sandbox
from provisioner.sandbox.clock import VirtualClock
from provisioner.sandbox.ratelimit import RateLimit as PortalLimit
from provisioner.sandbox.transport import SandboxAdapter

MOST_LATENCY = 0.4  # seconds a request may take to reach the portal, and back (uniform from 0)


class Network(SandboxAdapter):
    """The sandbox's transport with a network in front of it: each request reaches the portal
    a random 0 to `most` virtual seconds after the client sent it, and (`back`) its answer the
    client as long again."""

    def __init__(self, sandbox: Sandbox, clock: VirtualClock, rng: random.Random,
                 most: float, back: bool) -> None:
        super().__init__(sandbox)
        self.clock, self.rng, self.most, self.back = clock, rng, most, back

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        self.clock.advance(self.rng.uniform(0, self.most))
        answer = super().send(request, *args, **kwargs)
        if self.back:
            self.clock.advance(self.rng.uniform(0, self.most))
        return answer


def portal(limit: PortalLimit, pace: RateLimit, seed: int = 7,
           back: bool = True) -> tuple[Sandbox, BitrixClient]:
    clock = VirtualClock(start=1_700_000_000.0)
    sb = Sandbox.in_memory(clock=clock, rate_limit=limit)
    session = requests.Session()
    session.mount(sb.base_url + "/", Network(sb, clock, random.Random(seed), MOST_LATENCY, back))
    client = BitrixClient.from_webhook(sb.webhook_url, session=session, rate=pace,
                                       clock=clock.time, sleep=clock.sleep,
                                       rng=random.Random(seed))
    return sb, client


def refused(sb: Sandbox) -> int:
    assert sb.app.bucket is not None
    return sb.app.bucket.refused


def test_the_margin_of_the_default_limits() -> None:
    assert (RateLimit().paced_burst, RateLimit().paced_rate) == (48, 2.0)
    enterprise = RateLimit.enterprise()
    assert (enterprise.paced_burst, enterprise.paced_rate) == (245, 5.0)
    assert RateLimit(burst=1).paced_burst == 1


@pytest.mark.parametrize("none_refused", [True, False])
def test_a_long_run_at_the_cloud_limit_meets_no_503(none_refused: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """400 requests against the cloud's default limit (burst 50, 2 a second): the client meets
    no refusal; counting each request when it is sent, with no reserve, the same run meets
    some (which is what counting at the answer is for, and shows this test can fail)."""
    if not none_refused:
        count_at_the_send(monkeypatch)
    pace = RateLimit() if none_refused else RateLimit(reserve=0.0)
    sb, client = portal(PortalLimit(burst=50, drain=2.0), pace)
    start = sb.clock.time()
    for _ in range(400):
        client.call("scope")
    assert (refused(sb) == 0) is none_refused
    assert (client.stats.retries == 0) is none_refused
    if none_refused:  # under the limit, yet not much slower than it: (400 - 50) / 2 s
        assert 175.0 < sb.clock.time() - start < 175.0 * 1.03


def list_items(tmp: Path, count: int) -> Path:
    items = ",\n".join(f'  {{ code = "S{n:04d}", name = "Source {n}" }}' for n in range(count))
    (tmp / "lists.toml").write_text(f"[lists.SOURCE]\nitems = [\n{items}\n]\n", "utf-8")
    return tmp


@pytest.mark.parametrize("none_refused", [True, False])
def test_a_long_apply_against_the_sandbox_meets_no_503(tmp_path: Path, none_refused: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An apply of 1,000 list items (20 batch requests) with the sandbox's bucket at 10 requests,
    2 a second, so that the apply runs saturated for most of its requests (the same bucket code
    as the cloud's numbers, sized so the test stays short); counted at the send with no
    reserve, the same apply meets some (answers that come back at once: a request sent right
    after one that was slow to arrive finds the portal's bucket fuller than the client's)."""
    if not none_refused:
        count_at_the_send(monkeypatch)
    desired = load_desired(list_items(tmp_path, 1000))
    sb, client = portal(PortalLimit(burst=10, drain=2.0),
                        RateLimit(burst=10, reserve=1.0 if none_refused else 0.0), back=False)
    plan = make_plan(desired, read_live(client))
    report = apply(plan, client, allow_destroy=True, reread=False)
    assert len(report.done) == 1000
    assert (refused(sb) == 0) is none_refused
    assert not make_plan(desired, read_live(client)).changes  # converged either way


@pytest.mark.parametrize("fill", [True, False])
def test_a_portal_bucket_already_filled_costs_one_503_not_one_per_request(
        fill: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process (a `plan` run just before this `apply`) left 40 requests in the
    portal's bucket; this client starts with an empty one. It meets one refusal, then paces as
    if the bucket were full (LeakyBucket.fill): no further 503. Without `fill` it keeps sending
    back to back and is refused again and again until its own count reaches the burst."""
    if not fill:
        monkeypatch.setattr("provisioner.client.ratelimit.LeakyBucket.fill", lambda _self: None)
    sb, client = portal(PortalLimit(burst=50, drain=2.0), RateLimit())
    assert sb.app.bucket is not None
    for _ in range(40):
        sb.app.bucket.admit()  # the earlier process's requests, a moment ago
    for _ in range(150):
        client.call("scope")
    if fill:
        assert (refused(sb), client.stats.retries) == (1, 1)
    else:
        assert refused(sb) == client.stats.retries > 10

"""Protocol: leaky-bucket rate limit, request counter, fault injection (docs/portal-rules.md#limits)."""

from __future__ import annotations

import time

import pytest
import requests

from provisioner.sandbox import FaultKind, RateLimit, Sandbox

pytestmark = pytest.mark.usefixtures("test_methods")
BASE = "http://sandbox.invalid/rest/"


def _limited(limit: RateLimit) -> tuple[Sandbox, requests.Session]:
    sb = Sandbox.in_memory(rate_limit=limit)
    return sb, sb.session()


def test_rate_limit_off_by_default_in_process(http: requests.Session, hook: str) -> None:
    assert all(http.get(hook + "test.ok").status_code == 200 for _ in range(120))


def test_burst_of_fifty_then_503_then_drains_two_per_second() -> None:
    sb, http = _limited(RateLimit())
    codes = [http.get(sb.webhook_url + "test.ok").status_code for _ in range(51)]
    assert codes == [200] * 50 + [503]
    r = http.get(sb.webhook_url + "test.ok")
    assert (r.status_code, r.json()) == (503, {"error": "QUERY_LIMIT_EXCEEDED",
                                               "error_description": "Too many requests"})
    sb.clock.sleep(1.0)  # virtual: drains 2
    assert [http.get(sb.webhook_url + "test.ok").status_code for _ in range(3)] == [200, 200, 503]


def test_enterprise_bucket() -> None:
    sb, http = _limited(RateLimit.enterprise())
    codes = [http.get(sb.webhook_url + "test.ok").status_code for _ in range(251)]
    assert codes.count(200) == 250 and codes[-1] == 503
    sb.clock.sleep(1.0)
    assert [http.get(sb.webhook_url + "test.ok").status_code for _ in range(6)] == \
        [200] * 5 + [503]


def test_rate_limit_comes_after_method_lookup_and_auth() -> None:
    sb, http = _limited(RateLimit(burst=1, drain=1.0))
    assert http.get(sb.webhook_url + "test.ok").status_code == 200
    assert http.get(sb.webhook_url + "no.such").status_code == 404
    assert http.get(BASE + "1/bad/test.ok").status_code == 401
    assert http.get(sb.webhook_url + "test.ok").status_code == 503


def test_request_counter(http: requests.Session, hook: str, sb: Sandbox) -> None:
    http.get(hook + "test.ok")
    http.get(hook + "TEST.OK.json")
    http.get(hook + "scope")
    http.get(hook + "nope.nope")
    assert sb.requests.total == 4 and int(sb.requests) == 4
    assert sb.requests.by_method == {"test.ok": 2, "scope": 1, "nope.nope": 1}
    sb.reset()
    assert sb.requests.total == 0


def test_fault_rate_limit_server_error_time_limit(http: requests.Session, hook: str,
                                                 sb: Sandbox) -> None:
    sb.faults.add(FaultKind.RATE_LIMIT).add(FaultKind.SERVER_ERROR).add(FaultKind.TIME_LIMIT)
    answers = [http.get(hook + "test.ok") for _ in range(4)]
    assert [(r.status_code, r.json().get("error")) for r in answers] == [
        (503, "QUERY_LIMIT_EXCEEDED"), (500, "INTERNAL_SERVER_ERROR"),
        (429, "OPERATION_TIME_LIMIT"), (200, None)]
    assert answers[1].json()["error_description"] == "Internal server error"
    assert answers[2].json()["error_description"] == \
        "Method is blocked due to operation time limit."
    assert [f.kind for f in sb.faults.applied] == [FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR,
                                                   FaultKind.TIME_LIMIT]


def test_fault_matches_method_and_count(http: requests.Session, hook: str, sb: Sandbox) -> None:
    sb.faults.add(FaultKind.SERVER_ERROR, count=2, method="TEST.WRITE")
    assert http.get(hook + "test.ok").status_code == 200
    assert [http.get(hook + "test.write").status_code for _ in range(3)] == [500, 500, 200]
    assert sb.faults.pending == 0
    assert len(sb.store.data["test_rows"]) == 1  # refused calls changed nothing


def test_fault_slow_answer_uses_the_clock(http: requests.Session, hook: str, sb: Sandbox) -> None:
    sb.faults.add(FaultKind.SLOW, delay=30.0)
    before, wall = sb.clock.time(), time.monotonic()
    body = http.get(hook + "test.ok").json()
    assert body["result"] is True
    assert body["time"]["duration"] == pytest.approx(30.0)
    assert sb.clock.time() - before == pytest.approx(30.0)
    assert time.monotonic() - wall < 5  # virtual clock: no real sleep


def test_fault_drop_after_commit(http: requests.Session, hook: str, sb: Sandbox) -> None:
    sb.faults.add(FaultKind.DROP_AFTER_COMMIT, method="test.write")
    with pytest.raises(requests.ConnectionError):
        http.post(hook + "test.write", json={"NAME": "kept"})
    assert sb.store.data["test_rows"] == {"1": {"ID": "1", "NAME": "kept"}}


def test_fault_timeout_with_and_without_commit(http: requests.Session, hook: str,
                                               sb: Sandbox) -> None:
    sb.faults.add(FaultKind.TIMEOUT).add(FaultKind.TIMEOUT, commit=True)
    with pytest.raises(requests.ReadTimeout):
        http.post(hook + "test.write", json={"NAME": "lost"})
    assert "test_rows" not in sb.store.data
    with pytest.raises(requests.Timeout):
        http.post(hook + "test.write", json={"NAME": "kept"})
    assert sb.store.data["test_rows"] == {"1": {"ID": "1", "NAME": "kept"}}


def test_fault_expired_token_really_expires_oauth_token(http: requests.Session,
                                                        sb: Sandbox) -> None:
    creds = sb.oauth()
    sb.faults.add(FaultKind.EXPIRED_TOKEN)
    for _ in range(2):  # the second call fails too: the token is now expired in the state
        r = http.post(BASE + "test.ok", json={"auth": creds.access_token})
        assert (r.status_code, r.json()["error"]) == (401, "expired_token")
    pair = sb.refresh(creds.refresh_token)
    assert http.post(BASE + "test.ok", json={"auth": pair["access_token"]}).status_code == 200


def test_fault_expired_token_on_webhook_is_an_answer_only(http: requests.Session, hook: str,
                                                          sb: Sandbox) -> None:
    sb.faults.add(FaultKind.EXPIRED_TOKEN)
    assert http.get(hook + "test.ok").json()["error_description"] == \
        "The access token provided has expired"
    assert http.get(hook + "test.ok").status_code == 200


def test_random_faults_are_seeded() -> None:
    def run() -> list[int]:
        sb = Sandbox.in_memory()
        sb.faults.random(seed=7, probability=0.3)
        http = sb.session()
        return [http.get(sb.webhook_url + "test.ok").status_code for _ in range(40)]
    first = run()
    assert first == run()
    assert {500, 503, 200} == set(first)

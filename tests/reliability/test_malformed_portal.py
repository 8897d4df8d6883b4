"""Malformed portal answers: HTML, truncated JSON, unexpected types. A clear error that names the
method, exit 1, no traceback; a write whose answer is unreadable is reported as uncertain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner

from provisioner import engine
from provisioner.cli import main
from provisioner.client import BitrixClient, MalformedResponse, deadline
from provisioner.engine.applier import ApplyFailed
from provisioner.sandbox import Sandbox
from helpers import CONFIG as SEED

ROOT = Path(__file__).resolve().parents[2]
URL = "https://portal.example/rest/1/malformedT0ken/"
CONFIG = SEED


def good_reads() -> dict[str, Any]:
    """The results of the read batch plan sends to a new portal, every command it holds (the
    look-ahead pages included): a batch answer lacking one of them is itself refused."""
    sb = Sandbox.in_memory()
    session = sb.session()
    answers: list[bytes] = []
    send = session.send

    def recording(request: Any, **kwargs: Any) -> Any:
        response = send(request, **kwargs)
        answers.append(response.content)
        return response

    session.send = recording  # type: ignore[method-assign]
    engine.read_live(BitrixClient.from_webhook(sb.webhook_url, session=session))
    assert len(answers) == 1, "a new portal is read in one batch"
    results: dict[str, Any] = json.loads(answers[0])["result"]["result"]
    return results


@pytest.fixture(autouse=True)
def skipped_sleeps(monkeypatch: pytest.MonkeyPatch) -> deadline.SkippedSleeps:
    """The CLI's clients wait for back-off on the skipping clock: retries cost no real time."""
    sleeps = deadline.SkippedSleeps()
    monkeypatch.setattr(deadline, "SYSTEM", sleeps.timing())
    return sleeps


def batch_body(results: dict[str, Any]) -> dict[str, Any]:
    return {"result": {"result": results, "result_error": [], "result_total": [],
                       "result_next": [], "result_time": []}, "time": {}}


def run(args: list[str]) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(main, args)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stderr, exc


READS = good_reads()
ENVELOPE_CASES = {
    "html-page": ({"body": b"<html><body>Portal maintenance</body></html>",
                   "content_type": "text/html"}, "HTML page"),
    "truncated-json": ({"body": json.dumps(batch_body(READS))[:700].encode()},
                       "truncated JSON"),
    "json-array": ({"json": [1, 2, 3]}, "JSON list"),
    "result-not-object": ({"json": {"result": [1, 2], "time": {}}}, "not an object"),
    "no-result-no-error": ({"json": {"time": {}}}, "without 'result'"),
    "html-502": ({"body": b"<html>Bad gateway</html>", "status": 502}, "HTML page"),
}
TYPE_CASES = {
    "statuses-a-string": {**READS, "statuses": "oops"},
    "statuses-rows-not-tables": {**READS, "statuses": ["a", "b"]},
    "status-row-without-code": {**READS, "statuses": [{"ID": "1", "ENTITY_ID": "STATUS"}]},
    "categories-a-number": {**READS, "deal_categories": {"categories": 5}},
}

TYPE_CASES_SAY = {
    "statuses-a-string": "crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered a string "
                         "where a list of rows was expected",
    "statuses-rows-not-tables": "crm.status.list: MALFORMED_RESPONSE (provision's own code): the portal answered a list "
                                "holding a string where rows (tables) were expected",
    "status-row-without-code": "crm.status.list: MALFORMED_RESPONSE (provision's own code): an answer of the portal "
                               "lacks 'STATUS_ID'",
    "categories-a-number": "crm.category.list: MALFORMED_RESPONSE (provision's own code): the portal answered an "
                           "integer where a list of rows was expected",
}


@pytest.mark.parametrize("name", ENVELOPE_CASES)
@responses.activate
def test_unreadable_answer_to_the_read_names_the_method(
        name: str, skipped_sleeps: deadline.SkippedSleeps) -> None:
    kwargs, words = ENVELOPE_CASES[name]
    responses.add(responses.POST, f"{URL}batch.json", **kwargs)
    code, err, exc = run(["plan", str(CONFIG), "--webhook-url", URL])
    assert exc is None and code == 1
    assert err.startswith("Error: batch: ") and words in err, err
    assert "Traceback" not in err and "malformedT0ken" not in err
    # A 5xx answer to a read is retried (5 times, with back-off); the others are final.
    retried = name == "html-502"
    assert len(responses.calls) == (6 if retried else 1)
    assert len(skipped_sleeps.slept) == (5 if retried else 0)
    assert all(0.25 * 2 ** i <= s <= 0.5 * 2 ** i for i, s in enumerate(skipped_sleeps.slept))


@pytest.mark.parametrize("name", TYPE_CASES)
@responses.activate
def test_unexpected_types_in_the_read_name_the_method(name: str) -> None:
    responses.add(responses.POST, f"{URL}batch.json", json=batch_body(TYPE_CASES[name]))
    code, err, exc = run(["plan", str(CONFIG), "--webhook-url", URL])
    assert exc is None, f"traceback for a user: {exc!r}"
    assert code == 1 and err.startswith(f"Error: {TYPE_CASES_SAY[name]}"), err
    assert "Traceback" not in err and "malformedT0ken" not in err


def test_list_answers_of_the_wrong_type_are_refused_by_the_client() -> None:
    """The client's own paging refuses a non-list page with the method's name."""
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, f"{URL}crm.status.list.json",
                 json={"result": "not a list", "total": 1, "time": {}})
        client = BitrixClient.from_webhook(URL)
        with pytest.raises(MalformedResponse) as caught:
            client.list_all("crm.status.list", {})
    assert str(caught.value) == ("crm.status.list: MALFORMED_RESPONSE (provision's own code): result of a list method "
                                 "is not a list")


@pytest.mark.parametrize("kind", ["html", "truncated"])
@responses.activate
def test_unreadable_answer_to_a_write_is_an_error_not_a_success(kind: str) -> None:
    responses.add(responses.POST, f"{URL}batch.json", json=batch_body(READS))  # plan
    body = b"<html>502</html>" if kind == "html" else b'{"result": {"result": {"r1'
    responses.add(responses.POST, f"{URL}batch.json", body=body)
    code, err, exc = run(["apply", str(CONFIG), "--auto-approve", "--webhook-url", URL])
    assert exc is None and code == 1
    assert err.startswith("Error: batch: ") or "\nError: batch: " in err, err
    assert "Apply complete" not in err


@responses.activate
def test_unreadable_answer_to_a_write_says_the_writes_may_have_happened() -> None:
    responses.add(responses.POST, f"{URL}batch.json", json=batch_body(READS))  # plan
    responses.add(responses.POST, f"{URL}batch.json", body=b"<html>502</html>", status=502)
    code, err, exc = run(["apply", str(CONFIG), "--auto-approve", "--webhook-url", URL])
    assert exc is None and code == 1
    assert "may have been applied, outcome unknown (" in err, err
    assert "  + deal.pipeline[" in err.split("may have been applied", 1)[1], err
    assert "they read the portal first" in err, err


def test_library_apply_keeps_the_uncertainty_on_the_exception() -> None:
    """The client marks the error as maybe committed; apply keeps it on ApplyFailed."""
    sb = Sandbox.in_memory()
    client = BitrixClient.from_webhook(sb.webhook_url, session=sb.session())
    plan = engine.make_plan(engine.load_desired(CONFIG), engine.read_live(client))
    with responses.RequestsMock() as mock:
        # apply reads the portal again first (is the plan stale?), then writes
        mock.add(responses.POST, sb.webhook_url + "batch.json", json=batch_body(READS))
        mock.add(responses.POST, sb.webhook_url + "batch.json", body=b"<html>oops</html>")
        plain = BitrixClient.from_webhook(sb.webhook_url)  # default session: responses answers
        with pytest.raises(ApplyFailed) as caught:
            engine.apply(plan, plain)
    assert caught.value.maybe_committed is True
    assert isinstance(caught.value.__cause__, MalformedResponse)
    assert str(caught.value).startswith(
        "batch: MALFORMED_RESPONSE (provision's own code): the portal answered an HTML page instead of JSON (a proxy, "
        "login or maintenance page?) (HTTP 200)\ndone (0):\nmay have been applied, outcome "
        "unknown (17): ")

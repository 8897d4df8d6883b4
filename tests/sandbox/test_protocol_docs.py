"""Conformance: the docs' example requests of the basic methods and `batch`, replayed against the
sandbox; the answers must have the docs' shape (keys and JSON types), not their values.

Fixtures: tests/fixtures/sandbox-protocol/*.json, copied from the docs' rest-examples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests


FIXTURES = Path(__file__).parent.parent / "fixtures" / "sandbox-protocol"
TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish"}


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _replay(http: requests.Session, hook: str, request: dict[str, Any]) -> requests.Response:
    method = request["url"].rsplit("/", 1)[1]
    return http.post(hook + method, json=request["body"])


def _kind(value: Any) -> str:
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else type(value).__name__


@pytest.mark.parametrize("name", ["scope", "methods", "method.get"])
def test_system_method_shapes(http: requests.Session, hook: str, name: str) -> None:
    example = _example(name)
    r = _replay(http, hook, example["requests"][0])
    assert r.status_code == example["response"]["http_status"]
    got, want = r.json(), example["response"]["body"]
    assert _kind(got["result"]) == _kind(want["result"])
    if isinstance(want["result"], dict):
        assert set(got["result"]) == set(want["result"])
    assert set(got["time"]) >= TIME_KEYS


def test_app_info_webhook_shape(http: requests.Session, hook: str) -> None:
    # For a webhook the server answers SCOPE and LICENSE only (S21 appInfo); the docs' example
    # is an application's answer, checked in test_protocol_auth.
    r = _replay(http, hook, _example("app.info")["requests"][0])
    assert r.status_code == 200 and set(r.json()["result"]) == {"SCOPE", "LICENSE"}


def test_batch_docs_examples(http: requests.Session, hook: str) -> None:
    example = _example("batch")
    want = example["response"]["body"]["result"]
    for request in example["requests"]:
        r = _replay(http, hook, request)
        assert r.status_code == 200
        got = r.json()["result"]
        assert set(got) == set(want)
        assert got["result_error"] == []
        assert set(got["result"]) == set(request["body"]["cmd"])
        for key, timing in got["result_time"].items():
            assert set(timing) == TIME_KEYS, key
    # the reference to the user's first department resolved to that department
    assert isinstance(got["result"]["get_department"], list)

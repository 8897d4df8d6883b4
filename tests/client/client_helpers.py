"""Helpers of the REST client tests: docs fixtures, envelopes, a virtual clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import responses

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "client"
TOKEN = "s3cr3tw3bh00kc0de"  # the webhook code every test uses; must never leak
BASE = f"https://portal.example.com/rest/7/{TOKEN}/"
OAUTH_ENDPOINT = "https://portal.example.com/rest/"
TOKEN_URL = "https://oauth.bitrix.info/oauth/token/"


def example(method: str) -> dict[str, Any]:
    """A docs example file copied from rest-examples/ (request, response, error_example)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{method}.json").read_text("utf-8"))
    return data


def url(method: str) -> str:
    return f"{BASE}{method}.json"


def ok(result: Any, **extra: Any) -> dict[str, Any]:
    """A success envelope with a realistic `time` block."""
    return {"result": result, **extra,
            "time": {"start": 1752146147.3, "finish": 1752146147.35, "duration": 0.05,
                     "processing": 0.01, "date_start": "2025-07-10T14:15:47+03:00",
                     "date_finish": "2025-07-10T14:15:47+03:00"}}


def request_json(mock: responses.RequestsMock, index: int) -> Any:
    """The JSON body of the index-th request seen by `mock`."""
    body = mock.calls[index].request.body
    assert isinstance(body, (bytes, str))
    return json.loads(body)


class VirtualClock:
    """Monotonic and unix time that only move when the client sleeps."""

    def __init__(self, unix_start: float = 1_752_146_000.0) -> None:
        self.t = 0.0
        self.unix_start = unix_start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def unix(self) -> float:
        return self.unix_start + self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds



"""Fixtures of the sandbox tests: test-only methods, an HTTP session and webhook on `sb` (the
in-memory sandbox of tests/conftest.py), and a store-level portal for the CRM handler tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from crm_portal import Portal

from provisioner.sandbox import Sandbox
from provisioner.sandbox.core import REGISTRY, BitrixError, CallContext, Result, paginate

TEST_METHODS = ("test.ok", "test.echo", "test.write", "test.app", "test.list", "test.fail", "test.crm",
                "test.empty", "test.crash")


def _echo(ctx: CallContext, params: dict[str, Any]) -> Result:
    return Result({"params": params, "start": ctx.start, "user": ctx.user_id,
                   "auth_type": ctx.auth_type})


def _write(ctx: CallContext, params: dict[str, Any]) -> Result:
    rows = ctx.store.section("test_rows", {})
    new_id = ctx.store.next_id("test_rows")
    rows[str(new_id)] = {"ID": str(new_id), "NAME": params.get("NAME", "")}
    return Result(new_id)


def _app(_ctx: CallContext, _params: dict[str, Any]) -> Result:
    return Result(True)


def _list(ctx: CallContext, _params: dict[str, Any]) -> Result:
    return paginate([{"ID": str(i)} for i in range(1, 121)], ctx.start)


def _fail(_ctx: CallContext, _params: dict[str, Any]) -> Result:
    raise BitrixError("", "Parameter 'fields' must be array.", 400)


def _empty(_ctx: CallContext, _params: dict[str, Any]) -> Result:
    return Result({"items": {}, "options": {}})


def _crash(_ctx: CallContext, _params: dict[str, Any]) -> Result:
    raise RuntimeError("bug in a handler")


@pytest.fixture
def test_methods() -> Iterator[None]:
    """Tiny methods that exercise the protocol without depending on the CRM handlers.

    Not autouse: other sandbox tests share this directory; protocol tests opt in.
    """
    REGISTRY.add("test.ok", "basic")(_app)
    REGISTRY.add("test.echo", "basic")(_echo)
    REGISTRY.add("test.write", "basic", write=True)(_write)
    REGISTRY.add("test.app", "basic", app_only=True)(_app)
    REGISTRY.add("test.list", "basic")(_list)
    REGISTRY.add("test.fail", "basic")(_fail)
    REGISTRY.add("test.crm", "crm")(_app)
    REGISTRY.add("test.empty", "basic")(_empty)
    REGISTRY.add("test.crash", "basic")(_crash)
    yield
    for name in TEST_METHODS:
        REGISTRY.methods.pop(name, None)


@pytest.fixture
def http(sb: Sandbox) -> requests.Session:
    return sb.session()


@pytest.fixture
def hook(sb: Sandbox) -> str:
    return sb.webhook_url


@pytest.fixture
def portal() -> Portal:
    """A new portal's store and a caller of the CRM handlers (no protocol layer)."""
    return Portal()

"""The `call_card` and `tasks` kinds: public_url checked at load (and never one the portal would
refuse), written once for both tables, the bindings an app token lacking a scope cannot make
listed as manual, a switched-off guard's handler unbound."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.errors import ConfigError
from provisioner.kinds.companion.parse import public_url
from provisioner.sandbox import Sandbox, auth, events
from provisioner.sandbox.core import BitrixError
from provisioner.sandbox.handlers.apps import check_handler

FIXTURE = Path(__file__).parent / "fixtures" / "companion.toml"
RULE = '[[call_card.rules]]\nowner = "lead"\ncolor = "blue"\nmessage = "Лид"\n'


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        engine.load_text(text, "c.toml")
    return caught.value.render().splitlines()[1:]


@pytest.mark.parametrize(("url", "problem"), [
    ("http://app.example.com", "is plain http: the portal sends the app's tokens to it"),
    ("https://localhost:8443", 'the portal refuses a handler on the host "localhost" (no dot '
                               "in it)"),
    ("https://bot:secret@app.example.com", "holds a user or password"),
    ("https://app.example.com/?next=1", "has a query or fragment"),
    ("https://app.example.com:99999", "is not a URL"),
])
def test_a_public_url_the_portal_would_refuse_or_that_leaks_is_an_error(url: str,
                                                                      problem: str) -> None:
    lines = _problems(f'[call_card]\npublic_url = "{url}"\n{RULE}')
    assert lines[0] == f"c.toml:2: call_card.public_url: {problem}"
    assert len(lines) == 2  # the problem and its fix, no "no public_url is given" besides


def test_public_url_written_once_serves_both_tables_without_its_slash() -> None:
    desired = engine.load_text(f'[tasks.deadline_guard]\npublic_url = "https://a.example.com/"\n'
                               f"[call_card]\n{RULE}")
    assert desired.parts["call_card"].public_url == "https://a.example.com"
    assert desired.parts["tasks"].public_url == "https://a.example.com"
    assert engine.load_text('[call_card]\npublic_url = "http://127.0.0.1:8080"\n' + RULE
                            ).parts["call_card"].public_url == "http://127.0.0.1:8080"


def test_two_different_public_urls_or_none_are_errors() -> None:
    assert _problems(f'[call_card]\npublic_url = "https://a.example.com"\n{RULE}'
                     '[tasks.deadline_guard]\npublic_url = "https://b.example.com"\n') == [
        "c.toml:8: tasks.deadline_guard.public_url: differs from call_card.public_url "
        "(https://a.example.com): one app serves both",
        "    fix: write the same address, or leave it out here (the one in [call_card] counts "
        "for both)"]
    assert _problems(f"[call_card]\n{RULE}[tasks.deadline_guard]\n") == [
        "c.toml:1: call_card.public_url: the portal must be told where the companion app is, "
        "and no public_url is given",
        '    fix: add public_url = "https://app.example.com" (where `provision app serve` is '
        "reached) to [call_card] or [tasks.deadline_guard]"]
    # a switched-off guard binds nothing, so it needs no address
    assert engine.load_text("[tasks.deadline_guard]\nenabled = false\n").parts["tasks"] \
        .public_url is None


HOSTS = st.one_of(st.from_regex(r"[a-z0-9-]{1,12}(\.[a-z0-9-]{1,8}){0,3}\.?", fullmatch=True),
                  st.sampled_from(["127.0.0.1", "[::1]", "10.0.0.5", "localhost"]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http", "https"]), HOSTS,
       st.sampled_from(["", ":8080", ":0", ":65535"]),
       st.sampled_from(["", "/", "/b24", "/b24/app/", "?x", "#y"]))
def test_an_accepted_public_url_is_one_the_portal_binds(scheme: str, host: str, port: str,
                                                         path: str) -> None:
    url = f"{scheme}://{host}{port}{path}"
    found, issues = public_url({"public_url": url}, ("call_card",))
    assert (found is None) == bool(issues)
    if found is not None:
        for route in ("/call-card", "/event"):
            assert check_handler(found + route) == found + route  # raises if refused
        assert scheme == "https" or host.startswith("127.")


def _app_client(sb: Sandbox, scopes: list[str]) -> BitrixClient:
    """An OAuth client of a local app with these scopes (its administrator's token)."""
    store = sb.store
    with store.lock:
        app = events.create_local_app(store, sb.base_url, scopes)
        pair = auth.issue_pair(store, app.client_id, 1, time.time())
    return BitrixClient.from_oauth(sb.endpoint, pair["access_token"], pair["refresh_token"],
                                   app.client_id, app.client_secret, session=sb.session())


def test_an_app_token_without_the_scope_lists_the_binding_as_manual(sb: Sandbox) -> None:
    client = _app_client(sb, ["crm", "userfieldconfig", "user", "department", "bizproc", "task"])
    plan = engine.make_plan(engine.load_desired(FIXTURE), engine.read_live(client),
                            engine.PlanOptions())
    app = {str(c.address): c for c in plan.changes if str(c.address).startswith("app.")}
    assert {a: c.action for a, c in app.items()} == {
        "app.event[ONTASKUPDATE]": engine.Action.CREATE,
        "app.placement[CALL_CARD]": engine.Action.MANUAL}
    assert app["app.placement[CALL_CARD]"].reason == (
        "needs the app's scope placement, telephony: the call card's tab (placement CALL_CARD) "
        "cannot be bound with this token, so it is neither compared nor written. Tick the scope "
        "in the local app's settings, reinstall the app and plan again")
    assert app["app.placement[CALL_CARD]"].why.data() == {  # type: ignore[union-attr]
        "code": "binding_needs_scope", "what": "the call card's tab (placement CALL_CARD)",
        "scopes": ["placement", "telephony"]}
    report = engine.apply(plan, client)
    assert report.manual == ["app.placement[CALL_CARD]"]
    assert client.call("event.get").result[0]["handler"] == "https://app.example.com/event"


def test_a_switched_off_guard_unbinds_its_handler(sb: Sandbox) -> None:
    client = _app_client(sb, sorted(auth.ALL_SCOPES))
    on = FIXTURE.read_text(encoding="utf-8")
    engine.apply(engine.make_plan(engine.load_text(on), engine.read_live(client),
                                  engine.PlanOptions()), client)
    off = on.replace("[tasks.deadline_guard]\n", "[tasks.deadline_guard]\nenabled = false\n")
    plan = engine.make_plan(engine.load_text(off), engine.read_live(client),
                            engine.PlanOptions(allow_destroy=True))
    assert [(str(c.address), c.action.symbol, c.destructive) for c in plan.changes] == [
        ("app.event[ONTASKUPDATE]", "-", True)]
    engine.apply(plan, client, allow_destroy=True)
    assert client.call("event.get").result == []
    assert [r["placement"] for r in client.call("placement.get").result] == ["CALL_CARD"]


def test_the_portal_refuses_what_the_kinds_never_send() -> None:
    """The sandbox's side of the invariant above: a dotless host and another scheme."""
    for url, code in (("https://localhost/x", "ERROR_WRONG_HANDLER_URL"),
                      ("ftp://a.example.com/x", "ERROR_UNSUPPORTED_PROTOCOL")):
        with pytest.raises(BitrixError) as caught:
            check_handler(url)
        assert caught.value.error == code

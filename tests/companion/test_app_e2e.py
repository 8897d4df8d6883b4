"""End to end in the sandbox, through the app's HTTP endpoints: install, the seed's four steps
of the call card, the deadline guard, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from provisioner.sandbox import events
from provisioner.sandbox.crm import tasks_state
from tests.companion.harness import ADMIN, IRINA, IVAN, PHONES, World, world

DEADLINE = "2026-12-10T10:00:00+00:00"
MOVED = "2026-12-20T10:00:00+00:00"


@pytest.fixture(scope="module")
def w() -> Iterator[World]:
    with world() as started:
        yield started


def _color(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    marker = 'data-color="'
    return response.text.split(marker, 1)[1].split('"', 1)[0]


def test_install_stored_the_portal_and_bound_the_tab_and_the_event(w: World) -> None:
    inst = w.storage.get("sandbox")
    assert inst is not None and inst.client_endpoint == f"{w.portal_url}/rest/"
    store = w.sandbox.store
    placements = events.state(store)["placements"]
    assert [(p["placement"], p["handler"]) for p in placements] == [
        ("CALL_CARD", f"{w.companion_url}/call-card")]
    assert [(e["event"], e["handler"]) for e in events.state(store)["events"]] == [
        ("ONTASKUPDATE", f"{w.companion_url}/event")]
    assert ("ONAPPINSTALL", f"{w.companion_url}/install", 200) in events.DELIVERED


@pytest.mark.parametrize(("phone", "color", "text"), [
    (PHONES["red"], "red", "Компания «Ромашка», статус «В работе»"),
    (PHONES["processing_contact"], "yellow",
     "Контакт компании «Пётр Лютиков», компания «Лютик», статус «В обработке»"),
    (PHONES["lone_contact"], "yellow", "Контакт «Анна»"),
    (PHONES["lead"], "blue", "Лид «Заявка с сайта»"),
    (PHONES["own"], "none", "Компания «Своя компания», статус «В работе»"),
])
def test_seed_steps_give_their_colour(w: World, phone: str, color: str, text: str) -> None:
    response = w.open_card(IVAN, w.call_options(phone))
    assert _color(response) == color
    assert f"<dd>{text}</dd>" in response.text
    assert "frame-ancestors " + w.portal_url in response.headers["Content-Security-Policy"]


def test_the_owner_is_named(w: World) -> None:
    response = w.open_card(IVAN, w.call_options(PHONES["red"]))
    assert "<dt>Ответственный</dt><dd>Ирина Петрова</dd>" in response.text


@pytest.mark.parametrize("phone", ["8 (916) 000-00-01", "+7-916-000-00-01 доб. 12",
                                   "0079160000001"])
def test_a_phone_in_any_format_finds_the_same_owner(w: World, phone: str) -> None:
    assert _color(w.open_card(IVAN, w.call_options(phone))) == "red"


@pytest.mark.parametrize(("phone", "title"), [
    ("not a phone", "Номер не распознан"), ("+1 2", "Номер не распознан"),
    ("<script>alert(1)</script>", "Номер не распознан"), (12345, "Номер не распознан")])
def test_a_bad_phone_is_handled(w: World, phone: Any, title: str) -> None:
    response = w.open_card(IVAN, w.call_options(phone))
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.text and "<script>" not in response.text


def test_no_phone_in_the_call(w: World) -> None:
    options = w.call_options("x")
    del options["PHONE_NUMBER"]
    assert "<h1>Номер клиента неизвестен</h1>" in w.open_card(IVAN, options).text


@pytest.mark.parametrize("options", ["{not json", "[1, 2]", "", "null", "\"text\"",
                                     "[" * 5000])
def test_malformed_placement_options_are_refused(w: World, options: str) -> None:
    response = w.open_card(IVAN, options)
    assert response.status_code == 400
    assert "Данные звонка не читаются (PLACEMENT_OPTIONS)" in response.text
    assert "Traceback" not in response.text


def test_a_placement_call_for_another_portal_is_refused(w: World) -> None:
    other = w.open_card(IVAN, w.call_options(PHONES["red"]), member_id="other-portal")
    assert (other.status_code, "data-color=\"none\"" in other.text) == (403, True)
    assert "the app is not installed there" in other.text
    url, form = _card_request(w)
    wrong_domain = requests.post(url.replace("DOMAIN=127.0.0.1", "DOMAIN=evil.example"),
                                 data=form, timeout=10)
    assert wrong_domain.status_code == 403
    assert "Запрос пришёл не с того портала" in wrong_domain.text


def _card_request(w: World) -> tuple[str, dict[str, str]]:
    store = w.sandbox.store
    with store.lock:
        return events.placement_form(store, w.client_id, "CALL_CARD", IVAN,
                                     w.call_options(PHONES["red"]))


def test_a_forged_widget_token_or_session_is_refused(w: World) -> None:
    token = w.open_card(IVAN, w.call_options(PHONES["red"]), APPLICATION_TOKEN="forged")
    assert (token.status_code, "wrong application_token" in token.text) == (403, True)
    session = w.open_card(IVAN, w.call_options(PHONES["red"]), AUTH_ID="forged")
    assert session.status_code == 403
    assert "Битрикс24 не подтвердил вход" in session.text


def test_forged_events_are_refused_and_change_nothing(w: World) -> None:
    task = _task(w)
    form = {"event": "ONTASKUPDATE", "data[FIELDS_AFTER][ID]": str(task),
            "auth[member_id]": "sandbox", "auth[application_token]": "forged"}
    answer = requests.post(f"{w.companion_url}/event", data=form, timeout=10)
    assert (answer.status_code, answer.json()) == (403, {"error": "wrong application_token"})
    del form["auth[application_token]"]
    assert requests.post(f"{w.companion_url}/event", data=form, timeout=10).status_code == 403
    junk = requests.post(f"{w.companion_url}/event", data=b"\xff\xfe", timeout=10)
    assert (junk.status_code, junk.json()) == (400, {"error": "the body is not a form"})
    assert requests.get(f"{w.companion_url}/event", timeout=10).status_code == 405


def test_a_forged_install_is_refused(w: World) -> None:
    form = {"event": "ONAPPINSTALL", "auth[member_id]": "sandbox",
            "auth[client_endpoint]": "https://evil.example/rest/",
            "auth[server_endpoint]": "https://oauth.bitrix.info/rest/",
            "auth[access_token]": "a", "auth[refresh_token]": "r",
            "auth[application_token]": "mine"}
    answer = requests.post(f"{w.companion_url}/install", data=form, timeout=10)
    assert answer.status_code == 403
    assert answer.json() == {"error": "install refused: portal https://evil.example is not "
                             "one this app serves"}
    form["auth[client_endpoint]"] = f"{w.portal_url}/rest/"
    answer = requests.post(f"{w.companion_url}/install", data=form, timeout=10)
    assert answer.json() == {"error": "install refused: the install's tokens are not this "
                             "app's (invalid_grant)"}
    inst = w.storage.get("sandbox")
    assert inst is not None and inst.application_token != "mine"


# ---- the deadline guard ------------------------------------------------------------------

def _task(w: World, creator: int = ADMIN) -> int:
    answer = w.admin.call("tasks.task.add", {"fields": {
        "TITLE": "Оформление сделки c VIP-клиентом", "RESPONSIBLE_ID": IVAN,
        "CREATED_BY": creator, "DEADLINE": DEADLINE, "UF_CRM_TASK": ["D_1"],
        "ALLOW_CHANGE_DEADLINE": "Y"}}).result
    return int(answer["task"]["id"])


def _state(w: World, task_id: int) -> tuple[str, list[str], list[dict[str, Any]]]:
    store = w.sandbox.store
    task = tasks_state.tasks(store)[str(task_id)]
    chat = [m["text"] for m in tasks_state.messages(store, task["CHAT_ID"])]
    notes = [n for n in store.section("notifications", []) if f"№{task_id})" in n["message"]]
    return task["DEADLINE"], chat, notes


def _move(w: World, who: int, task_id: int) -> None:
    w.as_user(who).call("tasks.task.update", {"taskId": task_id, "fields": {"DEADLINE": MOVED}})
    events.drain()


def test_a_move_without_a_reason_is_put_back_with_a_comment_and_a_notice(w: World) -> None:
    task_id = _task(w)
    _move(w, IVAN, task_id)
    deadline, chat, notes = _state(w, task_id)
    assert deadline == DEADLINE
    assert chat == [("Крайний срок возвращён: 10.12.2026 10:00 UTC (был перенесён на "
                    "20.12.2026 10:00 UTC без причины). Чтобы перенести срок, сначала напишите "
                    "в задаче комментарий с причиной, затем перенесите срок.")]
    assert [(n["to"], n["message"]) for n in notes] == [(IRINA, (
        f"Иван Смирнов перенёс крайний срок задачи «Оформление сделки c VIP-клиентом» "
        f"(№{task_id}) с 10.12.2026 10:00 UTC на 20.12.2026 10:00 UTC без причины. "
        "Срок возвращён."))]
    moves = [h for h in tasks_state.history(w.sandbox.store)
             if h["taskId"] == task_id and h["field"] == "DEADLINE"]
    assert [(m["user"]["id"]) for m in moves] == [IVAN, ADMIN]  # the move and the revert only


def test_the_reverts_own_event_does_nothing(w: World) -> None:
    task_id = _task(w)
    before = len(events.DELIVERED)
    _move(w, IVAN, task_id)
    updates = [d for d in events.DELIVERED[before:] if d[0] == "ONTASKUPDATE"]
    assert updates == [("ONTASKUPDATE", f"{w.companion_url}/event", 200)] * 2
    deadline, chat, notes = _state(w, task_id)
    assert (deadline, len(chat), len(notes)) == (DEADLINE, 1, 1)


def test_a_move_with_a_reason_is_kept(w: World) -> None:
    task_id = _task(w)
    ivan = w.as_user(IVAN)
    ivan.call("task.commentitem.add", {"TASKID": task_id, "FIELDS": {
        "POST_MESSAGE": "Клиент в отпуске до 19-го, переношу звонок"}})
    _move(w, IVAN, task_id)
    deadline, chat, notes = _state(w, task_id)
    assert (deadline, notes) == (MOVED, [])
    assert chat == ["Клиент в отпуске до 19-го, переношу звонок"]


def test_a_reason_written_long_before_does_not_count(w: World) -> None:
    task_id = _task(w)
    store = w.sandbox.store
    settings = tasks_state.section(store)["settings"]
    with store.lock:
        settings["now"] = tasks_state.time.time() - 3600  # the comment is an hour old
    try:
        w.as_user(IVAN).call("task.commentitem.add", {"TASKID": task_id, "FIELDS": {
            "POST_MESSAGE": "старая причина"}})
    finally:
        with store.lock:
            settings["now"] = None
    _move(w, IVAN, task_id)
    assert _state(w, task_id)[0] == DEADLINE


def test_an_exempt_persons_move_is_kept(w: World) -> None:
    task_id = _task(w)
    _move(w, ADMIN, task_id)
    deadline, chat, notes = _state(w, task_id)
    assert (deadline, chat, notes) == (MOVED, [], [])


def test_a_task_not_made_by_a_robot_is_left_alone(w: World) -> None:
    task_id = _task(w, creator=IVAN)  # a reminder Ivan set himself
    _move(w, IVAN, task_id)
    assert _state(w, task_id)[0] == MOVED


def test_a_repeated_event_does_nothing(w: World) -> None:
    task_id = _task(w)
    _move(w, IVAN, task_id)
    inst = w.storage.get("sandbox")
    assert inst is not None
    form = {"event": "ONTASKUPDATE", "data[FIELDS_AFTER][ID]": str(task_id),
            "auth[member_id]": "sandbox", "auth[application_token]": inst.application_token}
    answer = requests.post(f"{w.companion_url}/event", data=form, timeout=10)
    assert answer.json() == {"status": "ignore", "reason": "this change was handled already",
                             "task": task_id}
    assert len(_state(w, task_id)[2]) == 1


def test_no_token_in_the_answers(w: World) -> None:
    inst = w.storage.get("sandbox")
    assert inst is not None
    response = w.open_card(IVAN, w.call_options(PHONES["red"]))
    for secret in (inst.access_token, inst.refresh_token, inst.application_token):
        assert secret not in response.text
        assert secret not in json.dumps(dict(response.headers))
    assert inst.access_token not in repr(inst)


def test_an_expired_token_is_refreshed_once_and_the_new_pair_stored(w: World) -> None:
    before = w.storage.get("sandbox")
    assert before is not None
    w.sandbox.expire_token(before.access_token)
    assert _color(w.open_card(IVAN, w.call_options(PHONES["lead"]))) == "blue"
    after = w.storage.get("sandbox")
    assert after is not None
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token

"""The seed's robots and triggers through the CLI on a sandbox: planned as manual with the steps,
never applied, written as a runbook, followed on the portal, attested, then gone from the plan."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from engine_automation_support import config_copy, edit, stage_automation
from golden import CASES, Golden
from helpers import CONFIG, run

from provisioner.automation.portal_form import stage_from_portal, stage_to_portal
from provisioner.sandbox import Sandbox, control
from provisioner.sandbox.store import Store

SEED_STAGES = ["NEW", "DATA_COLLECTION", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING",
               "FINAL_INVOICE", "WON", "LOSE", "APOLOGY"]
SPA_STAGES = ["NEW", "MANAGER_APPROVAL", "INTERVIEW", "OFFER_APPROVAL", "SUCCESS", "FAIL"]
ROBOTS = ["Контроль скорости реакции", "Обращение VIP-клиента", "Задача по VIP-сделке",
          "Счёт не оплачен"]
AUTOMATED = {"NEW", "DATA_COLLECTION", "PREPARATION", "PREPAYMENT_INVOICE"}
REQUIRED_FROM = "deal.field[EQUIPMENT_TYPE].required_from[sales]"  # planned like robots
# the companion app's bindings (portal-config/companion.toml): manual with a webhook
BINDINGS = ["app.event[ONTASKUPDATE]", "app.placement[CALL_CARD]"]
HINT = ("Manual changes (!) are never applied: carry them out on the portal (`provision runbook` "
        "writes the steps for robots, triggers and required_from rules), then record it with "
        "`provision attest`.")


def manual_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("  ! ")]


def test_fresh_sandbox_plan_lists_the_seed_robots_and_triggers_as_manual(
        state: Path, golden: Golden) -> None:
    planned = run(state, "plan", str(CONFIG))
    assert planned.exit_code == 0, planned.output
    text = stage_automation(planned.stdout)
    golden.check(CASES / "seed-robots-and-triggers-planned-manual" / "plan-stage-automation.txt", text)
    assert manual_lines(planned.stdout) == [
        *(f"  ! {a}" for a in BINDINGS),
        f"  ! {REQUIRED_FROM}",
        "  ! deal.pipeline[sales].stage[NEW].robot[1]",  # stages in the pipeline's order
        "  ! deal.pipeline[sales].stage[NEW].robot[2]",
        "  ! deal.pipeline[sales].stage[DATA_COLLECTION].trigger[OPENLINE_ANSWER]",
        "  ! deal.pipeline[sales].stage[PREPARATION].robot[1]",
        "  ! deal.pipeline[sales].stage[PREPAYMENT_INVOICE].robot[1]"]
    assert planned.stdout.splitlines()[-3] == HINT
    assert planned.stdout.splitlines()[-2] == (
        "REST cost: read 1 request; apply needs ~2 requests (~0 s under the rate limit).")
    assert planned.stdout.splitlines()[-1].endswith(", 8 manual.")


def test_apply_never_reports_robots_as_applied(state: Path) -> None:
    applied = run(state, "apply", str(CONFIG), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    tail = applied.stdout.splitlines()[-9:]
    assert tail[0].startswith("Apply complete: ")
    assert tail[0].endswith(" 8 manual change(s) left for an administrator, not applied: run "
                            "`provision runbook` for the steps, then `provision attest`.")
    assert tail[1:] == [*(f"  ! {a}: manual, not applied" for a in BINDINGS),
                        f"  ! {REQUIRED_FROM}: manual, not applied",
                        *(f"  ! {a}: manual, not applied" for a in (
                            "deal.pipeline[sales].stage[NEW].robot[1]",
                            "deal.pipeline[sales].stage[NEW].robot[2]",
                            "deal.pipeline[sales].stage[DATA_COLLECTION].trigger[OPENLINE_ANSWER]",
                            "deal.pipeline[sales].stage[PREPARATION].robot[1]",
                            "deal.pipeline[sales].stage[PREPAYMENT_INVOICE].robot[1]"))]
    assert control.stage_robots(Sandbox.open(state).store, 2, "NEW") == []  # nothing placed
    again = run(state, "plan", str(CONFIG), "--detailed-exitcode")
    assert again.exit_code == 0  # manual items alone are not changes apply could make
    assert len(manual_lines(again.stdout)) == 8


class Dom(HTMLParser):
    """Stage columns (data-stage) and the texts of robot and trigger cards."""

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[str] = []
        self.cards: list[str] = []
        self._depth = 0

    def handle_starttag(self, _tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if "stage" in classes:
            self.stages.append(dict(attrs).get("data-stage") or "")
        if "card" in classes:
            self.cards.append("")
            self._depth = 1
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, _tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cards[-1] += data


def test_runbook_writes_markdown_and_html_with_every_stage_and_robot(
        state: Path, tmp_path: Path) -> None:
    assert run(state, "apply", str(CONFIG), "--auto-approve").exit_code == 0
    out = tmp_path / "book"
    made = run(state, "runbook", str(CONFIG), "--out", str(out))
    assert made.exit_code == 0, made.output
    assert made.stdout == (f"wrote {out / 'runbook.md'}\nwrote {out / 'runbook.html'}\n"
                           "6 manual steps left on sandbox; when done, run "
                           "`provision attest --by NAME`.\n")
    markdown = (out / "runbook.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Роботы, триггеры и обязательные поля: ранбук\n\n"
                               "Портал: sandbox\n")
    assert [line for line in markdown.splitlines() if line.startswith("### ") and ". " in line
            and line[4].isdigit()] == [
        "### 1. Добавить робота «Контроль скорости реакции» на стадию «Новая»",
        "### 2. Добавить робота «Обращение VIP-клиента» на стадию «Новая»",
        "### 3. Добавить триггер «Диалог взят в работу» на стадию «Сбор данных»",
        "### 4. Добавить робота «Задача по VIP-сделке» на стадию «Оформление»",
        "### 5. Добавить робота «Счёт не оплачен» на стадию «Оплата»",
        "### 6. Сделать поле «Тип оборудования» обязательным со стадии «Оформление»"]
    assert "### «Оформление» (PREPARATION)\n\n" in markdown
    assert "Обязательные поля с этой стадии: «Тип оборудования»\n" in markdown
    dom = Dom()
    dom.feed((out / "runbook.html").read_text(encoding="utf-8"))
    assert dom.stages == SEED_STAGES + SPA_STAGES  # the smart process's pipeline too
    for title in [*ROBOTS, "Диалог взят в работу"]:
        assert sum(title in card for card in dom.cards) == 1, title
    page = (out / "runbook.html").read_text(encoding="utf-8")
    assert page.count('<div class="card mandatory"><b>Тип оборудования</b></div>') == 1


def _follow_the_runbook(state: Path, stages: set[str]) -> None:
    """An administrator places the desired robots and triggers in the automation screen (the
    sandbox's non-Bitrix control surface), stage by stage."""
    from provisioner import engine
    from provisioner.kinds.automation.book import desired_by_stage

    desired = desired_by_stage(engine.load_desired(CONFIG))
    sb = Sandbox.open(state)
    users = _users(sb.store)
    with sb.stores.transaction() as store, store.lock:
        for code in stages:
            auto = desired[f"deal.pipeline[sales].stage[{code}]"]
            robots, triggers = stage_to_portal(auto, users)
            control.set_stage_robots(store, 2, code, robots)
            control.set_stage_triggers(store, 2, code, triggers)
            placed = stage_from_portal(control.stage_robots(store, 2, code),
                                       control.stage_triggers(store, 2, code), users)
            assert placed == auto  # the portal now holds what the runbook describes
        sb.stores.commit(store)


def _users(store: Store) -> dict[str, int]:
    rows = store.data["users"]
    rows = rows if isinstance(rows, list) else list(rows.values())
    return {str(u["EMAIL"]).lower(): int(u["ID"]) for u in rows}


def test_runbook_followed_and_attested_leaves_no_manual_items(state: Path,
                                                              tmp_path: Path) -> None:
    config = config_copy(tmp_path)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    _follow_the_runbook(state, {"NEW", "DATA_COLLECTION"})
    signed = run(state, "attest", str(config), "--by", "Ирина Петрова", "--date", "2026-11-23",
                 "--stage", "deal.pipeline[sales].stage[NEW]",
                 "--stage", "deal.pipeline[sales].stage[DATA_COLLECTION]")
    assert signed.exit_code == 0, signed.output
    record = config / "attestations" / "sandbox.toml"  # in the config directory
    assert signed.stdout == (f"Attested on sandbox by Ирина Петрова (2026-11-23), recorded in "
                             f"{record}:\n  deal.pipeline[sales].stage[DATA_COLLECTION]\n"
                             "  deal.pipeline[sales].stage[NEW]\n")
    text = record.read_text(encoding="utf-8")
    assert 'portal = "sandbox"' in text and "token" not in text.lower()
    assert manual_lines(run(state, "plan", str(config)).stdout) == [
        *(f"  ! {a}" for a in BINDINGS), f"  ! {REQUIRED_FROM}",
        "  ! deal.pipeline[sales].stage[PREPARATION].robot[1]",
        "  ! deal.pipeline[sales].stage[PREPAYMENT_INVOICE].robot[1]"]

    _follow_the_runbook(state, {"PREPARATION", "PREPAYMENT_INVOICE"})
    assert run(state, "attest", str(config), "--by", "Ирина Петрова").exit_code == 0
    assert manual_lines(run(state, "plan", str(config)).stdout) == [
        f"  ! {a}" for a in BINDINGS]  # required_from is attested too
    book = run(state, "runbook", str(config), "--out", str(tmp_path / "book"))
    assert book.stdout.endswith("Nothing left to do on sandbox: everything is attested.\n")

    # A changed robot in the config brings back exactly its manual change.
    edit(config, 'after = "10m"', 'after = "15m"')
    planned = run(state, "plan", str(config))
    assert manual_lines(planned.stdout) == [
        *(f"  ! {a}" for a in BINDINGS), "  ! deal.pipeline[sales].stage[NEW].robot[1]"]
    assert stage_automation(planned.stdout) == (
        "  ! deal.pipeline[sales].stage[NEW].robot[1]\n"
        "      delay.amount: 10 -> 15\n"
        "      # Изменить робота «Контроль скорости реакции» на стадии «Новая»:\n"
        "      #   1. Откройте «CRM» → «Сделки», выберите воронку «Продажи» и нажмите «Роботы».\n"
        "      #   2. В колонке стадии «Новая», в строке «Роботы», откройте робота "
        "«Контроль скорости реакции» (1-й по счёту).\n"
        "      #   3. Укажите «Выполнить»: Через 15 минут\n"
        "      #   4. Нажмите «Сохранить» в окне робота, затем «Сохранить» внизу страницы.\n")

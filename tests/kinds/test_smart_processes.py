"""Smart processes against the sandbox: types keyed by code, two pipelines, fields over
userfieldconfig, deletion consent; one golden plan (see below)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from golden import CASES, Golden
from kinds_support import converge, plan, setup_case

from provisioner import engine
from provisioner.client import BitrixClient
from provisioner.engine.live import read_languages
from provisioner.errors import ConfigError

TWO = """
[smart_processes.one]
title = "Первый"
[smart_processes.two]
title = "Второй"
"""


def _types(client: BitrixClient) -> dict[str, dict[str, Any]]:
    rows = client.call("crm.type.list", {}).result["types"]
    return {r["code"]: r for r in rows}


def _stages(client: BitrixClient, etid: int, category: int) -> list[tuple[str, str, str]]:
    rows = client.call("crm.status.list", {"filter": {
        "ENTITY_ID": f"DYNAMIC_{etid}_STAGE_{category}"}}).result
    rows = sorted(rows, key=lambda r: (int(r["SORT"]), int(r["ID"])))
    return [(r["STATUS_ID"], r["NAME"], str(r["CATEGORY_ID"])) for r in rows]


def test_two_pipelines_are_made_with_their_stages(client: BitrixClient) -> None:
    desired = setup_case(client, "smart-process-two-pipelines")
    assert converge(client, desired).changes == ()
    spa = _types(client)["hr_candidates"]
    assert (spa["title"], spa["isCategoriesEnabled"], spa["isAutomationEnabled"]) == (
        "Кандидаты", "Y", "Y")
    etid = int(spa["entityTypeId"])
    cats = client.call("crm.category.list", {"entityTypeId": etid}).result["categories"]
    by_name = {c["name"]: c for c in cats}
    assert sorted(by_name) == ["Найм", "Стажёры"]
    main, interns = int(by_name["Найм"]["id"]), int(by_name["Стажёры"]["id"])
    assert by_name["Найм"]["isDefault"] == "Y"
    prefix = f"DT{etid}_{main}:"
    assert _stages(client, etid, main) == [
        (prefix + "NEW", "Первый созвон", str(main)),
        (prefix + "MANAGER_APPROVAL", "Согласование с руководителем", str(main)),
        (prefix + "SUCCESS", "Принят в штат", str(main)),
        (prefix + "FAIL", "Отказ", str(main))]
    assert [s[1] for s in _stages(client, etid, interns)] == ["Заявка", "Принят", "Отказ"]
    parent = client.call("crm.type.get", {"id": spa["id"]}).result["type"]["relations"]["parent"]
    assert [r["entityTypeId"] for r in parent if r.get("isPredefined") != "Y"] == [2]


def test_field_added_to_a_smart_process(golden: Golden, client: BitrixClient) -> None:
    """A case of its own, plan text only: the sandbox stamps crm.type rows with the wall clock
    (createdTime), so the live fingerprint of a portal holding a type is not repeatable and the
    plan JSON (fingerprint included) could not be golden. Live state: before.toml applied."""
    case = CASES / "smart-process-field-added"
    converge(client, engine.load_desired(case / "before.toml"))
    desired = engine.load_desired(case / "desired.toml")
    text = engine.render_text(plan(client, desired))
    golden.check(case / "plan.txt", text)
    assert [c.action for c in converge(client, desired).changes] == [engine.Action.MANUAL]
    spa = _types(client)["hr_candidates"]
    fields = client.call("userfieldconfig.list", {"moduleId": "crm", "filter": {
        "entityId": f"CRM_{spa['id']}"}}).result["fields"]
    assert [f["fieldName"] for f in fields] == [f"UF_CRM_{spa['id']}_SOURCE"]
    field = client.call("userfieldconfig.get", {"moduleId": "crm", "id": fields[0]["id"]}).result
    assert [(i["xmlId"], i["value"], i["def"]) for i in field["field"]["enum"]] == [
        ("hh_ru", "hh.ru", "N"), ("referral", "Рекомендация", "Y")]
    assert field["field"]["editFormLabel"]["en"] == "Source"


def test_deleting_a_smart_process_needs_consent(client: BitrixClient) -> None:
    converge(client, engine.load_text(TWO))
    desired = engine.load_text(TWO.split("[smart_processes.two]")[0])
    cautious = plan(client, desired)
    assert cautious.changes == ()
    bold = plan(client, desired, allow=True)
    assert [(str(c.address), c.action, c.destructive, c.reason) for c in bold.changes] == [
        ("smart_process[two]", engine.Action.DELETE, True,
         ("deleting a smart process deletes its pipelines, stages and fields; the portal refuses "
         "while it has items"))]
    with pytest.raises(engine.DestroyRefused):
        engine.apply(bold, client)
    assert sorted(_types(client)) == ["one", "two"]
    engine.apply(bold, client, allow_destroy=True)
    assert sorted(_types(client)) == ["one"]


def test_an_unstamped_type_is_matched_by_title_and_stamped(client: BitrixClient) -> None:
    client.call("crm.type.add", {"fields": {"title": "Первый"}})
    desired = engine.load_text(TWO.split("[smart_processes.two]")[0] + "automation = true\n")
    first = plan(client, desired)
    assert [(str(c.address), c.action) for c in first.changes] == [
        ("smart_process[one]", engine.Action.UPDATE)]
    assert converge(client, desired).changes == ()
    assert _types(client)["one"]["isAutomationEnabled"] == "Y"


def test_smart_process_checks() -> None:
    text = """
[smart_processes.hr]
title = "HR"
parents = ["dealz"]
[smart_processes.hr.pipelines.a]
name = "A"
stages = [{ code = "NEW", name = "N" }, { code = "HIRED", name = "H", semantics = "success" },
          { code = "FAIL", name = "F", semantics = "failure" }]
[smart_processes.hr.pipelines.b]
name = "B"
default = true
stages = [{ code = "NEW", name = "N" }, { code = "SUCCESS", name = "S", semantics = "success" },
          { code = "FAIL", name = "F", semantics = "failure" }]
[smart_processes.hr.fields.X]
type = "string"
label = "X"
show_in_list = false
"""
    from provisioner.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        engine.load_text(text)
    assert [f"{p.key}: {p.message}" for p in err.value.problems] == [
        'smart_processes.hr.parents: unknown entity "dealz"',
        "smart_processes.hr.pipelines: declared stages need `stages = true`",
        "smart_processes.hr.pipelines: several pipelines need `categories = true`",
        ('smart_processes.hr.pipelines.a.stages[1].code: the success stage must have code '
        '"SUCCESS"'),
        "smart_processes.hr.fields.X.show_in_list: unknown key `show_in_list`"]
    assert [p.fix for p in err.value.problems[:3]] == [
        'did you mean "deal"? use lead, deal, contact, company, quote or a declared smart '
        "process code",
        "add `stages = true` under [smart_processes.hr]",
        "add `categories = true` under [smart_processes.hr]"]


# ---- issue 13 item 2: renaming smart-process pipelines -----------------------------------

PIPES = """
[smart_processes.hr]
title = "Кандидаты"
categories = true
stages = true
{pipes}
"""
PIPE = """
[smart_processes.hr.pipelines.{key}]
name = "{name}"
{extra}
stages = [{{ code = "NEW", name = "N" }}, {{ code = "SUCCESS", name = "S", semantics = "success" }},
          {{ code = "FAIL", name = "F", semantics = "failure" }}]
"""


def _pipes(*rows: tuple[str, str, str]) -> engine.DesiredState:
    return engine.load_text(PIPES.format(pipes="".join(
        PIPE.format(key=k, name=n, extra=e) for k, n, e in rows)))


def _categories(client: BitrixClient) -> list[tuple[int, str]]:
    etid = int(_types(client)["hr"]["entityTypeId"])
    cats = client.call("crm.category.list", {"entityTypeId": etid}).result["categories"]
    return sorted((int(c["id"]), c["name"]) for c in cats)


def _changes(p: engine.Plan) -> list[str]:
    return [f"{c.action.symbol} {c.address}" for c in p.changes] + \
        [f"# {n.address}: {n.reason}" for n in p.notes]


def test_renaming_the_one_other_pipeline_is_an_update(client: BitrixClient) -> None:
    """Before: a new pipeline was planned and the old one (and its items) left to delete."""
    default = ("hiring", "Найм", "default = true")
    converge(client, _pipes(default, ("interns", "Стажёры", "")))
    before = _categories(client)
    renamed = _pipes(default, ("interns", "Практиканты", ""))
    assert _changes(plan(client, renamed, allow=True)) == [
        "~ smart_process[hr].pipeline[interns]",
        '# smart_process[hr].pipeline[interns]: the portal\'s pipeline "Стажёры", matched as the '
        "only pipeline left over on both sides (a smart-process pipeline keeps no key on the "
        "portal): renamed, its items stay"]
    assert converge(client, renamed).changes == ()
    assert _categories(client) == [(before[0][0], "Найм"), (before[1][0], "Практиканты")]


def test_renaming_two_pipelines_at_once_takes_moved_from(client: BitrixClient) -> None:
    default = ("hiring", "Найм", "default = true")
    converge(client, _pipes(default, ("a", "Первая", ""), ("b", "Вторая", "")))
    before = _categories(client)
    ambiguous = _pipes(default, ("a", "Первая 2", ""), ("b", "Вторая 2", ""))
    with pytest.raises(ConfigError) as err:
        plan(client, ambiguous, allow=True)
    assert [p.render() for p in err.value.problems] == [
        'desired.toml:13: smart_processes.hr.pipelines.a: new pipelines "a" and "b" beside the '
        'portal\'s unmatched pipelines "Первая" and "Вторая": renamed or new cannot be told (a '
        "smart-process pipeline keeps no key on the portal), so no plan is made\n"
        '    fix: in each pipeline renamed here, write `moved_from = "<its name on the portal>"` '
        '(e.g. `moved_from = "Первая"`); to delete the portal\'s pipelines instead, remove them '
        "in one apply and add the new ones in the next"]
    moved = _pipes(default, ("a", "Первая 2", 'moved_from = "Первая"'),
                   ("b", "Вторая 2", 'moved_from = "Вторая"'))
    assert [c for c in _changes(plan(client, moved, allow=True)) if c[0] in "+-~"] == [
        "~ smart_process[hr].pipeline[a]", "~ smart_process[hr].pipeline[b]"]
    assert converge(client, moved).changes == ()
    assert _categories(client) == [(before[0][0], "Найм"), (before[1][0], "Первая 2"),
                                   (before[2][0], "Вторая 2")]


def test_a_rename_beside_a_new_pipeline_is_refused_not_guessed(client: BitrixClient) -> None:
    """Before (user trial): planned `+ interns`, `+ archive` and `- stazhery` (deleted with
    --allow-destroy, items and all), and apply made a second pipeline for the renamed one."""
    default = ("hiring", "Найм", "default = true")
    converge(client, _pipes(default, ("interns", "Стажёры", "")))
    before = _categories(client)
    both = _pipes(default, ("interns", "Практиканты", ""), ("archive", "Архив", ""))
    with pytest.raises(ConfigError) as err:
        plan(client, both, allow=True)
    assert [(p.file, p.line, p.key, p.message, p.fix) for p in err.value.problems] == [(
        "desired.toml", 13, "smart_processes.hr.pipelines.interns",
        'new pipelines "interns" and "archive" beside the portal\'s unmatched pipeline '
        '"Стажёры": renamed or new cannot be told (a smart-process pipeline keeps no key on the '
        "portal), so no plan is made",
        'in each pipeline renamed here, write `moved_from = "<its name on the portal>"` (e.g. '
        '`moved_from = "Стажёры"`); to delete the portal\'s pipelines instead, remove them in '
        "one apply and add the new ones in the next")]
    assert _categories(client) == before
    moved = _pipes(default, ("interns", "Практиканты", 'moved_from = "Стажёры"'),
                   ("archive", "Архив", ""))
    assert [c for c in _changes(plan(client, moved, allow=True)) if c[0] in "+-~"
            and "stage" not in c] == [
        "+ smart_process[hr].pipeline[archive]", "~ smart_process[hr].pipeline[interns]"]
    assert converge(client, moved).changes == ()
    assert _categories(client)[:2] == [(before[0][0], "Найм"), (before[1][0], "Практиканты")]
    assert [n for _, n in _categories(client)] == ["Найм", "Практиканты", "Архив"]


def test_a_stage_code_moves_with_moved_from(client: BitrixClient) -> None:
    """Before: moved_from on a smart-process stage was ignored (create and delete)."""
    text = PIPES.format(pipes=PIPE.format(key="hiring", name="Найм", extra="default = true"))
    converge(client, engine.load_text(text.replace(
        '{ code = "NEW", name = "N" }', '{ code = "NEW", name = "N" }, { code = "CALL", name = "C" }')))
    moved = engine.load_text(text.replace(
        '{ code = "NEW", name = "N" }',
        '{ code = "NEW", name = "N" }, { code = "PHONE", name = "Звонок", moved_from = "CALL" }'))
    assert [c for c in _changes(plan(client, moved, allow=True)) if c[0] in "+-~"] == [
        "~ smart_process[hr].pipeline[hiring].stage[PHONE]"]
    assert converge(client, moved).changes == ()
    etid = int(_types(client)["hr"]["entityTypeId"])
    category = _categories(client)[0][0]
    assert [s[0].split(":")[1] for s in _stages(client, etid, category)] == [
        "NEW", "CALL", "SUCCESS", "FAIL"]


# ---- issue 13 item 3: relations as the portal keeps them ---------------------------------

def test_relations_the_portal_would_ignore_are_located_errors() -> None:
    """Before: `parents = ["contact"]` without client was sent, dropped by the portal, and
    planned again forever."""
    from provisioner.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        engine.load_text('[smart_processes.hr]\ntitle = "HR"\nparents = ["contact", "hr"]\n'
                         'children = ["company"]\n')
    assert sorted((p.key, p.message, p.fix) for p in err.value.problems) == [
        ("smart_processes.hr.parents", '"contact" is a parent of a smart process\'s items only '
         "through its Client field: the portal ignores it in relations",
         'add `client = true` (contacts and companies both), or remove "contact"'),
        ("smart_processes.hr.parents", '"hr" is the smart process itself',
         "remove it: the portal relates a smart process to other types only")]


def test_a_relation_named_twice_is_a_located_error() -> None:
    """Before: `parents = ["deal", "deal"]` passed, the portal kept one, and every plan
    re-sent `parents: ["deal"] -> ["deal", "deal"]` (drift red for ever)."""
    from provisioner.errors import ConfigError
    with pytest.raises(ConfigError) as err:
        engine.load_text('[smart_processes.hr]\ntitle = "HR"\nparents = ["deal", "deal"]\n')
    assert [(p.key, p.message, p.fix) for p in err.value.problems] == [
        ("smart_processes.hr.parents[1]", '"deal" is named twice', "name each entity once")]


def test_a_relation_is_shown_on_both_smart_processes_and_client_parents_drop() -> None:
    desired = engine.load_text('[smart_processes.hr]\ntitle = "HR"\nclient = true\n'
                               'parents = ["company", "offer", "deal"]\n'
                               '[smart_processes.offer]\ntitle = "Offer"\n')
    spas = {s.spa.code: s.spa for s in desired.parts["smart_processes"]}
    assert (spas["hr"].parents, spas["hr"].children) == (("deal", "offer"), ())
    assert (spas["offer"].parents, spas["offer"].children) == ((), ("hr",))


def test_relations_to_smart_processes_made_by_the_same_apply_land_in_it(
        client: BitrixClient) -> None:
    """Before: dropped by the first apply (the type had no entityTypeId yet), set by a second."""
    desired = engine.load_text('[smart_processes.hr]\ntitle = "HR"\nparents = ["offer"]\n'
                               'children = ["deal"]\n[smart_processes.offer]\ntitle = "Offer"\n')
    engine.apply(plan(client, desired), client)
    assert plan(client, desired).changes == ()
    types = _types(client)
    got = client.call("crm.type.get", {"id": types["hr"]["id"]}).result["type"]["relations"]
    assert [r["entityTypeId"] for r in got["parent"]] == [types["offer"]["entityTypeId"]]
    assert [r["entityTypeId"] for r in got["child"]] == [2]


def test_a_field_label_update_keeps_a_language_set_by_hand_the_plan_did_not_read(
        client: BitrixClient) -> None:
    """Issue 18: a plan naming only ru and en reads a smart process's labels in those two, so
    the apply reads the field whole (userfieldconfig.get) before its update. Fails without
    that read: the update sends ru and en alone, and the portal blanks de."""
    before = ('[smart_processes.hr]\ntitle = "Кандидаты"\n[smart_processes.hr.fields.SOURCE]\n'
              'type = "string"\nlabel = { ru = "Источник", en = "Source" }\n')
    converge(client, engine.load_text(before))
    spa = _types(client)["hr"]
    row = client.call("userfieldconfig.list", {"moduleId": "crm", "filter": {
        "entityId": f"CRM_{spa['id']}"}}).result["fields"][0]

    def labels() -> dict[str, str]:
        got = client.call("userfieldconfig.get", {"moduleId": "crm", "id": row["id"]}).result
        return dict(got["field"]["editFormLabel"])

    client.call("userfieldconfig.update", {"moduleId": "crm", "id": row["id"], "field": {
        "editFormLabel": {**labels(), "de": "Quelle"}}})
    after = engine.load_text(before.replace('"Источник"', '"Откуда"'))
    relabel = plan(client, after)
    assert [str(c.address) for c in relabel.changes] == ["smart_process[hr].field[SOURCE]"]
    # lists in ru and en (their guessed next pages too), no other language, no get
    assert set(_label_reads(client, after)) == {("userfieldconfig.list", "ru"),
                                                ("userfieldconfig.list", "en")}
    assert relabel.live_nodes[relabel.changes[0].address].full is None  # ru and en only read
    assert converge(client, after).changes == ()
    got = labels()
    assert (got["ru"], got["en"], got["de"]) == ("Откуда", "Source", "Quelle")


def _label_reads(client: BitrixClient, desired: engine.DesiredState) -> list[tuple[str, str]]:
    """The smart-process field reads of a plan's read: method and language (or field id)."""
    sent: list[tuple[str, str]] = []

    class Reads:
        def batch(self, calls: Any, halt: bool = False, rows: Any = None) -> Any:  # noqa: ARG002
            sent.extend((m, str(p.get("select", {}).get("language") or p.get("id")))
                        for m, p in calls.values() if m.startswith("userfieldconfig.")
                        and p.get("select") != {"0": "id"})  # the classic fields' counts
            return client.batch(calls, halt)

    engine.read_live(Reads(), languages=read_languages(desired.parts))
    return sent


def test_export_of_a_smart_process_field_leaves_out_the_languages_nobody_set(
        client: BitrixClient) -> None:
    """Before: export wrote ar = "", br = "", ... for every other language (the languages
    userfieldconfig.add leaves empty were taken for an administrator's)."""
    from provisioner.kinds import KINDS

    converge(client, engine.load_text(
        '[smart_processes.repairs]\ntitle = "Ремонт"\n\n'
        '[smart_processes.repairs.fields.SERIAL]\ntype = "string"\n'
        'label = { ru = "Серийный номер", en = "Serial" }\n'))
    kind = next(k for k in KINDS if k.name == "smart_processes")
    files = kind.export(engine.read_live(client).parts["smart_processes"])  # type: ignore[attr-defined]
    field = files["smart-processes.toml"]["smart_processes"]["repairs"]["fields"]["SERIAL"]
    assert field == {"type": "string", "label": {"ru": "Серийный номер", "en": "Serial"}}


# ---- user trial: a fresh export keys pipelines by what a rename keeps -----------------------

def test_a_fresh_export_keys_the_default_pipeline_as_a_deal_export_does(
        client: BitrixClient) -> None:
    """Before (user trial): the default pipeline came out under its name (`naym`), and under
    another key after a rename on the portal; now `default`, as a deal export's default."""
    from provisioner.engine.exporter import export_documents
    converge(client, _pipes(("hiring", "Найм", "default = true"), ("interns", "Стажёры", "")))
    etid = int(_types(client)["hr"]["entityTypeId"])
    keys = []
    for name in ("Найм", "Подбор"):
        default = _categories(client)[0][0]
        client.call("crm.category.update", {"entityTypeId": etid, "id": default,
                                            "fields": {"name": name}})
        text = export_documents(engine.read_live(client)).files["smart-processes.toml"]
        keys.append([line for line in text.splitlines()
                     if line.startswith("[smart_processes.hr.pipelines.")])
    assert keys == [["[smart_processes.hr.pipelines.default]",
                     "[smart_processes.hr.pipelines.stazhery]"]] * 2


def test_a_pipeline_is_keyed_by_its_code_then_default_then_name() -> None:
    """The portal's system pipelines carry a `code` (crm-category-add.md: "alias for system
    funnels", SPAs only): their key whatever their name; a name never takes a claimed key."""
    from provisioner.kinds.smart_processes.live import live_specs
    cats = [{"id": 8, "name": "Default", "isDefault": "N", "sort": 5},
            {"id": 5, "name": "Найм 2", "isDefault": "Y", "sort": 10},
            {"id": 6, "name": "Стажёры", "isDefault": "N", "sort": 20},
            {"id": 7, "name": "Документы", "isDefault": "N", "sort": 30, "code": "DOCS",
             "isSystem": "Y"}]
    results = {"crm_types": [{"id": 1, "entityTypeId": 1030, "code": "hr", "title": "HR",
                              "isStagesEnabled": "Y", "isCategoriesEnabled": "Y"}],
               "spa_cats_1030": {"categories": cats}, "statuses": []}
    [spec] = live_specs(results)
    assert [(p.pipeline.key, p.pipeline.name) for p in spec.pipelines] == [
        ("default_8", "Default"), ("default", "Найм 2"), ("stazhery", "Стажёры"),
        ("DOCS", "Документы")]


def test_the_cli_refuses_a_rename_beside_a_new_pipeline_with_exit_1(tmp_path: Path) -> None:
    """The refusal as the user meets it: one located error, exit 1, no traceback, the
    portal untouched (the same categories before and after)."""
    from helpers import client_of, run, write

    from provisioner.sandbox import Sandbox
    state = tmp_path / "sandbox.json"
    default = PIPE.format(key="hiring", name="Найм", extra="default = true")
    before = PIPES.format(pipes=default + PIPE.format(key="interns", name="Стажёры", extra=""))
    config = write(tmp_path / "cfg" / "hr.toml", before)
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    held = _categories(client_of(Sandbox.open(state)))
    write(config, before.replace('"Стажёры"', '"Практиканты"') +
          PIPE.format(key="archive", name="Архив", extra=""))
    for command in ("plan", "apply"):
        result = run(state, command, str(config), "--allow-destroy", "--auto-approve"
                     ) if command == "apply" else run(state, command, str(config))
        assert (result.exit_code, result.stderr.splitlines()[-3:]) == (1, [
            "1 problem in the desired state:",
            f'{config}:13: smart_processes.hr.pipelines.interns: new pipelines "interns" and '
            '"archive" beside the portal\'s unmatched pipeline "Стажёры": renamed or new cannot '
            "be told (a smart-process pipeline keeps no key on the portal), so no plan is made",
            '    fix: in each pipeline renamed here, write `moved_from = "<its name on the '
            'portal>"` (e.g. `moved_from = "Стажёры"`); to delete the portal\'s pipelines '
            "instead, remove them in one apply and add the new ones in the next"]), command
        assert "Traceback" not in result.output
    assert _categories(client_of(Sandbox.open(state))) == held


def test_two_pipelines_of_one_name_are_a_located_error() -> None:
    """trial2: a smart-process pipeline keeps no key on the portal and is matched by its name
    (trimmed), so two further pipelines of one name would be made, and every plan after refuse
    them as twins ("the portal holds twins ... pipeline[b]: id 2 and id 3"): refused when the
    config is loaded, naming the second."""
    stages = ('stages = [{ code = "NEW", name = "Новый" }, { code = "SUCCESS", name = "Да", '
              'semantics = "success" }, { code = "FAIL", name = "Нет", semantics = "failure" }]\n')
    text = ('[smart_processes.hr]\ntitle = "HR"\nstages = true\ncategories = true\n'
            f'[smart_processes.hr.pipelines.main]\nname = "Найм"\ndefault = true\n{stages}'
            f'[smart_processes.hr.pipelines.a]\nname = "Стажёры"\n{stages}'
            f'[smart_processes.hr.pipelines.b]\nname = " Стажёры"\n{stages}')
    with pytest.raises(ConfigError) as err:
        engine.load_text(text)
    assert [(p.key, p.message, p.fix) for p in err.value.problems] == [
        ("smart_processes.hr.pipelines.b.name", 'pipeline "a" has the name "Стажёры" too',
         "give each pipeline of a smart process its own name: the portal keeps no key on "
         "them, so they are told apart by name")]

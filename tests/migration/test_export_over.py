"""export never loses work silently (issue 13 item 6): it refuses to write over a config without
--force; over a config (or --from CONFIG) it keeps the config's keys, layout and what the portal
cannot give back (robots, triggers, required_from, [app], [provision]), says so in its output
and in the files, and names the config's objects the portal lacks."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from helpers import CONFIG, MAIN_PIPELINE, cli, run, write

from provisioner.cli.export_text import NOTHING
from provisioner.engine.exporter import comment_lines

NOT_READ = ("Not read from the portal (no REST method reads them back): robots on stages, "
            "triggers on stages, required_from rules of fields, the app's robot and trigger "
            "types ([app]), the companion app's call-card rules ([call_card]), its deadline "
            "guard ([tasks]), the [provision] settings (not on the portal).\n")
HEADER = ("#:schema ./provision.schema.json\n"
          "# Exported from the portal by `provision export`.\n"
          "# Not read from the portal (no REST method reads them back): robots on stages, "
          "triggers on\n"
          "# stages, required_from rules of fields, the app's robot and trigger types ([app]), "
          "the\n"
          "# companion app's call-card rules ([call_card]), its deadline guard ([tasks]), the "
          "[provision]\n"
          "# settings (not on the portal).\n")
MANUAL = ["  ! app.event[ONTASKUPDATE]",  # the companion's bindings: manual with a webhook
          "  ! app.placement[CALL_CARD]",
          "  ! deal.field[EQUIPMENT_TYPE].required_from[sales]",
          "  ! deal.pipeline[sales].stage[NEW].robot[1]",
          "  ! deal.pipeline[sales].stage[NEW].robot[2]",
          "  ! deal.pipeline[sales].stage[DATA_COLLECTION].trigger[OPENLINE_ANSWER]",
          "  ! deal.pipeline[sales].stage[PREPARATION].robot[1]",
          "  ! deal.pipeline[sales].stage[PREPAYMENT_INVOICE].robot[1]"]


def _seeded(tmp_path: Path) -> tuple[Path, Path]:
    """portal-config/ copied (with a README and attestations of the user's) and applied."""
    config = tmp_path / "portal-config"
    shutil.copytree(CONFIG, config)
    write(config / "README.md", "our notes\n")
    write(config / "attestations" / "sandbox.toml", 'portal = "sandbox"\n')
    state = tmp_path / "sandbox.json"
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    return config, state


def _texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def _manual(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("  ! ")]


def test_export_refuses_to_write_over_a_config_without_force(tmp_path: Path) -> None:
    config, state = _seeded(tmp_path)
    before = _texts(config)
    done = run(state, "export", "--out", str(config))
    assert done.exit_code == 1
    assert done.stderr.endswith(
        f"Error: {config} already holds companion.toml, deal-pipelines.toml, fields.toml, "
        "smart-processes.toml, provision.schema.json: export would write over them. Pass --force to export over it "
        "(the config's keys are kept, what the portal cannot give back — robots, triggers, "
        "required_from rules — is carried over from it, and files export does not write are "
        "left alone), or export into a new directory.\n")
    assert _texts(config) == before


def test_an_earlier_exports_ids_alone_need_force_too(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    out = tmp_path / "out"
    write(out / ".provision-ids.json", "{}\n")
    done = run(state, "export", "--out", str(out))
    assert done.exit_code == 1
    assert f"Error: {out} already holds .provision-ids.json: export would write over it." \
        in done.stderr
    assert run(state, "export", "--out", str(out), "--force").exit_code == 0


def test_a_directory_of_other_files_is_written_into_and_they_stay(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    out = write(tmp_path / "out" / "notes.md", "keep me\n").parent
    done = run(state, "export", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert (out / "notes.md").read_text(encoding="utf-8") == "keep me\n"
    assert done.stdout.endswith(NOT_READ + NOTHING + "\n")


def test_export_over_portal_config_keeps_its_keys_and_manual_items(tmp_path: Path) -> None:
    config, state = _seeded(tmp_path)
    before = run(state, "plan", str(config))
    done = run(state, "export", "--out", str(config), "--force")
    assert done.exit_code == 0, done.output
    assert done.stdout.endswith(
        NOT_READ + f"Carried over from {config} (marked in the files; the portal cannot confirm "
        "them, and `provision plan` lists them as manual until attested):\n"
        "  deal.pipelines.sales.stages[NEW].robots (2)\n"
        "  deal.pipelines.sales.stages[DATA_COLLECTION].triggers\n"
        "  deal.pipelines.sales.stages[PREPARATION].robots\n"
        "  deal.pipelines.sales.stages[PREPAYMENT_INVOICE].robots\n"
        "  deal.fields.EQUIPMENT_TYPE.required_from\n"
        "  call_card\n"
        "  tasks\n")
    after = run(state, "plan", str(config), "--detailed-exitcode")
    assert after.exit_code == 0, after.output
    assert _manual(after.stdout) == _manual(before.stdout) == MANUAL
    assert after.stdout.endswith("Plan: 0 to add, 0 to change, 0 to destroy, 8 manual.\n")
    # the user's files stay; no temporary file is left behind
    assert (config / "README.md").read_text(encoding="utf-8") == "our notes\n"
    assert (config / "attestations" / "sandbox.toml").exists()
    assert not [p.name for p in config.iterdir() if p.name.endswith(".tmp")]


def test_the_files_say_what_was_carried_over_and_what_was_not_read(tmp_path: Path) -> None:
    config, state = _seeded(tmp_path)
    assert run(state, "export", "--out", str(config), "--force").exit_code == 0
    pipelines = (config / "deal-pipelines.toml").read_text(encoding="utf-8")
    assert pipelines.startswith(HEADER + comment_lines([
        f"Carried over from {config}: 7, each marked below; the portal cannot confirm them."])
        + "\n[deal.pipelines.sales]\n")
    mark = f"# Carried over from {config / 'deal-pipelines.toml'}: not read from the portal.\n"
    assert ("# Not read from the portal: robots on stages, triggers on stages.\n"
            "[[deal.pipelines.sales.stages]]\ncode = \"NEW\"\n") in pipelines
    assert (f'color = "#39A8EF"\n\n{mark}[[deal.pipelines.sales.stages.robots]]\n'
            'type = "control"\n') in pipelines
    assert pipelines.count(mark) == 4
    fields = (config / "fields.toml").read_text(encoding="utf-8")
    assert (f"# Carried over from {config / 'fields.toml'}: not read from the portal.\n"
            'required_from = "sales:PREPARATION"\n') in fields


def test_export_from_a_config_migrates_its_manual_items_to_another_portal(
        tmp_path: Path) -> None:
    """portal-config/ on staging, exported elsewhere with --from, applied to production: the
    robots, the trigger and the required_from rule arrive as manual items, not lost."""
    config, staging = _seeded(tmp_path)
    out = tmp_path / "migration"
    done = run(staging, "export", "--out", str(out), "--from", str(config))
    assert done.exit_code == 0, done.output
    assert f"Carried over from {config} (marked in the files" in done.stdout
    assert sorted(p.name for p in out.glob("*.toml")) == [
        "companion.toml", "deal-pipelines.toml", "fields.toml", "lead.toml", "lists.toml", "smart-processes.toml"]
    production = tmp_path / "production.json"
    assert run(production, "apply", str(out), "--auto-approve").exit_code == 0
    planned = run(production, "plan", str(out), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    assert _manual(planned.stdout) == MANUAL
    assert planned.stdout.endswith("Plan: 0 to add, 0 to change, 0 to destroy, 8 manual.\n")


def test_export_from_refuses_to_mix_two_configs(tmp_path: Path) -> None:
    config, state = _seeded(tmp_path)
    other = write(tmp_path / "other" / "main.toml", MAIN_PIPELINE).parent
    before = _texts(other)
    done = run(state, "export", "--out", str(other), "--from", str(config), "--force")
    assert done.exit_code == 1
    assert done.stderr.endswith(
        f"Error: {other} holds a config of its own (main.toml), not {config}: exporting into it "
        f"with --from {config} would mix the two. Export into a new directory, or over {other} "
        "without --from.\n")
    assert _texts(other) == before


def test_export_over_keeps_the_configs_layout_and_settings(tmp_path: Path) -> None:
    """Each object stays in the file that declared it (none defined twice), the [provision]
    settings and [app] types carried over; what the config did not declare goes to the
    export's own files."""
    state = tmp_path / "sandbox.json"
    text = MAIN_PIPELINE + ('\n[provision]\nprotect = ["deal.pipeline[main]"]\n\n'
                            '[app.triggers.paid]\nname = "Оплачено"\n')
    config = write(tmp_path / "cfg" / "main.toml", text).parent
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    done = run(state, "export", "--out", str(config), "--force")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in config.glob("*.toml")) == ["lead.toml", "lists.toml",
                                                             "main.toml"]
    tree = tomllib.loads((config / "main.toml").read_text(encoding="utf-8"))
    assert tree["provision"] == {"protect": ["deal.pipeline[main]"]}
    assert tree["app"] == {"triggers": {"paid": {"name": "Оплачено"}}}
    assert list(tree) == ["deal", "app", "provision"]
    assert list(tree["deal"]["pipelines"]) == ["main"]
    assert cli("validate", str(config)).exit_code == 0


def test_what_the_portal_lacks_is_named_and_an_emptied_file_says_why(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    config = write(tmp_path / "cfg" / "main.toml", MAIN_PIPELINE).parent
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    write(config / "later.toml", '[contact.fields.VIP]\ntype = "boolean"\nlabel = "VIP"\n')
    done = run(state, "export", "--out", str(config), "--force")
    assert done.exit_code == 0, done.output
    assert done.stdout.endswith(
        f"{config} had none of them to carry over.\n"
        f"Left out: in {config}, not on the portal (an export holds what the portal has):\n"
        f"  contact.fields.VIP ({config / 'later.toml'})\n")
    assert (config / "later.toml").read_text(encoding="utf-8").endswith(
        comment_lines(["Nothing this file declared is on the portal now (left out: "
                       "contact.fields.VIP)."]))
    assert run(state, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_export_over_keeps_a_moved_stage_under_its_new_code(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    config = write(tmp_path / "cfg" / "main.toml", MAIN_PIPELINE).parent
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    write(config / "main.toml", MAIN_PIPELINE.replace(
        'code = "NEW"\nname = "Новая"', 'code = "FIRST"\nname = "Первая"\nmoved_from = "NEW"'))
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "export", "--out", str(config), "--force").exit_code == 0
    tree = tomllib.loads((config / "main.toml").read_text(encoding="utf-8"))
    assert tree["deal"]["pipelines"]["main"]["stages"][0] == {
        "code": "FIRST", "name": "Первая", "moved_from": "NEW", "color": "#39A8EF"} | {
        k: v for k, v in tree["deal"]["pipelines"]["main"]["stages"][0].items()
        if k not in ("code", "name", "moved_from")}
    assert run(state, "plan", str(config), "--detailed-exitcode").exit_code == 0


def test_export_over_keeps_client_parents_written_beside_client(tmp_path: Path) -> None:
    """Before (user trial): `parents = ["contact", "deal"]` with `client = true` came back as
    `parents = ["deal"]` (the portal lists contact and company, which the Client field makes
    parents, apart from relations); a fresh export, with no config to keep, still leaves them
    to `client = true`."""
    state = tmp_path / "sandbox.json"
    text = '[smart_processes.hr]\ntitle = "HR"\nclient = true\nparents = ["contact", "deal"]\n'
    config = write(tmp_path / "cfg" / "main.toml", text).parent
    assert run(state, "apply", str(config), "--auto-approve").exit_code == 0
    assert run(state, "export", "--out", str(config), "--force").exit_code == 0
    tree = tomllib.loads((config / "main.toml").read_text(encoding="utf-8"))
    assert tree["smart_processes"]["hr"] == {"title": "HR", "client": True,
                                             "parents": ["contact", "deal"]}
    assert run(state, "plan", str(config), "--detailed-exitcode").exit_code == 0
    fresh = tmp_path / "fresh"
    assert run(state, "export", "--out", str(fresh)).exit_code == 0
    exported = tomllib.loads((fresh / "smart-processes.toml").read_text(encoding="utf-8"))
    assert exported["smart_processes"]["hr"]["parents"] == ["deal"]

"""Sign-off: attesting a runbook silences its items until the desired automation changes."""

from __future__ import annotations

from pathlib import Path

from automation_seed import seed_catalog, seed_stage, seed_tree

from provisioner.automation import attest as att
from provisioner.automation.commands import attest_command, runbook_command


def test_fingerprint_is_stable_and_content_sensitive() -> None:
    assert att.fingerprint(seed_stage("NEW")) == att.fingerprint(seed_stage("NEW"))
    assert att.fingerprint(seed_stage("NEW")) != att.fingerprint(seed_stage("PAYMENT"))
    assert att.fingerprint(seed_stage("NEW")).startswith("sha256:")


def test_attest_then_change_brings_the_items_back(tmp_path: Path) -> None:
    (tmp_path / "portal-config").mkdir()
    file = att.attestation_path(tmp_path / "portal-config", "https_acme.bitrix24.ru_443")
    assert file == tmp_path / "portal-config" / "attestations" / "https_acme.bitrix24.ru_443.toml"
    first = runbook_command(seed_tree(), seed_catalog(), tmp_path / "out", portal="acme.bitrix24.ru",
                            attestation_file=file)
    assert len(first.items) == 5
    assert [u.reason for u in first.unattested] == ["never attested"] * 4

    attest_command(seed_tree(), portal="acme.bitrix24.ru", attestation_file=file,
                   by="admin@example.com", date="2026-09-10")
    text = file.read_text(encoding="utf-8")
    assert 'portal = "acme.bitrix24.ru"' in text
    done = runbook_command(seed_tree(), seed_catalog(), tmp_path / "out", portal="acme.bitrix24.ru",
                           attestation_file=file)
    assert done.items == () and done.unattested == ()

    changed = seed_tree()
    changed["deal"]["pipelines"]["sales"]["stages"][0]["robots"][0]["after"] = "15m"
    again = runbook_command(changed, seed_catalog(), tmp_path / "out", portal="acme.bitrix24.ru",
                            attestation_file=file)
    assert [i.address for i in again.items] == ["deal.pipeline[sales].stage[NEW].robot[1]"]
    assert again.items[0].steps[2] == "Укажите «Выполнить»: Через 15 минут"
    assert [(u.stage, u.reason) for u in again.unattested] == [
        ("deal.pipeline[sales].stage[NEW]",
         "changed since attested on 2026-09-10 by admin@example.com")]


def test_a_hand_edited_snapshot_is_not_trusted(tmp_path: Path) -> None:
    file = tmp_path / "attestations" / "sandbox.toml"
    attest_command(seed_tree(), portal="sandbox", attestation_file=file, by="me", date="2026-01-02")
    file.write_text(file.read_text(encoding="utf-8").replace("Через", "Через").replace(
        'amount = 10', 'amount = 11'), encoding="utf-8")
    records = att.read_attestations(file, "sandbox")
    assert "deal.pipeline[sales].stage[NEW]" in records.stages
    assert "deal.pipeline[sales].stage[NEW]" not in att.recorded(records)

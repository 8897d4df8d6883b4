"""A new deal pipeline: its create, and the stages the portal makes with it.

The portal makes a new pipeline with eight stages of its own (docs/portal-rules.md#default-
stages; api-reference/crm/universal/category/crm-category-add.md); apply reads them back in the
create's batch and writes only what differs from the config (`statuses.made_calls`). A stage
the config wants as the portal makes it keeps the portal's SORT where the order allows
(`made_as_wanted_by`), so that it needs no write.

A pipeline is created stamped `originatorId` UNFINISHED and stamped ORIGINATOR by the last
call of the round that reconciles its stages (`reconcile`), so a pipeline still stamped
UNFINISHED is one provision created whose stages no apply has reconciled: an apply that
stopped in between (killed, a fault) left the portal's default stages. The next plan deletes
those the config leaves out that are still as the portal made them (`is_residue`) without
--allow-destroy, only while they hold no deals (engine/records.py), then stamps the pipeline
ORIGINATOR (deal_pipelines.py `pair`). A pipeline made by hand and stamped when provision
updated it (deal_match.py) is stamped ORIGINATOR only: its stages are never residue.

A pipeline whose config names every stage of the portal's table that could be residue
(`leaves_residue`) is created stamped ORIGINATOR at once: a stop leaves no stage its next plan
would delete, so the stamp call after its stages would buy nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from provisioner.kinds import statuses as st
from provisioner.model import Call
from provisioner.model.address import Address
from provisioner.model.answers import Claim
from provisioner.model.reasons import Reason

ORIGINATOR = "provision"
# The stamp of a pipeline provision created whose stages no apply has reconciled yet (above).
UNFINISHED = "provision:unfinished"
STAMPS = (ORIGINATOR, UNFINISHED)  # the originatorIds of pipelines stamped by provision
DEAL = 2
STAGE_STEP = "stage"
# The portal makes these stages itself with every pipeline, whatever their length
# (docs/portal-rules.md#default-stages).
PORTAL_DEFAULT_CODES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE",
                        "WON", "LOSE", "APOLOGY")
# The SORT the portal gives each (the same table, 10 ... 80).
PORTAL_SORT = {code: 10 * (n + 1) for n, code in enumerate(PORTAL_DEFAULT_CODES)}
# Their COLOR and semantics (the same table: CCrmStatus::GetDefaultDealStages), whatever the
# portal's language; the names are in the portal's language, so not in the table.
PORTAL_COLOR = dict(zip(PORTAL_DEFAULT_CODES, ("#39A8EF", "#2FC6F6", "#55D0E0", "#47E4C2",
                                               "#FFA900", "#7BD500", "#FF5752", "#FF5752"),
                        strict=True))
PORTAL_SEMANTICS = {**dict.fromkeys(PORTAL_DEFAULT_CODES, "process"), "WON": "success",
                    "LOSE": "failure", "APOLOGY": "failure"}
# Their names on a portal in English: the default pipeline's rows of the example answer of
# api-reference/crm/status/crm-status-list.md (tests/fixtures/rest-examples/crm.status.list.json).
PORTAL_NAMES_EN = dict(zip(PORTAL_DEFAULT_CODES, (
    "New", "Document preparation", "Prepayment invoice", "In progress", "Final invoice",
    "Deal successful", "Deal failed", "Failure reason analysis"), strict=True))
# The system ones stay whatever the config says: a new pipeline's stages settle around them.
PORTAL_KEPT = (st.Kept("NEW", 10), st.Kept("WON", 60), st.Kept("LOSE", 70))
# The codes of the portal's table a stage may be residue of (`is_residue`): not system.
REMOVABLE = frozenset(PORTAL_DEFAULT_CODES) - {k.code for k in PORTAL_KEPT}
LISTED = ("crm.category.list", {"entityTypeId": DEAL})  # the deal pipelines, all at once


@dataclass(frozen=True)
class NewPipeline(Reason):
    """A new pipeline: the portal makes its default stages, apply reconciles them."""

    code: ClassVar[str] = "new_pipeline"

    @property
    def text(self) -> str:
        return ("the portal adds its default stages to a new pipeline; apply updates those with "
                "a desired code and deletes the others (made by this apply, they hold no deals)")


@dataclass(frozen=True)
class UnfinishedPipeline(Reason):
    """A pipeline provision created whose stages no apply reconciled (stamped UNFINISHED)."""

    code: ClassVar[str] = "unfinished_pipeline"

    @property
    def text(self) -> str:
        return (f"an earlier apply created this pipeline and stopped before reconciling its "
                f"stages (stamped {UNFINISHED}): this apply reconciles them, then stamps it "
                f"{ORIGINATOR}")


@dataclass(frozen=True)
class MadeWithUnfinished(Reason):
    """A stage the portal made with a pipeline whose stages no apply reconciled (residue)."""

    code: ClassVar[str] = "residue_of_stopped_apply"

    @property
    def text(self) -> str:
        return ("made by the portal with this pipeline when an earlier apply created it and "
                "stopped before reconciling its stages; still as the portal made it: deleted "
                "without --allow-destroy while it holds no deals")


def is_residue(stage: st.Stage, made_names: Mapping[str, str]) -> bool:
    """Whether a stage of a pipeline stamped UNFINISHED, which the config leaves out, is one
    the portal made with it and nobody changed since: a code, SORT, COLOR and semantics of
    the portal's table (docs/portal-rules.md#default-stages), not a system stage (the portal
    keeps those: crm.status.delete refuses them without FORCED, crm-status-delete.md), and a
    name the portal gives that code: the one of the default pipeline's stage of that code
    (`made_names`, by code: the portal names a new pipeline's stages as it named those, in its
    language, which no table gives), or the English one (PORTAL_NAMES_EN). A stage a person
    renamed, recoloured or moved is not residue, nor one whose name the default pipeline does
    not bear out (a config renamed that code there, on a portal not in English): deleting
    those needs --allow-destroy, as any other."""
    code = stage.code
    return (code in PORTAL_SORT and not stage.system and stage.sort == PORTAL_SORT[code]
            and stage.color == PORTAL_COLOR[code]
            and stage.semantics == PORTAL_SEMANTICS[code]
            and stage.name in (made_names.get(code), PORTAL_NAMES_EN[code]))


def residue_of(wanted: Sequence[st.Stage], live: Sequence[st.Stage],
               made_names: Mapping[str, str]) -> list[Address]:
    """The stages of a pipeline stamped UNFINISHED that are residue: left out of its desired
    `wanted` and as the portal made them (`is_residue`). Deleted without --allow-destroy, only
    while they hold no deals (engine/records.py)."""
    codes = {s.code for s in wanted}
    return [s.address for s in live if s.code not in codes and is_residue(s, made_names)]


def leaves_residue(wanted: Iterable[st.Stage]) -> bool:
    """Whether an apply stopped between creating a pipeline with these desired stages and
    reconciling them could leave residue: a stage of the portal's table that is not system and
    that the config leaves out (`residue_of` deletes no other). A pipeline whose config names
    every one of them is created stamped ORIGINATOR, without the stamp call after its stages:
    a stop leaves only stages the config names, which the next plan updates as any other."""
    return not REMOVABLE.issubset(s.code for s in wanted)


def entity_id(category_id: int | None) -> str:
    return "DEAL_STAGE" if not category_id else f"DEAL_STAGE_{category_id}"


def made_as_wanted_by(default: Sequence[st.Stage]
                      ) -> Callable[[Sequence[st.Stage]], list[st.Kept]]:
    """For a new pipeline's desired stages, those the portal is expected to make as wanted,
    with the SORT it gives them (docs/portal-rules.md#default-stages): a stage of one of its
    codes named and coloured as the live default pipeline's (`default`: the portal makes a new
    pipeline's stages as it made those; `held` compares so too). They keep that SORT where the
    order allows (`settle_sorts`), so that apply writes none of them; the others settle
    around them. A config whose stages differ from the portal's settles 10, 20, ... as
    before. A guess for the plan only: apply compares with what it reads back."""
    have = {s.code: s for s in default if s.code in PORTAL_SORT}

    def made(stages: Sequence[st.Stage]) -> list[st.Kept]:
        return [st.Kept(s.code, PORTAL_SORT[s.code]) for s in stages if s.code in have
                and have[s.code].name == s.name
                and (not s.color or have[s.code].color == s.color)]
    return made


def ref(key: str) -> str:
    """The key of a new pipeline's crm.category.add (its result, and `$result[...]`)."""
    return f"new_{key}"


def stages_ref(key: str) -> str:
    """The key of the read of the stages the portal made with a new pipeline."""
    return f"newst_{key}"


def create_calls(key: str, address: Address, fields: Mapping[str, Any],
                 wanted: Sequence[st.Stage], whole: bool = False) -> list[Call]:
    """The add and the read of the stages the portal made with it (`whole`: of the whole
    status list, once for every pipeline its batch adds, `st.made_read`); its twin check
    (`originId` is not unique on the portal) reads the pipelines after it, once for every
    pipeline its batch adds (`Claim`). Stamped UNFINISHED (ORIGINATOR once reconciled) where
    its desired stages `wanted` leave residue possible (`leaves_residue`), else ORIGINATOR."""
    stamp = {"originatorId": UNFINISHED if leaves_residue(wanted) else ORIGINATOR,
             "originId": key}
    same = {"originatorId": STAMPS, "originId": key}  # a twin, reconciled or not
    claim = Claim(LISTED, "the deal pipelines", "categories", ("category", "id"), same,
                  ("crm.category.delete", {"entityTypeId": DEAL}))
    return [Call("crm.category.add", {"entityTypeId": DEAL, "fields": {**fields, **stamp}},
                 f"+ {address}", key=ref(key), claim=claim),
            st.made_read(whole, f"DEAL_STAGE_$result[{ref(key)}][category][id]",
                         f"  read the stages the portal made for {address}", stages_ref(key))]


def reconcile(owner: Address, category: int, rows: Sequence[Mapping[str, Any]],
              wanted: Sequence[st.Stage], whole: bool = False) -> list[Call]:
    """Stage writes for a pipeline this apply created: update the portal's default stages that
    share a desired code, delete the other non-system ones, add the rest; then, last, the
    pipeline stamped ORIGINATOR (`finish`) where it was created stamped UNFINISHED
    (`leaves_residue`, as `create_calls`). Only rows of its own list are touched: any other
    row of a filtered read means the portal ignored the filter (`whole`: the whole list was
    read, its own rows are taken)."""
    made = {s.code: s for s in st.answered_stages(rows, entity_id(category), owner, STAGE_STEP,
                                                  whole)}
    stamp = [finish(owner, category)] if leaves_residue(wanted) else []
    return [*st.made_calls(made, wanted, entity_id(category)), *stamp]


def finish(owner: Address, category: int) -> Call:
    """The pipeline stamped ORIGINATOR: its stages are reconciled. Sent after them, in their
    batch (with halt, docs/portal-rules.md#batch: not run when one of them failed), so a
    pipeline still stamped UNFINISHED is one whose stages may not be; crm.category.update
    changes only the fields sent (crm-category-update.md)."""
    return Call("crm.category.update", {"entityTypeId": DEAL, "id": category,
                                        "fields": {"originatorId": ORIGINATOR,
                                                   "originId": owner.key}},
                f"~ {owner} (its stages reconciled: stamped {ORIGINATOR})")

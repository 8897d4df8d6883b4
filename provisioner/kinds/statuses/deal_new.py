"""A new deal pipeline: its create, and the stages the portal makes with it.

The portal makes a new pipeline with eight stages of its own (docs/portal-rules.md#default-
stages); apply reads them back in the create's batch and writes only what differs from the
config (`statuses.made_calls`). A stage the config wants as the portal makes it keeps the
portal's SORT where the order allows (`made_as_wanted_by`), so that it needs no write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from provisioner.kinds import statuses as st
from provisioner.model import Call
from provisioner.model.address import Address
from provisioner.model.answers import Claim
from provisioner.model.reasons import Reason

ORIGINATOR = "provision"
DEAL = 2
STAGE_STEP = "stage"
# The portal makes these stages itself with every pipeline, whatever their length
# (docs/portal-rules.md#default-stages).
PORTAL_DEFAULT_CODES = ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE",
                        "WON", "LOSE", "APOLOGY")
# The SORT the portal gives each (the same table, 10 ... 80).
PORTAL_SORT = {code: 10 * (n + 1) for n, code in enumerate(PORTAL_DEFAULT_CODES)}
# The system ones stay whatever the config says: a new pipeline's stages settle around them.
PORTAL_KEPT = (st.Kept("NEW", 10), st.Kept("WON", 60), st.Kept("LOSE", 70))
LISTED = ("crm.category.list", {"entityTypeId": DEAL})  # the deal pipelines, all at once


@dataclass(frozen=True)
class NewPipeline(Reason):
    """A new pipeline: the portal makes its default stages, apply reconciles them."""

    code: ClassVar[str] = "new_pipeline"

    @property
    def text(self) -> str:
        return ("the portal adds its default stages to a new pipeline; apply updates those with "
                "a desired code and deletes the others (made by this apply, they hold no deals)")


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
                 whole: bool = False) -> list[Call]:
    """The add and the read of the stages the portal made with it (`whole`: of the whole
    status list, once for every pipeline its batch adds, `st.made_read`); its twin check
    (`originId` is not unique on the portal) reads the pipelines after it, once for every
    pipeline its batch adds (`Claim`)."""
    stamp = {"originatorId": ORIGINATOR, "originId": key}
    claim = Claim(LISTED, "the deal pipelines", "categories", ("category", "id"), stamp,
                  ("crm.category.delete", {"entityTypeId": DEAL}))
    return [Call("crm.category.add", {"entityTypeId": DEAL, "fields": {**fields, **stamp}},
                 f"+ {address}", key=ref(key), claim=claim),
            st.made_read(whole, f"DEAL_STAGE_$result[{ref(key)}][category][id]",
                         f"  read the stages the portal made for {address}", stages_ref(key))]


def reconcile(owner: Address, category: int, rows: Sequence[Mapping[str, Any]],
              wanted: Sequence[st.Stage], whole: bool = False) -> list[Call]:
    """Stage writes for a pipeline this apply created: update the portal's default stages that
    share a desired code, delete the other non-system ones, add the rest. Only rows of its own
    list are touched: any other row of a filtered read means the portal ignored the filter
    (`whole`: the whole list was read, its own rows are taken)."""
    made = {s.code: s for s in st.answered_stages(rows, entity_id(category), owner, STAGE_STEP,
                                                  whole)}
    return st.made_calls(made, wanted, entity_id(category))

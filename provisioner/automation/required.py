"""`required_from`: a field mandatory from a pipeline stage on, as a manual change with the steps
in the portal's words (ru/en), for the plan and the runbook, and its snapshot for `attest`.

No REST method reads or writes stage-dependent mandatory fields (docs/portal-rules.md
#stage-required-fields): an administrator sets them in the item form, as Bitrix24's help
describes ("Making a field mandatory in items with stages", helpdesk.bitrix24.com/open/25902803:
hover over the field → Settings → Configure → Mandatory by stage → the stages). `attest`
records the rule as carried out; it leaves the plan until the rule changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provisioner.automation.manual import ManualItem
from provisioner.automation.words import quote, word


@dataclass(frozen=True)
class RequiredRule:
    """One desired rule with the names the portal shows: the field (its label by language),
    the pipeline and the stage from which on the field is mandatory."""

    address: str  # deal.field[EQUIPMENT_TYPE].required_from[sales]
    entity: str  # "deal" or "spa:<code>"
    field_labels: Mapping[str, str]
    pipeline_name: str
    stage: str  # the stage code
    stage_name: str
    entity_name: str = ""  # a smart process's title
    # the pipeline's stages that are not failures, in order: the portal's range runs from the
    # rule's stage to the last of them
    stage_names: Mapping[str, str] = field(default_factory=dict)

    def snapshot(self) -> dict[str, str]:
        """What `attest` records and the plan shows: the stage it is mandatory from."""
        return {"stage": self.stage}

    def label(self, lang: str) -> str:
        return self.field_labels.get(lang) or next(iter(self.field_labels.values()), "")


_TEXT = {
    "ru": {"add": "Сделать поле {field} обязательным со стадии {stage}",
           "change": "Сделать поле {field} обязательным со стадии {stage} (а не со стадии "
                     "{old})",
           "delete": "Снять обязательность поля {field} по стадиям воронки {pipeline}",
           "open": "Откройте {path}, выберите воронку {pipeline} и откройте {item}.",
           "open_one": "Откройте {path} и откройте {item}.",
           "deal": "любую сделку", "spa": "любой элемент",
           "settings": "Наведите указатель на поле {field} и нажмите «Настройки» (⚙) → "
                       "«Настроить».",
           "check": "Отметьте {mandatory} и нажмите стрелку рядом с {all}.",
           "stages": "Выберите стадии, начиная с {stage}: {stages}; нажмите {save}.",
           "uncheck": "Снимите отметку {mandatory} и нажмите {save}.",
           "mandatory": "Обязательное на стадии", "all": "Для всех стадий и воронок"},
    "en": {"add": "Make the field {field} mandatory from the stage {stage} on",
           "change": "Make the field {field} mandatory from the stage {stage} on (not from "
                     "{old})",
           "delete": "Make the field {field} no longer mandatory by stage in the pipeline "
                     "{pipeline}",
           "open": "Open {path}, select the pipeline {pipeline} and open {item}.",
           "open_one": "Open {path} and open {item}.",
           "deal": "any deal", "spa": "any item",
           "settings": "Hover over the field {field} and click “Settings” (⚙) → “Configure”.",
           "check": "Check {mandatory} and click the down arrow next to {all}.",
           "stages": "Select the stages from {stage} on: {stages}; click {save}.",
           "uncheck": "Clear {mandatory} and click {save}.",
           "mandatory": "Mandatory by stage", "all": "For all stages and pipelines"},
}


def rule_item(rule: RequiredRule | None, recorded: Mapping[str, Any] | None, lang: str,
              known: RequiredRule | None = None) -> ManualItem | None:
    """The manual item of one rule: desired (`rule`) against what `attest` recorded; None when
    they agree. `known`: the rule as named before (for a rule removed from the config)."""
    want = rule.snapshot() if rule is not None else None
    have = dict(recorded) if recorded is not None else None
    if want == have or (rule is None and known is None):
        return None
    shown = rule or known
    assert shown is not None
    if rule is None:
        summary = _t(lang, "delete", field=_q(lang, shown.label(lang)),
                     pipeline=_q(lang, shown.pipeline_name))
        steps = [*_open(lang, shown), _t(lang, "uncheck", mandatory=_q(lang, _t(lang, "mandatory")),
                                         save=_q(lang, word(lang, "save")))]
    else:
        old = (have or {}).get("stage")
        summary = _t(lang, "add" if old is None else "change", field=_q(lang, rule.label(lang)),
                     stage=_q(lang, rule.stage_name), old=_q(lang, rule.stage_names.get(
                         str(old), str(old))))
        steps = [*_open(lang, rule), *_set(lang, rule)]
    return ManualItem(shown.address, summary, tuple(steps), have, want)


def _open(lang: str, rule: RequiredRule) -> list[str]:
    spa = rule.entity.startswith("spa:")
    section = rule.entity_name if spa else word(lang, "deal")
    path = f"{_q(lang, word(lang, 'crm'))} → {_q(lang, section)}"
    item = _t(lang, "spa" if spa else "deal")
    first = _t(lang, "open", path=path, pipeline=_q(lang, rule.pipeline_name), item=item) \
        if rule.pipeline_name else _t(lang, "open_one", path=path, item=item)
    return [first, _t(lang, "settings", field=_q(lang, rule.label(lang)))]


def _set(lang: str, rule: RequiredRule) -> list[str]:
    return [_t(lang, "check", mandatory=_q(lang, _t(lang, "mandatory")),
               all=_q(lang, _t(lang, "all"))),
            _t(lang, "stages", stage=_q(lang, rule.stage_name),
               stages=", ".join(_q(lang, s) for s in _from_on(rule)),
               save=_q(lang, word(lang, "save")))]


def _from_on(rule: RequiredRule) -> Sequence[str]:
    """The stages from the rule's stage on, in order, up to the last that is not a failure."""
    codes = list(rule.stage_names)
    start = codes.index(rule.stage) if rule.stage in codes else 0
    return [rule.stage_names[c] for c in codes[start:]] or [rule.stage_name]


def _q(lang: str, text: str) -> str:
    return quote(lang, text)


def _t(lang: str, name: str, **values: Any) -> str:
    return _TEXT[lang][name].format(**values)

"""Field labels in every language a portal has (docs/portal-rules.md#field-labels).

A label in the config is a text or a `{language = text}` table naming any of the portal's
languages. A text is the text of `ru` and `en` (`LANGS`, the languages provision writes when
a config gives one text); a table, of the languages it names. Only the languages named are
compared, and an update never overwrites another: the portal replaces a label's whole map on
update (a language left out becomes ""), so the map sent is the one read, with the named
languages changed. The live side keeps every language read (`full`).

What a portal fills in by itself is its placeholder, never exported: a legacy add gives a
language missing from the map the add's LABEL (provision sends the label's ru text), and no
language can be made "" by an add, so a field whose map holds a "" is made and then updated
(`needs_update`); userfieldconfig.add leaves a missing language "". Export writes a label as
one text when every language has it, else a table of ru, en and every language whose text is
not the placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from provisioner.kinds import shared
from provisioner.model.shape import MAX_TEXT, MapOf, OneOf, Scalar

LANGS = ("ru", "en")  # the languages a single text stands for, and the first reads
# The portal's languages, as the docs' crm.deal.userfield.get example lists them
# (api-reference/crm/deals/user-defined-fields/crm-deal-userfield-get.md); a table naming another is refused.
LANGUAGES = ("ar", "br", "de", "en", "fr", "hi", "id", "in", "it", "ja", "kz", "la", "ms",
             "pl", "ru", "sc", "tc", "th", "tr", "ua", "vn")
OTHER = tuple(lang for lang in LANGUAGES if lang not in LANGS)
ORDER = {lang: n for n, lang in enumerate((*LANGS, *OTHER))}
Labels = Mapping[str, str]
# A field's label attributes (fields/model.py LABEL_KEYS), named here: model imports this module
LABEL_ATTRS = ("label", "list_label", "filter_label", "error_message", "help")


def label_shape(doc: str, multiline: bool = False) -> OneOf:
    # Labels are 255 characters on the portal (b_user_field_lang); help texts may span lines.
    text = Scalar("string", multiline=multiline, max_length=MAX_TEXT if multiline else 255)
    langs = MapOf(text, "|".join(LANGUAGES), "Text per language (any of the portal's).",
                  f"write one of the portal's languages: {', '.join(LANGUAGES)} (Bitrix24's "
                  "codes: Ukrainian ua, Kazakh kz, Spanish la, Portuguese br, Chinese sc and "
                  "tc, Vietnamese vn)")
    return OneOf((text, langs), doc)


def ordered(texts: Mapping[str, str]) -> Labels:
    """The languages in one order (ru, en, then the portal's list), shared."""
    return shared.mapping({lang: shared.text(texts[lang]) for lang in _order(tuple(texts))})


@lru_cache(maxsize=256)  # a few sets of languages in practice; bounded against a hostile portal
@lru_cache(maxsize=256)  # a few sets of languages in practice; one per field read
def _order(langs: tuple[str, ...]) -> tuple[str, ...]:
    """`langs` in the one order (sorted once per set of languages read, not once per label)."""
    return tuple(sorted(langs, key=lambda lang: ORDER.get(lang, len(ORDER))))


def labels(value: Any) -> Labels | None:
    """A label of the config: a text is the text of ru and en; a table, of its languages."""
    if value is None:
        return None
    if isinstance(value, str):  # most labels: found by their text (a field's are mostly one)
        return _ONE_TEXT.get(value, _one_text, value)
    return ordered({lang: str(text) for lang, text in value.items() if lang in ORDER})


_ONE_TEXT = shared.Memo()  # a label written as one text -> its mapping of ru and en


def _one_text(value: str) -> dict[str, str]:
    return dict.fromkeys(LANGS, shared.text(value))


def narrow(want: Labels, have: Labels, full: Labels | None) -> Labels | None:
    """The live label seen through the desired one's languages (None: as it is)."""
    if want.keys() == have.keys() and (len(want) < 2 or list(want) == list(have)):
        return None  # the same languages in the same order (most fields)
    source = full if full is not None else have
    return shared.mapping({lang: source.get(lang, "") for lang in want})


def for_update(want: Labels, full: Labels | None) -> dict[str, str]:
    """The map an update sends: every language read, the named ones changed (a language left
    out of an update becomes "" on the portal)."""
    return {**(full or {}), **want}


def needs_update(want: Labels | None) -> bool:
    """A legacy add cannot make a language "" (it gives it LABEL): the field is updated
    right after it is made."""
    return want is not None and any(text == "" for text in want.values())


def after_add(want: Labels, fill: str) -> Any:
    """What the update right after a legacy add sends: "" when every named language is
    empty (no text in any language), else every language, those not named as the add left
    them (`fill`, the add's LABEL)."""
    if not any(want.values()):
        return ""
    return {lang: want.get(lang, fill) for lang in LANGUAGES}


def read_keys(texts: Mapping[str, Mapping[str, Any]], keys: Mapping[str, str]
              ) -> dict[str, Labels]:
    """Label keys (ours -> the portal's) of one field, each in every language read (`texts`:
    language -> portal key -> text) in the one order. A key whose texts are those of an
    earlier key (a field's labels are mostly one text) gets the same mapping, built once."""
    langs = _order(tuple(texts))
    rows = [texts[lang] for lang in langs]
    seen: dict[tuple[str, ...], Labels] = {}
    out: dict[str, Labels] = {}
    for ours, portal in keys.items():
        values = tuple([text if type(text := row.get(portal) or "") is str else str(text)
                        for row in rows])
        found = seen.get(values)
        if found is None:
            found = seen[values] = _READ.get((langs, values), _texts, langs, values)
        out[ours] = found
    return out


def _texts(langs: tuple[str, ...], values: tuple[str, ...]) -> dict[str, str]:
    return {lang: shared.text(value) for lang, value in zip(langs, values, strict=True)}


# Labels read, found by their languages and texts (a tuple of texts hashes faster than the
# mapping's repr: 53,000 label keys are read at L10); the object is `shared.mapping`'s
_READ = shared.Memo()


def export_label(full: Labels | None, fill: str) -> Any:
    """A text when every language has it, else the table of ru, en and the languages whose
    text is not what an add would give them unnamed (`fill`)."""
    if not full:
        return None
    texts = set(full.values())
    if len(texts) == 1:
        return next(iter(texts))
    return dict(ordered({lang: text for lang, text in full.items()
                         if lang in LANGS or text != fill}))


def others(languages: frozenset[str] | None) -> tuple[str, ...]:
    """The portal's languages beyond ru and en to read: those named (None: every one)."""
    return OTHER if languages is None else tuple(lang for lang in OTHER if lang in languages)


def named(fields: Iterable[Any]) -> frozenset[str]:
    """The languages beyond ru and en that these desired fields' labels name."""
    found = {lang for f in fields for key in LABEL_ATTRS
             for lang in (getattr(f, key, None) or ())}
    return frozenset(found - set(LANGS))


def languages(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The languages a userfieldconfig answer lists (`languageId`), else every one."""
    for row in rows:
        found = row.get("languageId")
        if isinstance(found, dict) and found:
            return [str(lang) for lang in found]
    return list(LANGUAGES)

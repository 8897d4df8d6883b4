"""Phone numbers as people type them, made comparable: `+7 (916) 123-45-67` -> `+79161234567`.

The call card sends the number normalised, but a number typed on the command line, or sent by
another telephony integration, may carry spaces, brackets, dashes, a trunk prefix or an extension.
Anything that is not plainly a phone number is refused (None), never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_INPUT = 64
MIN_DIGITS, MAX_DIGITS = 5, 15  # E.164 allows at most 15 digits; shorter than 5 is an extension
# "The search does not consider the phone extension" (api-reference/crm/duplicates/crm-duplicate-find-by-comm.md): drop it.
_EXTENSION = re.compile(r"\s*(?:доб\.?|ext\.?|x|#|,|;)\s*\d{1,6}\s*$", re.IGNORECASE)
_ALLOWED = re.compile(r"^\+?[0-9 \u00a0()./-]+$")


@dataclass(frozen=True)
class Phone:
    """A normalised number and the spellings to search the portal for."""

    number: str  # "+" and digits
    values: tuple[str, ...]

    def __str__(self) -> str:
        return self.number


def normalize(raw: Any) -> Phone | None:
    """The number in `raw`, or None when `raw` is not a phone number."""
    if not isinstance(raw, str) or len(raw) > MAX_INPUT:
        return None
    text = _EXTENSION.sub("", raw.strip())
    if not text or not _ALLOWED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    if not text.startswith(("+", "00")) and len(digits) == 11 and digits[0] == "8":
        # a Russian number dialled with the trunk prefix 8: +7 is the same line
        return Phone("+7" + digits[1:], ("+7" + digits[1:], digits))
    return Phone("+" + digits, ("+" + digits, digits))


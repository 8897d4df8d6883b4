"""Keys made from display names for exported objects (Cyrillic transliterated)."""

from __future__ import annotations

import re

_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                 "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e",
                 "yu", "ya"], strict=True))


def slugify(name: str) -> str:
    """`Продажи опт` -> `prodazhi_opt`; empty when nothing usable is left."""
    text = "".join(_CYR.get(ch, ch) for ch in name.lower())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")[:50]

"""How the text renderers mark up what they print: nothing (`PLAIN`), or ANSI colours (`ANSI`).

The renderers name a role for each piece (an action's line, the destructive section, a reason)
and the style paints it; the words are the same either way, so the text without colour is
byte-identical to the plain renderer's (the golden files), and the JSON plan stays canonical.
Whether colour is wanted (a terminal, NO_COLOR, --no-color) is the CLI's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Style:
    """SGR parameters by role; a role without one is printed as it is."""

    codes: Mapping[str, str] = field(default_factory=dict)

    def paint(self, role: str, text: str) -> str:
        code = self.codes.get(role)
        return f"\x1b[{code}m{text}\x1b[0m" if code and text else text


PLAIN = Style()
# Terraform's colours for its actions; manual changes cyan (an administrator's, not ours),
# the destructive section bold red, reasons and the cost dim.
ANSI = Style({"create": "32", "update": "33", "delete": "31", "replace": "35", "manual": "36",
              "destructive": "1;31", "reason": "2", "note": "2", "summary": "1", "cost": "2",
              "error": "1;31", "ok": "32"})
SYMBOL_ROLES = {"+": "create", "~": "update", "-": "delete", "-/+": "replace", "!": "manual"}


def by_symbol(style: Style, line: str) -> str:
    """A line that starts (after its indent) with an action symbol, painted as that action
    (apply's progress lines, drift's entries)."""
    first = line.split(maxsplit=1)[0] if line.strip() else ""
    role = SYMBOL_ROLES.get(first)
    return style.paint(role, line) if role else line

"""What `provision export` says after the files: what the portal could not give back, what was
carried over from the config and from which file, and the config's objects the portal lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioner.workspace import Exported

NOT_READ = "Not read from the portal (no REST method reads them back): {words}."
NOTHING = ("Nothing carried over (no config to take it from): if the portal has any of these, "
           "the export lacks them; export over your config (--force) or pass --from CONFIG.")
CARRIED = ("Carried over from {source} (marked in the files; the portal cannot confirm them, "
           "and `provision plan` lists them as manual until attested):")
NONE_CARRIED = "{source} had none of them to carry over."
LEFT_OUT = "Left out: in {source}, not on the portal (an export holds what the portal has):"


def exported_text(done: Exported) -> str:
    lines = [NOT_READ.format(words=", ".join(done.unread))]
    if done.source is None:
        lines.append(NOTHING)
    elif done.carried:
        lines.append(CARRIED.format(source=done.source))
        lines += [f"  {c.where.text}" + (f" ({c.count})" if c.count > 1 else "")
                  for c in done.carried]
    else:
        lines.append(NONE_CARRIED.format(source=done.source))
    if done.left_out:
        lines.append(LEFT_OUT.format(source=done.source))
        lines += [f"  {x.where.text} ({x.source})" for x in done.left_out]
    return "".join(f"{line}\n" for line in lines)


def exported_doc(done: Exported) -> dict[str, Any]:
    """The export's `--json` result: the files, and what the text says after them."""
    return {"files": [str(p) for p in done.files], "ids": str(done.ids),
            "unread": list(done.unread),
            "source": str(done.source) if done.source is not None else None,
            "carried": [{"where": c.where.text, "what": c.what, "count": c.count,
                         "source": c.source} for c in done.carried],
            "left_out": [{"where": x.where.text, "source": x.source} for x in done.left_out]}

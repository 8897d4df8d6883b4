"""The sandbox: a local emulator of a Bitrix24 portal (`Sandbox.in_memory()`, `Sandbox.open()`).

`Sandbox` is imported lazily so that handler modules can import `provisioner.sandbox.core`
without pulling in the protocol layer (which imports the handlers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioner.sandbox.faults import FaultKind, FaultPlan
    from provisioner.sandbox.portal import Sandbox
    from provisioner.sandbox.ratelimit import RateLimit

__all__ = ["FaultKind", "FaultPlan", "RateLimit", "Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from provisioner.sandbox.portal import Sandbox
        return Sandbox
    if name in ("FaultKind", "FaultPlan"):
        from provisioner.sandbox import faults
        return getattr(faults, name)
    if name == "RateLimit":
        from provisioner.sandbox.ratelimit import RateLimit
        return RateLimit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

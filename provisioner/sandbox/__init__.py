"""The sandbox: a local emulator of a Bitrix24 portal (`Sandbox.in_memory()`, `Sandbox.open()`)."""

from __future__ import annotations

from provisioner.sandbox.faults import FaultKind, FaultPlan
from provisioner.sandbox.portal import Sandbox
from provisioner.sandbox.ratelimit import RateLimit

__all__ = ["FaultKind", "FaultPlan", "RateLimit", "Sandbox"]

"""Worker sweeps of the inventory."""
from __future__ import annotations

from holdfast.kit.periodic import periodic

from .services import expire_due_holds


@periodic("inventory.expire_holds", every_seconds=30)
def expire_holds() -> int:
    return expire_due_holds()

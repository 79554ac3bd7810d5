"""Worker jobs of the hotel: the nightly audit (every property's yesterday, idempotent)."""
from __future__ import annotations

from holdfast.kit.periodic import periodic

from .services import night_audit_all


@periodic("hotel.night_audit", every_seconds=900)
def night_audit() -> int:
    return night_audit_all()

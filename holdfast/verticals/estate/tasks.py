"""Estate's worker sweep: send due payment reminders (idempotent; several workers are safe).
Hold expiry needs no job of its own: the engine's sweeper expires the hold and calls
services.on_hold_expired in the same transaction."""
from __future__ import annotations

from holdfast.kit.periodic import periodic


@periodic("estate.run_scheduled_reminders", every_seconds=60)
def run_scheduled_reminders() -> int:
    from .services.money import run_scheduled_reminders as sweep

    return sweep()

"""Billing's periodic sweep: send due payment reminders (idempotent; safe with several workers)."""
from __future__ import annotations

from holdfast.kit.periodic import periodic


@periodic("billing.send_due_reminders", every_seconds=60)
def send_due_reminders() -> int:
    from .services.reminders import send_due_reminders as sweep

    return sweep()

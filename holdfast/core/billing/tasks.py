"""Billing's periodic sweep: send due payment reminders (idempotent; safe with several workers)."""
from __future__ import annotations

from holdfast.kit.periodic import periodic


@periodic("billing.send_due_reminders", every_seconds=60)
def send_due_reminders() -> int:
    from .services.reminders import send_due_reminders as sweep

    return sweep()


@periodic("billing.flag_overdue", every_seconds=300)
def flag_overdue() -> int:
    from .services.invoicing import flag_overdue_invoices

    return flag_overdue_invoices()

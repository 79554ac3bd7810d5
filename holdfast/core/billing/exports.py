"""CSV exports of invoices and payments (amounts in major units with the currency, as accountants expect)."""
from __future__ import annotations

import csv
import io

from holdfast.kit.money import Money

from . import selectors


def _major(minor: int, currency: str) -> str:
    return str(Money(int(minor), currency).to_decimal())


def _safe(value) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def invoices_csv(tenant, **filters) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "status", "customer", "issue_date", "due_date", "currency", "subtotal", "tax", "total", "paid", "credited", "remaining", "paid_at", "payment_method"])
    for inv in selectors.invoices(tenant, **filters).order_by("number", "id"):
        writer.writerow([inv.display_number, inv.status, _safe(inv.customer.name), inv.issue_date or "", inv.due_date or "", inv.currency,
                         _major(inv.subtotal_minor, inv.currency), _major(inv.tax_minor, inv.currency), _major(inv.total_minor, inv.currency),
                         _major(inv.allocated_minor, inv.currency), _major(inv.credited_minor, inv.currency), _major(inv.remaining_minor, inv.currency),
                         inv.paid_at.isoformat() if inv.paid_at else "", inv.payment_method])
    return out.getvalue()


def payments_csv(tenant, **filters) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    # New columns go at the end, so spreadsheets built on the old layout keep working.
    writer.writerow(["id", "paid_at", "customer", "method", "reference", "currency", "amount", "allocated", "refunded", "unallocated", "needs_refund", "status", "kind", "due_date", "booking"])
    for p in selectors.payments(tenant, **filters).order_by("paid_at", "due_date", "id"):
        # Only RECEIVED rows are money: an expected payment shows its amount but nothing allocated or unallocated.
        unallocated = p.unallocated_minor if p.status == p.RECEIVED else 0
        writer.writerow([p.pk, p.paid_at.isoformat() if p.paid_at else "", _safe(p.customer.name), p.method, _safe(p.reference), p.currency, _major(p.amount_minor, p.currency),
                         _major(p.allocated_minor, p.currency), _major(p.refunded_minor, p.currency), _major(unallocated, p.currency), "yes" if p.needs_refund else "no",
                         p.status, _safe(p.kind), p.due_date or "", _safe(p.booking.reference or p.booking_id) if p.booking_id else ""])
    return out.getvalue()

"""A booking's money on billing: the configuration invoice, its re-issue while prices may still change,
payments, and the Rejected invoices of a rejected booking.

Invoices are billing's (source "apartments.booking", bound to the engine booking). The booking's
invoices always ask for its total: while nothing is paid on them an invoice that no longer matches is
voided and issued anew; once money is on one, a change is a price-adjustment invoice (more) or a credit
note (less). The remaining amount is derived in selectors (total − money received on its invoices).
"""
from __future__ import annotations

from decimal import Decimal

from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.money import round_minor

from ..models import APPROVED, BILLING_METHOD, BOOKING_SOURCE, IN_PROGRESS, PAYMENT_METHODS, UNDER_REVIEW

LIVE_INVOICE_STATES = [Invoice.PENDING, Invoice.PAID]


def booking_invoices(tenant, booking_id: int):
    return Invoice.objects.for_tenant(tenant).filter(booking_id=booking_id, source=BOOKING_SOURCE)


def _signature_of(ab) -> list[tuple]:
    lines = [(ab.package_price_minor, 1)] + [(line.unit_price_minor, line.units) for line in ab.addon_lines.order_by("addon_id")]
    return sorted(lines)


def _invoice_signature(invoice) -> list[tuple]:
    return sorted((line.unit_price_minor, line.quantity) for line in invoice.lines.all())


def issue_configuration_invoice(*, tenant, actor, ab, reason: str = "") -> Invoice:
    """Step 6: the invoice of the configuration — the package and every addon line, the booking's tax."""
    revision = booking_invoices(tenant, ab.pk).count() + 1
    common = {"tenant": tenant, "actor": actor, "customer_id": ab.customer_id, "currency": ab.currency, "booking_id": ab.pk, "source": BOOKING_SOURCE,
              "tax_rate": ab.tax_rate, "tax_name": ab.tax_name}
    items = [billing.create_invoice_item(**common, description=f"{ab.package.name} package ({ab.package.get_kind_display()}) — {ab.apartment.name}",
                                         unit_price_minor=ab.package_price_minor, quantity=1, source_ref=f"apt:{ab.pk}:r{revision}:package", category="package")]
    for line in ab.addon_lines.select_related("addon").order_by("addon_id"):
        items.append(billing.create_invoice_item(**common, description=f"{line.addon.name} ({line.addon.addon_type})", unit_price_minor=line.unit_price_minor,
                                                 quantity=line.units, source_ref=f"apt:{ab.pk}:r{revision}:addon:{line.addon_id}", category="addon"))
    return billing.create_invoice(tenant=tenant, actor=actor, customer_id=ab.customer_id, item_ids=[i.pk for i in items], issue=True,
                                  notes=reason or f"Apartment {ab.apartment.name}, booking {ab.pk}")


def _drop(tenant, actor, invoice, reason: str) -> None:
    billing.void_invoice(tenant=tenant, actor=actor, invoice_id=invoice.pk, reason=reason)
    for item in InvoiceItem.objects.filter(tenant=tenant, booking_id=invoice.booking_id, source=BOOKING_SOURCE, status="PENDING"):
        billing.void_invoice_item(tenant=tenant, actor=actor, item_id=item.pk, reason=reason)


def sync_invoices(*, tenant, actor, ab, reason: str) -> None:
    """Make the booking's live invoices ask for its total (called after every change before approval)."""
    if ab.status not in (IN_PROGRESS, UNDER_REVIEW):
        return
    live = list(booking_invoices(tenant, ab.pk).filter(status__in=LIVE_INVOICE_STATES).select_for_update().order_by("pk"))
    untouched = [i for i in live if i.status == Invoice.PENDING and billing_selectors.invoice_allocated_minor(i) == 0 and billing_selectors.invoice_credited_minor(i) == 0]
    kept = [i for i in live if i not in untouched]
    if not kept:
        if len(untouched) == 1 and untouched[0].total_minor == ab.total_minor and _invoice_signature(untouched[0]) == _signature_of(ab):
            return
        for invoice in untouched:
            _drop(tenant, actor, invoice, reason)
        issue_configuration_invoice(tenant=tenant, actor=actor, ab=ab, reason=reason)
        return
    for invoice in untouched:
        _drop(tenant, actor, invoice, reason)
    billed = sum(i.total_minor - billing_selectors.invoice_credited_minor(i) for i in kept)
    _settle(tenant, actor, ab, kept, ab.total_minor - billed, reason, revision=len(live) + 1)


def change_order_invoice(*, tenant, actor, ab, delta: int, reason: str) -> str:
    """An approved booking's change order: its own invoice for more, a credit note on open invoices for
    less (what was already paid beyond the new total shows as a negative remaining amount). Returns the
    new invoice's number, or ""."""
    live = list(booking_invoices(tenant, ab.pk).filter(status__in=LIVE_INVOICE_STATES).select_for_update().order_by("pk"))
    return _settle(tenant, actor, ab, live, delta, reason, revision=len(live) + 1, label="Change order")


def _settle(tenant, actor, ab, kept, delta: int, reason: str, *, revision: int, label: str = "Price adjustment") -> str:
    if delta > 0:
        rate = Decimal(ab.tax_rate or 0)
        tax = round_minor(Decimal(delta) * rate / (Decimal(100) + rate)) if rate else 0
        item = billing.create_invoice_item(tenant=tenant, actor=actor, customer_id=ab.customer_id, currency=ab.currency, booking_id=ab.pk, source=BOOKING_SOURCE,
                                           description=f"{label}: {reason}"[:300], unit_price_minor=delta - tax, quantity=1, tax_rate=ab.tax_rate, tax_name=ab.tax_name,
                                           tax_minor=tax, source_ref=f"apt:{ab.pk}:adj:{revision}:{delta}", category="adjustment")
        return billing.create_invoice(tenant=tenant, actor=actor, customer_id=ab.customer_id, item_ids=[item.pk], issue=True, notes=reason).display_number
    if delta < 0:
        owed = -delta
        for invoice in sorted(kept, key=lambda i: -billing_selectors.invoice_remaining_minor(i)):
            room = billing_selectors.invoice_remaining_minor(invoice) if invoice.status == Invoice.PENDING else 0
            amount = min(room, owed)
            if amount > 0:
                billing.create_credit_note(tenant=tenant, actor=actor, invoice_id=invoice.pk, amount_minor=amount, reason=reason[:300])
                owed -= amount
        # What is still owed back (everything already paid) shows as a negative remaining amount.
    return ""


def reject_invoices(*, tenant, actor, ab, reason: str) -> int:
    invoices = list(booking_invoices(tenant, ab.pk).filter(status=Invoice.PENDING).select_for_update().order_by("pk"))
    if any(billing_selectors.invoice_allocated_minor(i) for i in invoices) or billing_selectors.received_minor(tenant, booking_id=ab.pk) > 0:
        raise Conflict("Money was received for this booking; refund it before rejecting the booking.", code="booking_has_payments")
    for invoice in invoices:
        billing.reject_invoice(tenant=tenant, actor=actor, invoice_id=invoice.pk, reason=reason or "Booking rejected")
    return len(invoices)


def pay(*, tenant, actor, ab, amount_minor: int, method: str, reference: str = ""):
    """Step 9: money received against the booking's open invoices, oldest first (a partial payment leaves
    the invoice Pending; covering it marks it Paid)."""
    if method not in dict(PAYMENT_METHODS):
        raise ValidationFailed("Unknown payment method.", fields={"method": [f"One of {', '.join(dict(PAYMENT_METHODS))}."]})
    if ab.status not in (IN_PROGRESS, UNDER_REVIEW, APPROVED):
        raise Conflict(f"A {ab.status_label} booking takes no payments.", code="booking_not_payable")
    open_ids = list(booking_invoices(tenant, ab.pk).filter(status=Invoice.PENDING).values_list("pk", flat=True))
    owed = sum(billing_selectors.invoice_remaining_minor(i) for i in Invoice.objects.filter(pk__in=open_ids))
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 1:
        raise ValidationFailed("The payment was not recorded.", fields={"amount_minor": ["A whole number of minor units, at least 1."]})
    if amount_minor > owed:
        raise Conflict(f"The booking's open invoices ask only {owed} minor units.", code="payment_exceeds_invoices", extra={"remaining_minor": owed})
    return billing.record_payment(tenant=tenant, actor=actor, customer_id=ab.customer_id, amount_minor=amount_minor, method=BILLING_METHOD[method], currency=ab.currency,
                                  reference=reference, booking_id=ab.pk, source=BOOKING_SOURCE, invoice_ids=open_ids, kind=method)

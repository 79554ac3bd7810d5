"""Random sequences of invoicing, paying, crediting, voiding and refunding keep every doctor check true."""
import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdfast.core.billing import doctor, services
from holdfast.core.billing.models import Invoice, InvoiceItem, InvoiceLine, LedgerAccount, Payment
from holdfast.kit.doctor import REGISTRY
from holdfast.kit.errors import DomainError
from tests.factories import CustomerFactory

from .factories import booking

pytestmark = pytest.mark.django_db

BILLING_CHECKS = [c for name, c in REGISTRY.items() if name.startswith("billing.")]

op = st.one_of(
    st.tuples(st.just("item"), st.integers(0, 1), st.integers(0, 20_000), st.sampled_from([0, 7, 19]), st.sampled_from([None, 1, 2])),
    st.tuples(st.just("invoice"), st.integers(0, 1), st.integers(1, 7)),
    st.tuples(st.just("pay"), st.integers(0, 1), st.integers(1, 30_000), st.integers(0, 7)),
    st.tuples(st.just("void"), st.integers(0, 7)),
    st.tuples(st.just("refund"), st.integers(0, 7), st.integers(1, 30_000)),
    st.tuples(st.just("credit"), st.integers(0, 7), st.integers(1, 10_000)),
    st.tuples(st.just("apply_credit"), st.integers(0, 7)),
    st.tuples(st.just("fee"), st.sampled_from([1, 2]), st.integers(1, 5_000)),
)


def _pick(qs, index):
    rows = list(qs.order_by("id"))
    return rows[index % len(rows)] if rows else None


def _run(tenant, customers, step, bookings):
    kind = step[0]
    if kind == "item":
        _, c, price, tax, booking = step
        services.create_invoice_item(tenant=tenant, actor="h", customer_id=customers[c].pk, description="x", unit_price_minor=price, tax_rate=tax, booking_id=bookings.get(booking), source="hotel" if booking else "")
    elif kind == "invoice":
        _, c, mask = step
        pending = list(InvoiceItem.objects.filter(customer=customers[c], status=InvoiceItem.PENDING).order_by("id"))
        chosen = [i.pk for n, i in enumerate(pending) if mask >> (n % 3) & 1] or [i.pk for i in pending[:1]]
        if chosen:
            services.create_invoice(tenant=tenant, actor="h", customer_id=customers[c].pk, item_ids=chosen)
    elif kind == "pay":
        _, c, amount, target = step
        inv = _pick(Invoice.objects.filter(customer=customers[c], status=Invoice.PENDING), target)
        services.record_payment(tenant=tenant, actor="h", customer_id=customers[c].pk, amount_minor=amount, method="CARD", invoice_ids=[inv.pk] if inv else None)
    elif kind == "void":
        inv = _pick(Invoice.objects.filter(status__in=[Invoice.PENDING, Invoice.DRAFT]), step[1])
        if inv:
            services.void_invoice(tenant=tenant, actor="h", invoice_id=inv.pk, reason="h")
    elif kind == "refund":
        payment = _pick(Payment.objects.all(), step[1])
        if payment:
            services.refund_payment(tenant=tenant, actor="h", payment_id=payment.pk, amount_minor=step[2], reason="h")
    elif kind == "credit":
        inv = _pick(Invoice.objects.filter(status=Invoice.PENDING), step[1])
        if inv:
            services.create_credit_note(tenant=tenant, actor="h", invoice_id=inv.pk, amount_minor=step[2], reason="h")
    elif kind == "apply_credit":
        inv = _pick(Invoice.objects.filter(status=Invoice.PENDING), step[1])
        if inv:
            services.apply_customer_credit(tenant=tenant, actor="h", invoice_id=inv.pk)
    elif kind == "fee":
        services.post_ledger_entry(tenant=tenant, actor="h", booking_id=bookings[step[1]], source="hotel", entry_type="FEE", amount_minor=step[2], description="minibar")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(op, min_size=1, max_size=10))
def test_random_billing_sequences_keep_invariants(tenant, steps):
    with transaction.atomic():
        customers = [CustomerFactory(tenant=tenant), CustomerFactory(tenant=tenant)]
        bookings = {n: booking(tenant).pk for n in (1, 2)}  # the steps' booking numbers, as real bookings
        prelude = [("item", 0, 5000, 19, 1), ("item", 0, 2500, 19, 1), ("invoice", 0, 7), ("item", 1, 999, 7, None), ("invoice", 1, 7), ("item", 1, 1234, 0, 2)]
        for step in prelude + steps:
            try:
                _run(tenant, customers, step, bookings)
            except DomainError:
                pass  # a refusal must change nothing; the checks below prove it
            for check in BILLING_CHECKS:
                assert check.run() == [], (check.name, step)
        numbers = sorted(Invoice.objects.filter(tenant=tenant, number__isnull=False).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))  # gapless
        transaction.set_rollback(True)


def test_checks_find_drift(tenant, customer):
    """The checks are not vacuous: corrupt rows behind the services' back and each one notices."""
    from .factories import invoice

    bk = booking(tenant, customer)
    inv = invoice(tenant, customer, 1000, booking_id=bk.pk, source="hotel")
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=400, method="CASH", invoice_ids=[inv.pk])
    assert all(c.run() == [] for c in BILLING_CHECKS)
    InvoiceLine.objects.filter(invoice=inv).update(amount_minor=900)
    assert doctor.invoice_totals()
    Invoice.objects.filter(pk=inv.pk).update(status=Invoice.PAID, paid_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert doctor.paid_invoices_covered()
    LedgerAccount.objects.filter(booking=bk).update(payments_minor=0)
    assert doctor.ledger_balances()
    Invoice.objects.filter(pk=inv.pk).update(reminder_count=2)
    assert doctor.reminder_counts()
    Payment.objects.update(amount_minor=100)
    assert doctor.allocations_within_limits()
    item = InvoiceItem.objects.get()
    Invoice.objects.filter(pk=inv.pk).update(status=Invoice.VOID)
    assert doctor.items_billed_on_invoice() and item.status == InvoiceItem.BILLED


def test_repairs_rebuild_derived_counters(tenant, customer):
    from .factories import invoice

    bk = booking(tenant, customer)
    inv = invoice(tenant, customer, 1000, booking_id=bk.pk, source="hotel")
    LedgerAccount.objects.filter(booking=bk).update(charges_minor=1, payments_minor=77)
    Invoice.objects.filter(pk=inv.pk).update(reminder_count=3)
    for name in ("billing.ledger_balances", "billing.reminder_counts"):
        check = REGISTRY[name]
        assert check.repair(check.run()) >= 1
        assert check.run() == []

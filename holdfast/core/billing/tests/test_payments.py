import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.billing import selectors, services
from holdfast.core.billing.models import Invoice, LedgerEntry, Payment
from holdfast.kit.errors import Conflict, ValidationFailed
from tests.factories import CustomerFactory

from .factories import booking, invoice

pytestmark = pytest.mark.django_db


def test_one_payment_covers_many_invoices_and_overpayment_is_credit(tenant, customer):
    a, b = invoice(tenant, customer, 3000), invoice(tenant, customer, 2000)
    p = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=6000, method="BANK_TRANSFER", reference="TX1", invoice_ids=[a.pk, b.pk])
    assert {i.status for i in Invoice.objects.filter(pk__in=[a.pk, b.pk])} == {Invoice.PAID}
    assert selectors.payment_unallocated_minor(p) == 1000
    assert selectors.customer_credit_minor(tenant, customer.pk) == 1000
    c = invoice(tenant, customer, 1500)
    assert services.apply_customer_credit(tenant=tenant, actor="t", invoice_id=c.pk) == 1000
    assert selectors.get_invoice(tenant, c.pk).remaining_minor == 500


def test_many_partial_payments_pay_one_invoice(tenant, customer):
    inv = invoice(tenant, customer, 10000)
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=4000, method="CASH", allocations=[{"invoice_id": inv.pk, "amount_minor": 4000}])
    assert selectors.get_invoice(tenant, inv.pk).status == Invoice.PENDING
    assert selectors.get_invoice(tenant, inv.pk).remaining_minor == 6000
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=6000, method="CARD", allocations=[{"invoice_id": inv.pk, "amount_minor": 6000}])
    inv = selectors.get_invoice(tenant, inv.pk)
    assert inv.status == Invoice.PAID and inv.remaining_minor == 0 and inv.payment_method == "CARD" and inv.paid_at


def test_allocation_never_exceeds_invoice_or_payment(tenant, customer):
    inv = invoice(tenant, customer, 1000)
    with pytest.raises(Conflict) as exc:
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=2000, method="CASH", allocations=[{"invoice_id": inv.pk, "amount_minor": 1500}])
    assert exc.value.code == "allocation_exceeds_invoice"
    assert not Payment.objects.exists()  # all or nothing
    p = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=500, method="CASH")
    with pytest.raises(Conflict) as exc:
        services.allocate_payment(tenant=tenant, actor="t", payment_id=p.pk, invoice_id=inv.pk, amount_minor=600)
    assert exc.value.code == "allocation_exceeds_payment"


def test_payment_cannot_pay_another_customers_invoice(tenant, customer):
    inv = invoice(tenant, CustomerFactory(tenant=tenant), 1000)
    with pytest.raises(Conflict):
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1000, method="CASH", invoice_ids=[inv.pk])


def test_refund_takes_unallocated_first_then_reopens_invoice(tenant, customer):
    inv = invoice(tenant, customer, 1000)
    p = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1500, method="CARD", invoice_ids=[inv.pk])
    services.refund_payment(tenant=tenant, actor="t", payment_id=p.pk, amount_minor=500, reason="overpaid")
    assert selectors.get_invoice(tenant, inv.pk).status == Invoice.PAID
    services.refund_payment(tenant=tenant, actor="t", payment_id=p.pk, amount_minor=300, reason="goodwill")
    inv = selectors.get_invoice(tenant, inv.pk)
    assert inv.status == Invoice.PENDING and inv.remaining_minor == 300 and inv.paid_at is None
    with pytest.raises(Conflict):
        services.refund_payment(tenant=tenant, actor="t", payment_id=p.pk, amount_minor=701, reason="too much")


def test_credit_note_reduces_remaining_and_settles(tenant, customer):
    inv = invoice(tenant, customer, 1000)
    services.create_credit_note(tenant=tenant, actor="t", invoice_id=inv.pk, amount_minor=400, reason="late")
    assert selectors.get_invoice(tenant, inv.pk).remaining_minor == 600
    with pytest.raises(Conflict):
        services.create_credit_note(tenant=tenant, actor="t", invoice_id=inv.pk, amount_minor=700, reason="x")
    services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=inv.pk, method="CHECK", reference="CHQ 12")
    inv = selectors.get_invoice(tenant, inv.pk)
    assert inv.status == Invoice.PAID and inv.allocated_minor == 600


def test_payment_input_is_validated(tenant, customer):
    with pytest.raises(ValidationFailed):
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=0, method="CASH")
    with pytest.raises(ValidationFailed):
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=10, method="BITCOIN")
    with pytest.raises(ValidationFailed):
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=10, method="CASH", paid_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))


def test_ledger_follows_invoice_payments_and_refunds(tenant, customer):
    stay = booking(tenant, customer)
    inv = invoice(tenant, customer, 10000, tax_rate=10, booking_id=stay.pk, source="hotel.reservation")
    account = selectors.ledger_for_booking(tenant, booking_id=stay.pk, source="hotel.reservation")
    assert (account.charges_minor, account.tax_minor, account.balance_minor) == (10000, 1000, 11000)
    services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="hotel.reservation", entry_type="FEE", amount_minor=500, description="Minibar")
    p = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=11000, method="CARD", invoice_ids=[inv.pk])
    account.refresh_from_db()
    assert account.balance_minor == 500
    services.refund_payment(tenant=tenant, actor="t", payment_id=p.pk, amount_minor=1000, reason="noise")
    account.refresh_from_db()
    rows = selectors.ledger_statement(account)
    assert [r["entry"].entry_type for r in rows] == [LedgerEntry.CHARGE, LedgerEntry.TAX, LedgerEntry.FEE, LedgerEntry.PAYMENT, LedgerEntry.REFUND]
    assert [r["balance_minor"] for r in rows] == [10000, 11000, 11500, 500, 1500]
    assert account.balance_minor == 1500
    with pytest.raises(Conflict):
        services.close_ledger(tenant=tenant, actor="t", ledger_id=account.pk)
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1000, method="CASH", invoice_ids=[inv.pk])
    services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="hotel.reservation", entry_type="ADJUSTMENT", amount_minor=-500, description="Minibar waived")
    assert services.close_ledger(tenant=tenant, actor="t", ledger_id=account.pk).status == "CLOSED"
    with pytest.raises(Conflict):
        services.post_ledger_entry(tenant=tenant, actor="t", booking_id=stay.pk, source="hotel.reservation", entry_type="FEE", amount_minor=1, description="late")


def test_voiding_invoice_reverses_its_ledger_charges(tenant, customer):
    rental = booking(tenant, customer)
    inv = invoice(tenant, customer, 2000, booking_id=rental.pk, source="storage.booking")
    services.create_credit_note(tenant=tenant, actor="t", invoice_id=inv.pk, amount_minor=500, reason="x")
    services.void_invoice(tenant=tenant, actor="t", invoice_id=inv.pk, reason="error")
    assert selectors.ledger_for_booking(tenant, booking_id=rental.pk, source="storage.booking").balance_minor == 0


def test_manual_payment_for_cancelled_booking_is_kept_unapplied_and_flagged(tenant, customer):
    from holdfast.core.billing import hooks

    job = booking(tenant, customer)
    inv = invoice(tenant, customer, 1000, booking_id=job.pk, source="petcare.job")
    check = hooks.register_cancellation_check(lambda t, source, booking_id: booking_id == job.pk)
    try:
        p = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1000, method="CASH", booking_id=job.pk, source="petcare.job", invoice_ids=[inv.pk])
    finally:
        hooks.CANCELLATION_CHECKS.remove(check)
    assert p.needs_refund and selectors.payment_unallocated_minor(p) == 1000
    assert selectors.get_invoice(tenant, inv.pk).status == Invoice.PENDING
    services.refund_payment(tenant=tenant, actor="t", payment_id=p.pk, amount_minor=1000, reason="booking cancelled")
    p.refresh_from_db()
    assert not p.needs_refund


def test_idempotency_key_records_one_payment(owner_api, tenant, customer):
    body = {"customer_id": customer.pk, "amount_minor": 700, "method": "CASH"}
    first = owner_api.post("/api/v1/billing/payments", body, headers={"Idempotency-Key": "pay-1"})
    second = owner_api.post("/api/v1/billing/payments", body, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert Payment.objects.count() == 1
    other = owner_api.post("/api/v1/billing/payments", {**body, "amount_minor": 800}, headers={"Idempotency-Key": "pay-1"})
    assert other.status_code in (409, 422) and Payment.objects.count() == 1


@pytest.mark.parametrize("source", ["estate.booking", "hotel.reservation"])
def test_a_booking_bound_sources_payment_without_a_booking_is_refused_by_service_and_database(tenant, customer, source):
    from django.db import IntegrityError, transaction

    from holdfast.core.billing.models import Payment
    from holdfast.kit.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=100, method="CASH", source=source)
    assert "booking_id" in exc.value.fields
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(tenant=tenant, customer=customer, source=source, method="CASH", amount_minor=100, currency="USD", paid_at=timezone.now())
    assert not Payment.objects.filter(source=source).exists()

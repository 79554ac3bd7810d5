import datetime as dt
from decimal import Decimal

import pytest

from holdfast.core.billing import selectors, services
from holdfast.core.billing.models import Invoice, InvoiceItem, PaymentReminder
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed
from tests.factories import CustomerFactory

from .factories import booking, invoice, item

pytestmark = pytest.mark.django_db


def test_batching_pending_items_of_one_customer_into_one_invoice(tenant, customer):
    a, b = item(tenant, customer, price=4000), item(tenant, customer, price=2500, quantity=2)
    inv = services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[a.pk, b.pk])
    assert inv.status == Invoice.PENDING and inv.total_minor == 9000 and inv.lines.count() == 2
    assert set(InvoiceItem.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {InvoiceItem.BILLED}


def test_due_date_follows_tenant_payment_terms_in_tenant_time_zone(tenant, customer):
    tenant.settings = {**tenant.settings, "payment_terms_days": 30}
    tenant.save()
    inv = invoice(tenant, customer, 1000)
    assert inv.due_date - inv.issue_date == dt.timedelta(days=30)
    assert inv.issue_date == selectors.tenant_today(tenant)


def test_invoice_numbers_are_gapless_per_tenant_and_voided_keep_theirs(tenant, other_tenant, customer):
    first = invoice(tenant, customer)
    services.void_invoice(tenant=tenant, actor="t", invoice_id=first.pk, reason="typo")
    draft = invoice(tenant, customer, issue=False)
    assert draft.number is None
    second = invoice(tenant, customer)
    services.issue_invoice(tenant=tenant, actor="t", invoice_id=draft.pk)
    draft.refresh_from_db()
    other = invoice(other_tenant, CustomerFactory(tenant=other_tenant))
    assert [first.number, second.number, draft.number] == [1, 2, 3]
    assert other.number == 1


def test_tax_from_rules_stored_per_line_and_on_document(tenant, customer):
    services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("19"), country="DE", effective_from=dt.date(2020, 1, 1))
    a = item(tenant, customer, price=1050)  # 199.5 -> 200 (half up, per line)
    b = item(tenant, customer, price=1050)
    assert a.tax_minor == 200 and a.tax_name == "VAT"
    inv = services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[a.pk, b.pk])
    assert (inv.subtotal_minor, inv.tax_minor, inv.total_minor) == (2100, 400, 2500)


def test_refuses_items_of_other_customers_already_billed_or_foreign(tenant, other_tenant, customer):
    other_customer = CustomerFactory(tenant=tenant)
    mine, theirs = item(tenant, customer), item(tenant, other_customer)
    with pytest.raises(Conflict) as exc:
        services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[mine.pk, theirs.pk])
    assert exc.value.code == "items_not_billable"
    services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[mine.pk])
    with pytest.raises(Conflict):
        services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[mine.pk])
    foreign = item(other_tenant, CustomerFactory(tenant=other_tenant))
    with pytest.raises(ValidationFailed):
        services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[foreign.pk])
    assert InvoiceItem.objects.get(pk=theirs.pk).status == InvoiceItem.PENDING  # all or nothing


def test_voiding_releases_items_and_is_never_overdue(tenant, customer):
    inv = invoice(tenant, customer, 1000, 2000)
    Invoice.objects.filter(pk=inv.pk).update(due_date=dt.date(2020, 1, 1))
    assert list(selectors.overdue_invoices(tenant)) == [inv]
    services.void_invoice(tenant=tenant, actor="t", invoice_id=inv.pk, reason="wrong client")
    assert not selectors.overdue_invoices(tenant).exists()
    items = InvoiceItem.objects.filter(tenant=tenant)
    assert set(items.values_list("status", flat=True)) == {InvoiceItem.PENDING}
    assert Invoice.objects.get(pk=inv.pk).lines.count() == 2  # the void invoice still shows what it was
    again = services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=list(items.values_list("pk", flat=True)))
    assert again.total_minor == 3000


def test_overdue_uses_tenant_local_date(tenant, customer):
    inv = invoice(tenant, customer)
    today = selectors.tenant_today(tenant)
    Invoice.objects.filter(pk=inv.pk).update(due_date=today)
    assert not selectors.is_overdue(tenant, Invoice.objects.get(pk=inv.pk))
    Invoice.objects.filter(pk=inv.pk).update(due_date=today - dt.timedelta(days=1))
    assert selectors.is_overdue(tenant, Invoice.objects.get(pk=inv.pk))
    services.mark_uncollectible(tenant=tenant, actor="t", invoice_id=inv.pk, reason="gone")
    assert not selectors.overdue_invoices(tenant).exists()


def test_item_creation_is_idempotent_on_source_ref_and_void_needs_unbilled(tenant, customer):
    a = item(tenant, customer, source="petcare.job", source_ref="job-9")
    assert item(tenant, customer, source="petcare.job", source_ref="job-9").pk == a.pk
    services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[a.pk])
    with pytest.raises(Conflict):
        services.void_invoice_item(tenant=tenant, actor="t", item_id=a.pk, reason="cancelled")


def test_void_items_for_cancelled_booking(tenant, customer):
    job = booking(tenant, customer)
    item(tenant, customer, booking_id=job.pk, source="petcare.job")
    item(tenant, customer, booking_id=job.pk, source="petcare.job", price=5)
    assert services.void_items_for_booking(tenant=tenant, actor="t", booking_id=job.pk, source="petcare.job", reason="cancelled") == 2
    assert not InvoiceItem.objects.filter(status=InvoiceItem.PENDING).exists()


def test_paid_invoice_cannot_be_voided_and_void_cancels_reminders(tenant, customer):
    inv = invoice(tenant, customer)
    services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    services.void_invoice(tenant=tenant, actor="t", invoice_id=inv.pk, reason="x")
    assert PaymentReminder.objects.get().status == PaymentReminder.CANCELLED
    paid = invoice(tenant, customer)
    services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=paid.pk, method="CASH")
    with pytest.raises(Conflict):
        services.void_invoice(tenant=tenant, actor="t", invoice_id=paid.pk, reason="x")


def test_other_tenant_cannot_touch_invoice(tenant, other_tenant, customer):
    inv = invoice(tenant, customer)
    with pytest.raises(NotFound):
        services.void_invoice(tenant=other_tenant, actor="t", invoice_id=inv.pk, reason="x")


def test_customer_with_unpaid_invoices_needs_override_to_deactivate(tenant, customer):
    from holdfast.core.customers import services as customer_services

    invoice(tenant, customer)
    with pytest.raises(Conflict) as exc:
        customer_services.deactivate_customer(tenant=tenant, actor="t", customer_id=customer.pk, reason="moved")
    assert "unpaid invoice" in exc.value.detail
    assert not customer_services.deactivate_customer(tenant=tenant, actor="t", customer_id=customer.pk, reason="moved", override=True).is_active


def test_overdue_sweep_announces_each_overdue_invoice_once(tenant, customer):
    from holdfast.core.events.models import OutboxEvent

    late, on_time = invoice(tenant, customer), invoice(tenant, customer)
    Invoice.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 1))
    assert services.flag_overdue_invoices() == 1
    assert services.flag_overdue_invoices() == 0
    events = OutboxEvent.objects.filter(tenant=tenant, event_type="invoice:overdue")
    assert [e.payload["invoice_id"] for e in events] == [late.pk]
    assert Invoice.objects.get(pk=on_time.pk).overdue_notified_at is None


def test_items_and_ledgers_name_real_bookings_of_the_tenant(tenant, other_tenant, customer):
    from holdfast.core.billing.models import LedgerAccount
    from holdfast.kit.errors import NotFound

    foreign = booking(other_tenant)
    for missing in (987_654_321, foreign.pk):
        with pytest.raises(NotFound):
            item(tenant, customer, booking_id=missing, source="petcare.job")
        with pytest.raises(NotFound):
            services.post_ledger_entry(tenant=tenant, actor="t", booking_id=missing, source="hotel", entry_type="FEE", amount_minor=1, description="x")
    assert not InvoiceItem.objects.exists() and not LedgerAccount.objects.exists()
    relations = {f.name: f.related_model._meta.label for f in (InvoiceItem.booking.field, LedgerAccount.booking.field)}
    assert relations == {"booking": "bookings.Booking"}

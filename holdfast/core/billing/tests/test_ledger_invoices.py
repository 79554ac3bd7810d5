"""A ledger (folio) becomes an invoice: each charge once, posted tax kept exactly, adjustments credited,
paid from the money already on the ledger, nothing posted twice on the ledger."""
import pytest

from holdfast.core.billing import selectors, services
from holdfast.core.billing.models import Invoice, InvoiceItem, LedgerEntry
from holdfast.kit.doctor import REGISTRY
from holdfast.kit.errors import Conflict, ValidationFailed

from .factories import booking

pytestmark = pytest.mark.django_db
BILLING_CHECKS = [c for name, c in REGISTRY.items() if name.startswith("billing.")]
SRC = "hotel.reservation"


def _post(tenant, bk, entry_type, amount, description, code="", ref=""):
    return services.post_ledger_entry(tenant=tenant, actor="t", booking_id=bk.pk, source=SRC, entry_type=entry_type, code=code, amount_minor=amount, description=description, source_ref=ref)


def _folio(tenant, customer):
    bk = booking(tenant, customer)
    for night in ("2026-05-01", "2026-05-02"):
        _post(tenant, bk, "CHARGE", 10_000, f"Room night of {night}", code="ROOM_CHARGE", ref=f"night:{night}")
        _post(tenant, bk, "TAX", 701, f"City tax 7.01% night of {night}", ref=f"night:{night}")
    _post(tenant, bk, "FEE", 800, "Minibar")
    _post(tenant, bk, "TAX", 50, "Minibar tax")
    _post(tenant, bk, "ADJUSTMENT", -300, "Goodwill")
    return bk, selectors.ledger_for_booking(tenant, booking_id=bk.pk, source=SRC)


def test_a_ledger_becomes_an_invoice_paid_from_its_money(tenant, customer):
    bk, account = _folio(tenant, customer)
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=25_000, method="CARD", booking_id=bk.pk, source=SRC)
    before = account.entries.count()
    invoice = services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk, customer_id=customer.pk)
    lines = list(invoice.lines.order_by("position"))
    assert [(line.amount_minor, line.tax_minor) for line in lines] == [(10_000, 701), (10_000, 701), (800, 0), (0, 50), (0, 0)]
    assert str(lines[0].tax_rate) == "7.01" and invoice.total_minor == 22_252
    invoice = selectors.get_invoice(tenant, invoice.pk)
    assert invoice.credited_minor == 300 and invoice.status == Invoice.PAID and invoice.allocated_minor == 21_952
    account.refresh_from_db()
    assert account.entries.count() == before and account.balance_minor == 22_252 - 300 - 25_000
    assert selectors.customer_credit_minor(tenant, customer.pk) == 25_000 - 21_952
    assert [i.pk for i in selectors.invoices_of_ledger(tenant, account.pk)] == [invoice.pk]
    assert all(c.run() == [] for c in BILLING_CHECKS)
    with pytest.raises(Conflict) as again:
        services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk, customer_id=customer.pk)
    assert again.value.code == "nothing_to_invoice"


def test_only_new_charges_are_invoiced_and_a_voided_invoice_can_be_redone(tenant, customer):
    bk, account = _folio(tenant, customer)
    first = services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk, customer_id=customer.pk)
    _post(tenant, bk, "FEE", 1_200, "Parking")
    second = services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk, customer_id=customer.pk)
    assert second.total_minor == 1_200 and second.lines.count() == 1
    services.void_invoice(tenant=tenant, actor="t", invoice_id=first.pk, reason="wrong address")
    redone = services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk, customer_id=customer.pk)
    assert redone.total_minor == first.total_minor and InvoiceItem.objects.filter(invoice=redone).count() == first.lines.count()
    assert not LedgerEntry.objects.filter(account=account, invoice__isnull=False).exists()  # the ledger already had the charges
    assert all(c.run() == [] for c in BILLING_CHECKS)


def test_a_ledger_without_a_customer_needs_one(tenant, customer):
    bk, account = _folio(tenant, customer)
    with pytest.raises(ValidationFailed):
        services.invoice_ledger(tenant=tenant, actor="t", ledger_id=account.pk)


def test_invoice_a_ledger_through_the_api(owner_api, outsider_api, tenant, customer):
    bk, account = _folio(tenant, customer)
    assert outsider_api.post(f"/api/v1/billing/ledgers/{account.pk}/invoice", {"customer_id": customer.pk}).status_code == 404
    made = owner_api.post(f"/api/v1/billing/ledgers/{account.pk}/invoice", {"customer_id": customer.pk})
    assert made.status_code == 201 and made.json()["status"] == "PENDING" and made.json()["remaining_minor"] == 22_252 - 300
    assert owner_api.post(f"/api/v1/billing/ledgers/{account.pk}/invoice", {"customer_id": customer.pk}).json()["code"] == "nothing_to_invoice"

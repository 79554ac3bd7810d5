import pytest

from holdfast.core.billing.models import Invoice, InvoiceItem, Payment

from .factories import booking, invoice, item

pytestmark = pytest.mark.django_db


def test_owner_sees_invoices_detail_pdf_payments_and_ledgers(web_as, owner, tenant, customer):
    stay = booking(tenant, customer)
    inv = invoice(tenant, customer, 4200, booking_id=stay.pk, source="hotel.reservation")
    c = web_as(owner)
    listing = c.get("/billing/")
    assert listing.status_code == 200 and b"INV-000001" in listing.content and b"Revenue, last 7 days" in listing.content
    assert "Invoices" in {i["label"] for i in listing.context["nav_items"]}
    detail = c.get(f"/billing/invoices/{inv.pk}/")
    assert detail.status_code == 200 and b"USD 42.00" in detail.content
    assert c.get(f"/billing/invoices/{inv.pk}/pdf/")["Content-Type"] == "application/pdf"
    paid = c.post(f"/billing/invoices/{inv.pk}/pay/", {"method": "CASH", "reference": "till"})
    assert paid.status_code == 302 and Invoice.objects.get(pk=inv.pk).status == Invoice.PAID
    payment = Payment.objects.get()
    assert c.get("/billing/payments/").status_code == 200
    assert c.get(f"/billing/payments/{payment.pk}/").status_code == 200
    ledgers = c.get("/billing/ledgers/")
    assert ledgers.status_code == 200 and f"#{stay.pk}".encode() in ledgers.content
    assert c.get("/billing/export/invoices.csv").content.startswith(b"number,")
    finance = c.get("/billing/finance/")
    assert finance.status_code == 200 and b"USD 42.00" in finance.content and b"<svg" in finance.content


def test_batching_screen_creates_one_invoice_and_refusals_are_messages(web_as, owner, tenant, customer):
    a, b = item(tenant, customer, price=100), item(tenant, customer, price=200)
    c = web_as(owner)
    assert c.get(f"/billing/items/?customer={customer.pk}").status_code == 200
    response = c.post("/billing/items/", {"customer": customer.pk, "item": [a.pk, b.pk], "issue": "1"})
    assert response.status_code == 302
    inv = Invoice.objects.get()
    assert inv.total_minor == 300 and set(InvoiceItem.objects.values_list("status", flat=True)) == {"BILLED"}
    refused = c.post(f"/billing/invoices/{inv.pk}/credit/", {"amount": "99.00", "reason": "too much"}, follow=True)
    assert refused.status_code == 200 and b"asks only" in refused.content


def test_staff_and_outsiders_are_kept_out(web_as, staff_member, outsider, tenant, customer):
    inv = invoice(tenant, customer)
    assert web_as(staff_member).get("/billing/").status_code == 403
    assert web_as(outsider).get(f"/billing/invoices/{inv.pk}/").status_code == 404
    assert web_as(outsider).post(f"/billing/invoices/{inv.pk}/void/", {"reason": "x"}).status_code == 404
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.PENDING


def test_payments_screen_shows_and_records_expected_payments(web_as, owner, tenant, customer):
    from django.core import mail

    from .factories import booking

    bk = booking(tenant, customer, reference="SUN-12")
    c = web_as(owner)
    made = c.post("/billing/payments/", {"customer": customer.pk, "booking_id": bk.pk, "amount": "1500.00", "due_date": "2031-04-01", "kind": "DOWN_PAYMENT"})
    assert made.status_code == 302
    p = Payment.objects.get()
    assert (p.status, p.amount_minor, p.booking_id, p.kind) == ("EXPECTED", 150_000, bk.pk, "DOWN_PAYMENT")
    listing = c.get("/billing/payments/?show=expected")
    assert listing.status_code == 200 and b"Expected" in listing.content and b"SUN-12" in listing.content and b"due 1 Apr 2031" in listing.content
    assert c.get(f"/billing/payments/{p.pk}/").status_code == 200
    assert c.post(f"/billing/payments/{p.pk}/remind/", {"message": "Hello"}).status_code == 302
    assert len(mail.outbox) == 1 and "SUN-12" in mail.outbox[0].body
    assert c.post(f"/billing/payments/{p.pk}/receive/", {"method": "BANK_TRANSFER", "reference": "TX"}).status_code == 302
    p.refresh_from_db()
    assert p.status == "RECEIVED" and p.reminder_count == 1
    refused = c.post(f"/billing/payments/{p.pk}/void/", {"reason": "x"}, follow=True)
    assert b"only an EXPECTED payment" in refused.content.replace(b"Only", b"only")
    received = c.get("/billing/payments/?show=received")
    assert b"Received" in received.content and b"Bank transfer" in received.content
    bad = c.post("/billing/payments/", {"customer": customer.pk, "amount": "1", "due_date": ""})
    assert bad.status_code == 200 and Payment.objects.count() == 1


def test_outsiders_cannot_act_on_payments_and_staff_cannot_expect(web_as, staff_member, outsider, tenant, customer):
    from holdfast.core.billing import services

    p = services.expect_payment(tenant=tenant, actor="t", booking_id=None, customer_id=customer.pk, amount_minor=5, due_date=__import__("datetime").date(2031, 1, 1))
    assert web_as(outsider).post(f"/billing/payments/{p.pk}/receive/", {"method": "CASH"}).status_code == 404
    assert web_as(staff_member).post(f"/billing/payments/{p.pk}/void/", {"reason": "x"}).status_code == 403
    assert web_as(staff_member).post("/billing/payments/", {"customer": customer.pk, "amount": "1", "due_date": "2031-01-01"}).status_code == 403
    assert Payment.objects.get(pk=p.pk).status == "EXPECTED"


def test_tax_rule_screen_sets_a_site(web_as, owner, tenant):
    from holdfast.core.billing.models import TaxRule
    from holdfast.core.inventory.tests.factories import SiteFactory

    site = SiteFactory(tenant=tenant, name="Harbour Inn")
    c = web_as(owner)
    form = c.get("/billing/prices/taxes/new/")
    assert b"Harbour Inn" in form.content
    assert c.post("/billing/prices/taxes/new/", {"name": "Inn tax", "rate": "7", "site_id": site.pk, "effective_from": "2026-01-01"}).status_code == 302
    assert TaxRule.objects.get().site_id == site.pk
    assert b"Harbour Inn" in c.get("/billing/prices/taxes/").content

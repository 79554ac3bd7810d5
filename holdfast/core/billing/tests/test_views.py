import pytest

from holdfast.core.billing.models import Invoice, InvoiceItem, Payment

from .factories import invoice, item

pytestmark = pytest.mark.django_db


def test_owner_sees_invoices_detail_pdf_payments_and_ledgers(web_as, owner, tenant, customer):
    inv = invoice(tenant, customer, 4200, booking_id=8, source="hotel.reservation")
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
    assert ledgers.status_code == 200 and b"#8" in ledgers.content
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

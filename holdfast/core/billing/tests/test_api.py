import csv
import io

import pytest

from holdfast.core.billing.models import Invoice

from .factories import booking, invoice

pytestmark = pytest.mark.django_db
B = "/api/v1/billing"


def test_invoice_flow_through_the_api(owner_api, tenant, customer):
    a = owner_api.post(f"{B}/items", {"customer_id": customer.pk, "description": "Grooming", "unit_price_minor": 4500, "category": "grooming"})
    assert a.status_code == 201, a.content
    created = owner_api.post(f"{B}/invoices", {"customer_id": customer.pk, "item_ids": [a.json()["id"]]})
    assert created.status_code == 201, created.content
    inv = created.json()
    assert inv["status"] == "PENDING" and inv["display_number"] == "INV-000001" and inv["remaining_minor"] == 4500 and len(inv["lines"]) == 1
    paid = owner_api.post(f"{B}/invoices/{inv['id']}/mark-paid", {"method": "CASH", "reference": "till 3"})
    assert paid.status_code == 200 and paid.json()["status"] == "PAID"
    listed = owner_api.get(f"{B}/invoices", {"status": "PAID"}).json()
    assert listed["count"] == 1 and listed["results"][0]["customer_name"] == customer.name
    revenue = owner_api.get(f"{B}/revenue").json()
    assert revenue["revenue_last_7_days_minor"] == 4500 and revenue["paid_this_month_minor"] == 4500
    assert revenue["by_service"][0] == {"key": "grooming", "label": "grooming", "paid_minor": 4500}


def test_refusals_are_problem_bodies(owner_api, tenant, customer):
    inv = invoice(tenant, customer, 1000)
    over = owner_api.post(f"{B}/payments", {"customer_id": customer.pk, "amount_minor": 5000, "method": "CASH", "allocations": [{"invoice_id": inv.pk, "amount_minor": 5000}]})
    assert over.status_code == 409 and over.json()["code"] == "allocation_exceeds_invoice"
    bad = owner_api.post(f"{B}/payments", {"customer_id": customer.pk, "amount_minor": -1, "method": "CASH"})
    assert bad.status_code == 422
    void = owner_api.post(f"{B}/invoices/{inv.pk}/void", {"reason": ""})
    assert void.status_code == 422


def test_staff_cannot_see_billing_and_outsiders_get_404(staff_api, outsider_api, tenant, customer):
    inv = invoice(tenant, customer)
    assert staff_api.get(f"{B}/invoices").status_code == 403
    assert outsider_api.get(f"{B}/invoices/{inv.pk}").status_code == 404
    assert outsider_api.post(f"{B}/invoices/{inv.pk}/mark-paid", {"method": "CASH"}).status_code == 404
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.PENDING


def test_payments_refunds_and_ledger_endpoints(owner_api, tenant, customer):
    bk = booking(tenant, customer)
    inv = invoice(tenant, customer, 2000, booking_id=bk.pk, source="hotel.reservation")
    pay = owner_api.post(f"{B}/payments", {"customer_id": customer.pk, "amount_minor": 2500, "method": "CARD", "invoice_ids": [inv.pk]})
    assert pay.status_code == 201 and pay.json()["unallocated_minor"] == 500
    refund = owner_api.post(f"{B}/payments/{pay.json()['id']}/refunds", {"amount_minor": 500, "reason": "overpaid"})
    assert refund.status_code == 201
    ledgers = owner_api.get(f"{B}/ledgers", {"booking_id": bk.pk}).json()
    detail = owner_api.get(f"{B}/ledgers/{ledgers['results'][0]['id']}").json()
    assert detail["balance_minor"] == 0 and [r["balance_minor"] for r in detail["statement"]] == [2000, 0]
    assert owner_api.post(f"{B}/ledgers/{detail['id']}/close", {}).json()["status"] == "CLOSED"


def test_price_rules_quotes_and_locking(owner_api, tenant):
    rule = owner_api.post(f"{B}/price-rules", {"name": "Pallet", "amount_minor": 300, "effective_from": "2026-01-01"})
    assert rule.status_code == 201, rule.content
    preview = owner_api.post(f"{B}/quote", {"start_date": "2026-02-01", "end_date": "2026-02-11", "units": 4, "country": ""})
    assert preview.status_code == 200 and preview.json()["subtotal_minor"] == 12000
    q = owner_api.post(f"{B}/quotes", {"booking_id": booking(tenant).pk, "source": "storage.booking", "start_date": "2026-02-01", "end_date": "2026-02-11", "units": 4, "country": ""}).json()
    assert owner_api.post(f"{B}/quotes/{q['id']}/lock").json()["locked"] is True
    patched = owner_api.patch(f"{B}/price-rules/{rule.json()['id']}", {"version": 1, "amount_minor": 500})
    assert patched.status_code == 200 and owner_api.get(f"{B}/quotes/{q['id']}").json()["total_minor"] == 12000
    gap = owner_api.post(f"{B}/quote", {"start_date": "2025-12-30", "end_date": "2026-01-02"})
    assert gap.status_code == 422 and gap.json()["code"] == "no_price_rule"


def test_a_quote_for_another_businesss_booking_is_refused(owner_api, tenant, other_tenant):
    owner_api.post(f"{B}/price-rules", {"name": "Pallet", "amount_minor": 300, "effective_from": "2026-01-01"})
    theirs = booking(other_tenant)
    answer = owner_api.post(f"{B}/quotes", {"booking_id": theirs.pk, "source": "storage.booking", "start_date": "2026-02-01", "end_date": "2026-02-03", "country": ""})
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    from holdfast.core.billing.models import PriceQuote
    assert not PriceQuote.objects.filter(booking_id=theirs.pk).exists()


def test_csv_exports(owner_api, tenant, customer):
    invoice(tenant, customer, 1234)
    body = owner_api.get(f"{B}/export/invoices.csv")
    assert body.status_code == 200 and body["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.content.decode())))
    assert rows[0][0] == "number" and rows[1][0] == "INV-000001" and rows[1][8] == "12.34"
    owner_api.post(f"{B}/payments", {"customer_id": customer.pk, "amount_minor": 99, "method": "CASH", "reference": "=HYPERLINK()"})
    payments = list(csv.reader(io.StringIO(owner_api.get(f"{B}/export/payments.csv").content.decode())))
    assert payments[1][4] == "'=HYPERLINK()" and payments[1][6] == "0.99"


def test_customer_portal_sees_only_own_issued_invoices(api_as, tenant, customer):
    from tests.factories import CustomerFactory, member

    user = member(tenant, "customer", email="ada-portal@example.com")
    customer.user = user
    customer.save()
    mine = invoice(tenant, customer, 500)
    invoice(tenant, customer, 700, issue=False)
    theirs = invoice(tenant, CustomerFactory(tenant=tenant), 900)
    portal = api_as(user, tenant)
    listed = portal.get(f"{B}/my/invoices").json()
    assert [r["id"] for r in listed["results"]] == [mine.pk]
    assert portal.get(f"{B}/my/invoices/{mine.pk}/pdf").status_code == 200
    assert portal.get(f"{B}/my/invoices/{theirs.pk}/pdf").status_code == 404
    assert portal.get(f"{B}/invoices").status_code == 403


def test_price_rule_scope_of_another_tenant_is_refused_on_create_and_update(owner_api, tenant, other_tenant):
    from holdfast.core.billing.models import PriceRule
    from holdfast.core.inventory.tests.factories import ResourceTypeFactory, SiteFactory

    their_site = SiteFactory(tenant=other_tenant)
    their_type = ResourceTypeFactory(site=their_site)
    mine = SiteFactory(tenant=tenant)
    body = {"name": "Pallet", "amount_minor": 300, "effective_from": "2026-01-01"}
    refused = owner_api.post(f"{B}/price-rules", {**body, "site_id": their_site.pk, "resource_type_id": their_type.pk})
    assert refused.status_code == 422, refused.content
    assert set(refused.json()["errors"]) == {"site_id", "resource_type_id"}
    assert not PriceRule.objects.filter(tenant=tenant).exists()
    created = owner_api.post(f"{B}/price-rules", {**body, "site_id": mine.pk})
    assert created.status_code == 201 and created.json()["site_id"] == mine.pk
    rule_id = created.json()["id"]
    for field, value in (("site_id", their_site.pk), ("resource_type_id", their_type.pk)):
        patched = owner_api.patch(f"{B}/price-rules/{rule_id}", {"version": 1, field: value})
        assert patched.status_code == 422 and list(patched.json()["errors"]) == [field], patched.content
    rule = PriceRule.objects.get(pk=rule_id)
    assert (rule.site_id, rule.resource_type_id, rule.version) == (mine.pk, None, 1)
    cleared = owner_api.patch(f"{B}/price-rules/{rule_id}", {"version": 1, "site_id": None})
    assert cleared.status_code == 200 and cleared.json()["site_id"] is None


def test_an_explicit_null_in_a_rule_patch_is_a_field_error_and_a_nullable_one_clears(owner_api, tenant):
    made = owner_api.post(f"{B}/tax-rules", {"name": "VAT", "rate": "19", "effective_from": "2030-01-01", "effective_to": "2031-01-01"})
    assert made.status_code == 201, made.content
    rule = made.json()
    refused = owner_api.patch(f"{B}/tax-rules/{rule['id']}", {"version": rule["version"], "is_active": None})
    assert refused.status_code == 422 and "is_active" in refused.json()["errors"]  # was a 500 (NOT NULL violation)
    cleared = owner_api.patch(f"{B}/tax-rules/{rule['id']}", {"version": rule["version"], "effective_to": None})
    assert cleared.status_code == 200 and cleared.json()["effective_to"] is None

"""The finance screen counts every vertical's received money alike, in readable words (issue 15 item 7)."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.urls import reverse

from holdfast.core.billing import reports, services
from tests.factories import CustomerFactory

from .factories import booking, invoice

pytestmark = pytest.mark.django_db


def _sql_net_received(tenant, currency) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount_minor), 0) FROM billing_payment WHERE tenant_id = %s AND status = 'RECEIVED' AND currency = %s", [tenant.pk, currency])
        received = cursor.fetchone()[0]
        cursor.execute("SELECT COALESCE(SUM(r.amount_minor), 0) FROM billing_refund r JOIN billing_payment p ON p.id = r.payment_id WHERE r.tenant_id = %s AND p.status = 'RECEIVED' AND p.currency = %s",
                       [tenant.pk, currency])
        return int(received - cursor.fetchone()[0])


@pytest.fixture
def money(tenant, owner):
    customer = CustomerFactory(tenant=tenant)
    estate = booking(tenant, customer)
    services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=7_000_000, method="BANK_TRANSFER", booking_id=estate.pk, source="estate.booking")
    services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=800_000, method="CARD", booking_id=estate.pk, source="estate.booking")
    desk = services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=40_000, method="CARD", booking_id=booking(tenant, customer).pk, source="hotel.reservation")
    services.refund_payment(tenant=tenant, actor=owner, payment_id=desk.pk, amount_minor=5_000, reason="Minibar charged twice")
    services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=12_345, method="CASH", source="")
    services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=9_900, method="CARD", currency="CHF", source="storage.booking")
    return customer


def test_money_received_is_every_received_payment_less_refunds_whatever_took_it(tenant, money):
    summary = reports.received_summary(tenant)
    expected = _sql_net_received(tenant, tenant.currency)
    assert expected == 7_800_000 + 40_000 - 5_000 + 12_345
    assert summary["all_time_minor"] == summary["this_month_minor"] == summary["last_7_days_minor"] == expected
    rows = reports.received_by_source(tenant)
    assert len(rows) == 3, rows  # one row per source, however many payments it took
    by_source = {r["source"]: r["received_minor"] for r in rows}
    assert by_source == {"estate.booking": 7_800_000, "hotel.reservation": 35_000, "": 12_345}
    assert sum(r["received_minor"] for r in reports.received_trend(tenant)) == expected
    assert reports.received_currencies(tenant) == [tenant.currency, "CHF"]
    assert reports.received_summary(tenant, currency="CHF")["all_time_minor"] == _sql_net_received(tenant, "CHF") == 9_900


def test_finance_screen_shows_estate_money_with_readable_labels_and_a_value_axis(tenant, owner, money, web_as):
    invoice(tenant, money, 10_000)
    page = web_as(owner).get(reverse("billing:finance"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Real estate" in html and "Hotel" in html and "Direct" in html  # the part of the business that took it
    assert "78,000.00" in html.replace("\u00a0", " ") or "78000.00" in html  # the estate money the sales page shows
    assert not re.search(r">\s*\d{4}-\d{2}\s*<", html), "ISO month labels on the chart"
    assert "estate.booking" not in html and "hotel.reservation" not in html
    assert html.count("<line ") >= 5  # the value axis' grid lines
    assert "Paid invoices by staff" not in html  # no line names a staff member: no empty "—" section
    usd = web_as(owner).get(reverse("billing:finance"), {"currency": "CHF"}).content.decode()
    assert "CHF 99.00" in usd and "Storage" in usd


def test_service_codes_are_shown_as_words(tenant, owner, web_as):
    from holdfast.core.billing.models import InvoiceLine

    customer = CustomerFactory(tenant=tenant)
    paid = invoice(tenant, customer, 20_000)
    InvoiceLine.objects.filter(invoice=paid).update(category="ROOM_CHARGE")
    services.record_payment(tenant=tenant, actor=owner, customer_id=customer.pk, amount_minor=20_000, method="CARD", invoice_ids=[paid.pk])
    html = web_as(owner).get(reverse("billing:finance")).content.decode()
    assert "Room charge" in html and "ROOM_CHARGE" not in html


def test_finance_screen_needs_the_revenue_permission(tenant, staff_member, outsider, web_as):
    assert web_as(staff_member).get(reverse("billing:finance")).status_code == 403
    assert "Real estate" not in web_as(outsider).get(reverse("billing:finance")).content.decode()

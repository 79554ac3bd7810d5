import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.billing import reports, services
from holdfast.core.billing.models import Invoice
from tests.factories import CustomerFactory

from .factories import invoice, item

pytestmark = pytest.mark.django_db


def test_revenue_counts_only_paid_money(tenant, customer):
    paid = invoice(tenant, customer, 5000)
    services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=paid.pk, method="CASH")
    partly = invoice(tenant, customer, 4000)
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1000, method="CASH", invoice_ids=[partly.pk])
    voided = invoice(tenant, customer, 9000)
    services.void_invoice(tenant=tenant, actor="t", invoice_id=voided.pk, reason="x")
    bad = invoice(tenant, customer, 700)
    services.mark_uncollectible(tenant=tenant, actor="t", invoice_id=bad.pk, reason="gone")
    late = invoice(tenant, customer, 300)
    Invoice.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 1))
    item(tenant, customer, price=800)  # completed, not invoiced
    summary = reports.revenue_summary(tenant)
    assert summary["revenue_last_7_days_minor"] == 5000 and summary["paid_this_month_minor"] == 5000
    assert summary["overdue_count"] == 1 and summary["overdue_minor"] == 300
    assert summary["unpaid_minor"] == 3000  # only the partly paid PENDING invoice (void/uncollectible excluded)
    assert summary["uncollectible_minor"] == 700
    fc = reports.forecast(tenant)
    # the voided invoice released its 9000 item back into the pipeline
    assert fc["uninvoiced_minor"] == 800 + 9000 and fc["pending_due_minor"] == 3000 and fc["expected_minor"] == 12800


def test_refund_takes_revenue_back_and_windows_use_paid_at(tenant, customer):
    inv = invoice(tenant, customer, 5000)
    payment = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=5000, method="CARD", invoice_ids=[inv.pk],
                                       paid_at=timezone.now() - dt.timedelta(days=10))
    assert reports.revenue_summary(tenant)["revenue_last_7_days_minor"] == 0
    assert sum(r["paid_minor"] for r in reports.monthly_trend(tenant, months=3)) == 5000
    services.refund_payment(tenant=tenant, actor="t", payment_id=payment.pk, amount_minor=1, reason="x")
    assert sum(r["paid_minor"] for r in reports.monthly_trend(tenant, months=3)) == 0


def test_breakdowns_by_customer_service_and_staff(tenant, customer, monkeypatch):
    from holdfast.core.billing import hooks

    monkeypatch.setattr(hooks, "STAFF_NAMERS", [lambda tenant, ids: {i: f"Staff {i}" for i in ids if i in (7, 8)}])  # the vertical's staff
    other = CustomerFactory(tenant=tenant, name="Zed")
    a = item(tenant, customer, price=3000, category="walk", staff_id=7)
    b = item(tenant, other, price=1000, category="groom", staff_id=8)
    for cust, it in ((customer, a), (other, b)):
        inv = services.create_invoice(tenant=tenant, actor="t", customer_id=cust.pk, item_ids=[it.pk])
        services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=inv.pk, method="CASH")
    assert [(r["label"], r["paid_minor"]) for r in reports.revenue_by(tenant, "customer")] == [(customer.name, 3000), ("Zed", 1000)]
    assert [(r["label"], r["paid_minor"]) for r in reports.revenue_by(tenant, "service")] == [("walk", 3000), ("groom", 1000)]
    assert [r["key"] for r in reports.revenue_by(tenant, "staff")] == [7, 8]


def test_months_are_cut_in_the_tenant_time_zone_across_dst(tenant, customer):
    assert tenant.time_zone == "Europe/Berlin"
    inv = invoice(tenant, customer, 2500)
    # 22:30 UTC on 31 March is 00:30 on 1 April in Berlin (summer time began on 29 March).
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=2500, method="CASH", invoice_ids=[inv.pk],
                            paid_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC))
    trend = {r["month"]: r["paid_minor"] for r in reports.monthly_trend(tenant, months=3, at=dt.datetime(2026, 4, 15, tzinfo=dt.UTC))}
    assert trend == {"2026-02": 0, "2026-03": 0, "2026-04": 2500}
    summary = reports.revenue_summary(tenant, at=dt.datetime(2026, 4, 2, tzinfo=dt.UTC))
    assert summary["paid_this_month_minor"] == 2500 and summary["revenue_last_7_days_minor"] == 2500


def test_monthly_trend_has_one_row_per_month_oldest_first(tenant):
    rows = reports.monthly_trend(tenant, months=6, at=dt.datetime(2026, 4, 15, tzinfo=dt.UTC))
    assert [r["month"] for r in rows] == ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]


def test_an_item_naming_staff_the_business_does_not_have_is_refused(tenant, customer, monkeypatch):
    """staff_id is a vertical's staff id (a walker): one the vertical does not know in this business
    (another business's walker, a made-up id) is a 404, not a line earning for a stranger."""
    from holdfast.core.billing import hooks
    from holdfast.core.billing.models import InvoiceItem
    from holdfast.kit.errors import NotFound

    monkeypatch.setattr(hooks, "STAFF_NAMERS", [lambda tenant, ids: {i: "Ours" for i in ids if i == 7}])
    with pytest.raises(NotFound):
        item(tenant, customer, price=1000, staff_id=99)
    assert item(tenant, customer, price=1000, staff_id=7).staff_id == 7
    assert InvoiceItem.objects.for_tenant(tenant).count() == 1

"""The demo business has three months of history, every chart has data, and the doctor is clean."""
from __future__ import annotations

import pytest

from holdfast.core.billing.models import Invoice
from holdfast.kit.doctor import REGISTRY
from holdfast.verticals.petcare import demo, selectors
from holdfast.verticals.petcare.models import Walker
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_demo_loads_history_and_the_doctor_is_clean(tenant):
    users = {"admin": member(tenant, "admin", email="admin@paw.demo"), "staff": member(tenant, "staff", email="staff@paw.demo"), "customer": member(tenant, "customer", email="c@paw.demo")}
    demo.seed(tenant, users)
    assert Walker.objects.for_tenant(tenant).count() == 4
    assert selectors.clients(tenant).count() == 20
    assert demo.completed_count(tenant) > 100
    d = selectors.admin_dashboard(tenant, days=90)
    assert sum(row["jobs"] for row in d["jobs_over_time"]) > 100
    assert d["service_breakdown"] and sum(r["paid_minor"] for r in d["revenue_trend"]) > 0
    assert Invoice.objects.for_tenant(tenant).filter(status=Invoice.PAID).exists()
    assert Invoice.objects.for_tenant(tenant).filter(status=Invoice.PENDING).exists()
    findings = {name: check.run() for name, check in REGISTRY.items() if name.startswith(("petcare.", "bookings.", "inventory.", "billing."))}
    assert {k: [f.message for f in v] for k, v in findings.items() if v} == {}
    demo.seed(tenant, users)  # idempotent
    assert Walker.objects.for_tenant(tenant).count() == 4


def test_demo_leaves_the_last_weeks_completed_jobs_waiting_to_be_invoiced(tenant):
    import datetime as dt

    from holdfast.core.billing.models import InvoiceItem
    from holdfast.kit import clock
    from holdfast.verticals.petcare.models import ITEM_SOURCE

    users = {"admin": member(tenant, "admin", email="admin@paw.demo"), "staff": member(tenant, "staff", email="staff@paw.demo")}
    demo.seed(tenant, users)
    waiting = InvoiceItem.objects.for_tenant(tenant).filter(source=ITEM_SOURCE, status=InvoiceItem.PENDING)
    week_ago = clock.local_today(tenant.time_zone) - dt.timedelta(days=demo.UNBILLED_DAYS)
    assert waiting.filter(service_date__gte=week_ago).count() >= 3 and waiting.values("customer").distinct().count() >= 2
    before = waiting.count()
    demo.seed(tenant, users)
    assert waiting.count() == before

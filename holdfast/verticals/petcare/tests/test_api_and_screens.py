"""The petcare API and screens: the seed's flow end to end through HTTP, role boundaries, the
dashboard figures recomputed in SQL, the iCal feed, and the four portals' pages render."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.kit import clock
from holdfast.verticals.petcare import selectors, services

from .conftest import next_weekday_at

pytestmark = pytest.mark.django_db


def test_request_approve_assign_complete_invoice_paid_through_the_api(api_as, tenant, owner, walk, walker, client_user, tuesday_10):
    client_api, admin_api, walker_api = api_as(client_user[0], tenant), api_as(owner, tenant), api_as(walker.user, tenant)
    r = client_api.post("/api/v1/petcare/jobs/request", {"service_id": walk.pk, "start": tuesday_10.isoformat(), "dog_ids": [client_user[2].pk]})
    assert r.status_code == 201, r.content
    job = r.json()
    assert job["status"] == "PENDING" and job["client_status"] == "Requested" and job["staff_id"] is None
    r = admin_api.post(f"/api/v1/petcare/jobs/{job['id']}/approve", {"staff_id": walker.pk})
    assert r.status_code == 200 and r.json()["status"] == "BOOKED" and r.json()["staff_id"] == walker.pk
    r = client_api.post(f"/api/v1/petcare/jobs/{job['id']}/complete")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = walker_api.post(f"/api/v1/petcare/jobs/{job['id']}/complete")
    assert r.status_code == 200 and r.json()["status"] == "COMPLETED"
    items = admin_api.get("/api/v1/petcare/invoice-items", {"customer_id": client_user[1].pk, "status": "PENDING"}).json()
    assert [i["job_id"] for i in items] == [job["id"]] and items[0]["price_minor"] == walk.price_minor
    r = walker_api.post("/api/v1/petcare/invoices/generate", {"customer_id": client_user[1].pk, "item_ids": [items[0]["id"]]})
    assert r.status_code == 403
    r = admin_api.post("/api/v1/petcare/invoices/generate", {"customer_id": client_user[1].pk, "item_ids": [items[0]["id"]]})
    assert r.status_code == 201 and r.json()["status"] == "DRAFT" and r.json()["amount_minor"] == walk.price_minor
    invoice = r.json()
    assert InvoiceItem.objects.get(pk=items[0]["id"]).status == InvoiceItem.BILLED
    again = admin_api.post("/api/v1/petcare/invoices/generate", {"customer_id": client_user[1].pk, "item_ids": [items[0]["id"]]})
    assert again.status_code == 409 and again.json()["code"] == "items_not_billable"
    r = admin_api.post(f"/api/v1/petcare/invoices/{invoice['id']}/send")
    assert r.status_code == 200 and r.json()["status"] == "PENDING" and r.json()["sent_to_client"] and r.json()["due_date"]
    r = admin_api.post(f"/api/v1/petcare/invoices/{invoice['id']}/mark-paid", {"method": "CASH"})
    assert r.status_code == 200 and r.json()["status"] == "PAID" and r.json()["payment_method"] == "CASH"
    mine = client_api.get("/api/v1/petcare/invoices").json()
    assert [i["status"] for i in mine] == ["PAID"]


def test_items_of_another_client_are_refused_in_one_invoice(api_as, tenant, owner, walk, walker, client_user, client2, tuesday_10):
    jobs = [services.create_job(tenant=tenant, actor=owner, customer_id=c[1].pk, service_id=walk.pk, starts_at=tuesday_10 + dt.timedelta(hours=i), walker_id=walker.pk)
            for i, c in enumerate([client_user, client2])]
    for j in jobs:
        services.complete_job(tenant=tenant, actor=owner, job_id=j.pk)
    ids = list(InvoiceItem.objects.values_list("pk", flat=True))
    r = api_as(owner, tenant).post("/api/v1/petcare/invoices/generate", {"customer_id": client_user[1].pk, "item_ids": ids})
    assert r.status_code == 409 and r.json()["code"] == "items_not_billable"
    assert not Invoice.objects.exists()


def test_busy_walker_answers_409_walker_busy_in_the_api(api_as, tenant, owner, walk, walker, client_user, tuesday_10):
    api = api_as(owner, tenant)
    body = {"customer_id": client_user[1].pk, "service_id": walk.pk, "start": tuesday_10.isoformat(), "staff_id": walker.pk}
    assert api.post("/api/v1/petcare/jobs", body).status_code == 201
    r = api.post("/api/v1/petcare/jobs", body)
    assert r.status_code == 409 and r.json()["code"] == "walker_busy"


def test_recurring_api_answers_per_occurrence(api_as, tenant, owner, walk, walker, client_user):
    r = api_as(owner, tenant).post("/api/v1/petcare/recurring", {"customer_id": client_user[1].pk, "service_id": walk.pk, "weekdays": [0, 5], "local_time": "09:00",
                                                                 "starts_on": "2027-03-22", "count": 4, "staff_id": walker.pk})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["booked"] == 2 and body["refused"] == 2
    assert {o["code"] for o in body["occurrences"] if o["status"] == "refused"} == {"outside_availability"}


def test_client_sees_only_their_own_jobs_and_staff_only_assigned_ones(api_as, tenant, owner, walk, walker, walker2, client_user, client2, tuesday_10):
    mine = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    theirs = services.create_job(tenant=tenant, actor=owner, customer_id=client2[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker2.pk)
    ids = [j["id"] for j in api_as(client_user[0], tenant).get("/api/v1/petcare/jobs").json()["results"]]
    assert ids == [mine.pk]
    assert api_as(client_user[0], tenant).get(f"/api/v1/petcare/jobs/{theirs.pk}").status_code == 404
    assert [j["id"] for j in api_as(walker2.user, tenant).get("/api/v1/petcare/jobs").json()["results"]] == [theirs.pk]
    assert api_as(walker2.user, tenant).post(f"/api/v1/petcare/jobs/{mine.pk}/cancel", {"reason": "x"}).status_code == 404


def test_outsider_gets_404_for_every_petcare_object(api_as, tenant, other_tenant, outsider, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    api = api_as(outsider, other_tenant)
    assert api.get(f"/api/v1/petcare/jobs/{job.pk}").status_code == 404
    assert api.get(f"/api/v1/petcare/clients/{client_user[1].pk}").status_code == 404
    assert api.get(f"/api/v1/petcare/staff/{walker.pk}").status_code == 404
    assert api.post(f"/api/v1/petcare/jobs/{job.pk}/complete").status_code == 404


def test_client_with_unpaid_invoice_is_deactivated_only_with_override(api_as, tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    invoice = services.generate_invoice(tenant=tenant, actor=owner, customer_id=client_user[1].pk, item_ids=list(InvoiceItem.objects.values_list("pk", flat=True)), issue=True)
    api = api_as(owner, tenant)
    r = api.post(f"/api/v1/petcare/clients/{client_user[1].pk}/deactivate", {"reason": "moved away"})
    assert r.status_code == 409 and r.json()["code"] == "deactivation_blocked"
    r = api.post(f"/api/v1/petcare/clients/{client_user[1].pk}/deactivate", {"reason": "moved away", "override": True})
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["reactivation_expires_at"]
    assert invoice.status == "PENDING"


def _sql_count(sql, params):
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.fetchone()[0]


@pytest.mark.pg_only
def test_dashboard_figures_equal_the_seed_definitions_recomputed_in_sql(tenant, owner, walk, solo, walker, walker2, client_user, client2):
    now = clock.now()
    today = clock.local_today(tenant.time_zone)
    for days, hour, who, svc in [(0, 9, walker, walk), (0, 14, walker2, solo), (1, 10, walker, walk), (-1, 11, walker2, walk), (-3, 9, walker, solo), (-20, 9, walker, walk)]:
        day = today + dt.timedelta(days=days)
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=clock.zone(tenant.time_zone))
        job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=svc.pk, starts_at=start, walker_id=who.pk, override=True)
        if days < 0:
            services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    cancelled = services.create_job(tenant=tenant, actor=owner, customer_id=client2[1].pk, service_id=walk.pk, starts_at=dt.datetime.combine(today, dt.time(16), tzinfo=clock.zone(tenant.time_zone)), walker_id=walker.pk, override=True)
    services.cancel_job(tenant=tenant, actor=owner, job_id=cancelled.pk)
    items = list(InvoiceItem.objects.values_list("pk", flat=True))
    invoice = services.generate_invoice(tenant=tenant, actor=owner, customer_id=client_user[1].pk, item_ids=items[:1], issue=True)
    services.mark_paid(tenant=tenant, actor=owner, invoice_id=invoice.pk, method="CARD")
    d = selectors.admin_dashboard(tenant, days=30)
    tz = tenant.time_zone
    base = "FROM petcare_job j JOIN bookings_booking b ON b.id = j.booking_id WHERE j.tenant_id = %s AND b.status <> 'CANCELLED'"
    assert d["todays_jobs"] == _sql_count(f"SELECT count(*) {base} AND (b.starts_at AT TIME ZONE %s)::date = (now() AT TIME ZONE %s)::date", [tenant.pk, tz, tz])
    assert d["this_weeks_jobs"] == _sql_count(f"SELECT count(*) {base} AND date_trunc('week', b.starts_at AT TIME ZONE %s) = date_trunc('week', now() AT TIME ZONE %s)", [tenant.pk, tz, tz])
    assert d["active_clients"] == _sql_count("SELECT count(*) FROM customers_customer WHERE tenant_id = %s AND is_active", [tenant.pk])
    assert d["revenue_last_7_days_minor"] == _sql_count("SELECT coalesce(sum(total_minor), 0) FROM billing_invoice WHERE tenant_id = %s AND status = 'PAID' AND paid_at BETWEEN %s AND %s",
                                                         [tenant.pk, now - dt.timedelta(days=7), clock.now()])
    assert d["paid_this_month_minor"] == _sql_count("SELECT coalesce(sum(total_minor), 0) FROM billing_invoice WHERE tenant_id = %s AND status = 'PAID' AND date_trunc('month', paid_at AT TIME ZONE %s) = date_trunc('month', now() AT TIME ZONE %s)",
                                                    [tenant.pk, tz, tz])
    assert d["overdue_count"] == _sql_count("SELECT count(*) FROM billing_invoice WHERE tenant_id = %s AND status = 'PENDING' AND due_date < (now() AT TIME ZONE %s)::date", [tenant.pk, tz])
    assert d["unpaid_count"] == _sql_count("SELECT count(*) FROM billing_invoice WHERE tenant_id = %s AND status IN ('DRAFT', 'PENDING') AND (due_date IS NULL OR due_date >= (now() AT TIME ZONE %s)::date)", [tenant.pk, tz])
    per_day = sum(r["jobs"] for r in d["jobs_over_time"])
    assert per_day == _sql_count(f"SELECT count(*) {base} AND (b.starts_at AT TIME ZONE %s)::date BETWEEN (now() AT TIME ZONE %s)::date - 29 AND (now() AT TIME ZONE %s)::date", [tenant.pk, tz, tz, tz])
    completed = {r["service"]: r["completed"] for r in d["service_breakdown"]}
    assert sum(completed.values()) == _sql_count("SELECT count(*) FROM petcare_job j JOIN bookings_booking b ON b.id = j.booking_id WHERE j.tenant_id = %s AND b.status = 'COMPLETED' AND (b.starts_at AT TIME ZONE %s)::date >= (now() AT TIME ZONE %s)::date - 29",
                                                 [tenant.pk, tz, tz])
    assert d["revenue_trend"][-1]["paid_minor"] == d["paid_this_month_minor"]


def test_every_figure_opens_its_rows(tenant, owner, walk, walker, client_user):
    for figure in ("today", "week", "completed", "pending_requests", "unassigned", "unpaid", "overdue", "paid_month", "revenue_7d", "uninvoiced"):
        assert selectors.figure_rows(tenant, figure).count() >= 0


def test_ical_feed_lists_the_walkers_jobs(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    page = web_as(walker.user).get(reverse("petcare:schedule"))
    assert page.status_code == 200
    url = page.context["ical"]
    feed = web_as(walker.user).get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert "BEGIN:VEVENT" in body and "Group walk: Cleo Client" in body
    assert web_as(walker.user).get(reverse("petcare:ical", args=["forged"])).status_code == 404


def test_every_portal_page_renders(web_as, tenant, owner, walk, walker, client_user, tuesday_10, super_admin):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    admin = web_as(owner)
    for name, args in [("dashboard", []), ("jobs", []), ("job", [job.pk]), ("clients", []), ("client", [client_user[1].pk]), ("walkers", []), ("services", []),
                       ("finance", []), ("schedule", []), ("feedback", [])]:
        r = admin.get(reverse(f"petcare:{name}", args=args))
        assert r.status_code == 200, (name, r.status_code)
    for tab in ("overview", "forecasts", "breakdowns"):
        assert admin.get(reverse("petcare:finance") + f"?tab={tab}").status_code == 200
    assert web_as(walker.user).get(reverse("petcare:schedule")).status_code == 200
    assert web_as(walker.user).get(reverse("petcare:job", args=[job.pk])).status_code == 200
    assert web_as(walker.user).get(reverse("petcare:dashboard")).status_code == 302
    assert web_as(client_user[0]).get(reverse("petcare:portal")).status_code == 200
    assert web_as(client_user[0]).get(reverse("petcare:clients")).status_code == 403
    assert web_as(super_admin).get(reverse("petcare:platform")).status_code == 200
    assert web_as(owner).get(reverse("petcare:platform")).status_code == 403


def test_client_requests_and_cancels_on_the_portal(web_as, tenant, owner, walk, client_user):
    start = next_weekday_at(tenant, 11)
    page = web_as(client_user[0])
    r = page.post(reverse("petcare:portal"), {"service_id": walk.pk, "start": start.strftime("%Y-%m-%dT%H:%M"), "dog_ids": [client_user[2].pk]})
    assert r.status_code == 302
    job = selectors.jobs(tenant).get()
    assert job.booking.status == "PENDING" and job.booking.starts_at == start
    page.post(reverse("petcare:job_action", args=[job.pk, "cancel"]))
    assert selectors.jobs(tenant).get().booking.status == "CANCELLED"


def test_admin_completes_a_job_on_the_screen_and_sees_its_item(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    admin = web_as(owner)
    admin.post(reverse("petcare:job_action", args=[job.pk, "complete"]))
    page = admin.get(reverse("petcare:job", args=[job.pk]))
    assert b"COMPLETED" in page.content and b"PENDING" in page.content  # the item is PENDING
    r = admin.post(reverse("petcare:job_action", args=[job.pk, "price"]), {"price": "20.00"}, follow=True)
    assert b"price is locked" in r.content


def test_admin_sets_a_walkers_week_on_the_screen(web_as, tenant, owner, walker):
    r = web_as(owner).post(reverse("petcare:walkers"), {"action": "availability", "walker_id": walker.pk, "start_0": "07:00", "end_0": "12:00", "start_5": "09:00", "end_5": "11:00"})
    assert r.status_code == 302
    assert [(a.weekday, a.start_time.hour, a.end_time.hour) for a in walker.availability.all()] == [(0, 7, 12), (5, 9, 11)]

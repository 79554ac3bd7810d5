"""Every estate screen renders for the roles that use it, and the web actions call the same services."""
from __future__ import annotations

import pytest

from holdfast.verticals.estate import services
from holdfast.verticals.estate.models import Unit

pytestmark = pytest.mark.django_db


def test_staff_screens_render_with_derived_status(web_as, tenant, owner, manager, approved, project):
    services.write_review(tenant=tenant, actor=approved.customer.user, rating=4, project_id=project.pk)
    services.create_lead(tenant=tenant, actor=manager, name="Lara Lead")
    web = web_as(owner)
    for url in ("/estate/", "/estate/approvals/", "/estate/projects/", f"/estate/projects/{project.pk}/", f"/estate/bookings/{approved.pk}/", "/estate/leads/", "/estate/reviews/"):
        response = web.get(url)
        assert response.status_code == 200, url
    assert "Payment pending" in web.get(f"/estate/bookings/{approved.pk}/").content.decode()
    assert 'class="chart"' in web.get("/estate/").content.decode()


def test_customer_portal_request_hold_and_see_it(web_as, tenant, buyer, unit, project):
    web = web_as(buyer[0])
    assert web.get("/estate/portal/").status_code == 200
    assert "Request hold" in web.get(f"/estate/portal/projects/{project.pk}/").content.decode()
    response = web.post(f"/estate/portal/units/{unit.pk}/hold/")
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == Unit.HELD
    assert "Approval in progress" in web.get("/estate/my/").content.decode()
    assert web.get("/estate/approvals/").status_code == 403


def test_staff_actions_approve_pay_complete_from_the_booking_page(web_as, tenant, manager, held):
    web = web_as(manager)
    web.post(f"/estate/bookings/{held.pk}/approve/")
    web.post(f"/estate/bookings/{held.pk}/pay/", {"amount": "30000.00", "method": "CARD", "kind": "DOWN_PAYMENT", "reference": "r1"})
    web.post(f"/estate/bookings/{held.pk}/complete/")
    held.refresh_from_db()
    held.unit.refresh_from_db()
    assert held.status == "BOOKED" and held.unit.status == Unit.SOLD


def test_a_refused_step_shows_a_message_not_an_error(web_as, tenant, manager, approved):
    response = web_as(manager).post(f"/estate/bookings/{approved.pk}/complete/", follow=True)
    assert response.status_code == 200 and "below what the project requires" in response.content.decode()


def test_booking_page_shows_billing_payments_and_receives_or_voids_expected_ones(web_as, tenant, manager, approved):
    import datetime as dt

    from holdfast.core.billing.models import Payment
    from holdfast.kit.money import format_minor

    web = web_as(manager)
    web.post(f"/estate/bookings/{approved.pk}/expect/", {"amount": "500.00", "due_date": "2031-01-01", "kind": "INSTALMENT"})
    web.post(f"/estate/bookings/{approved.pk}/expect/", {"amount": "700.00", "due_date": "2031-02-01", "kind": "BALANCE"})
    first, second = Payment.objects.filter(booking_id=approved.pk).order_by("due_date")
    page = web.get(f"/estate/bookings/{approved.pk}/").content.decode()
    assert "Instalment" in page and "Balance" in page and "Mark received" in page and "Void" in page
    web.post(f"/estate/payments/{first.pk}/receive/", {"method": "CARD"})
    web.post(f"/estate/payments/{second.pk}/void/", {"reason": "paid by the bank"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.method, second.status) == ("RECEIVED", "CARD", "VOID")
    assert first.paid_at.date() <= dt.date.today() + dt.timedelta(days=1)
    dashboard = web.get("/estate/").content.decode()
    assert f'data-stat="payments_received">{format_minor(500_00, "USD")}<' in dashboard  # received money only, not the voided or expected


def test_every_step_form_on_the_queue_booking_and_my_bookings_pages_carries_the_booking_version(web_as, tenant, manager, held, buyer):
    version = f'name="version" value="{held.booking.version}"'
    queue = web_as(manager).get("/estate/approvals/").content.decode()
    assert 'id="approval-live"' in queue and "hf:booking-updated from:body" in queue
    assert queue.count(version) == 2  # approve and reject
    detail = web_as(manager).get(f"/estate/bookings/{held.pk}/").content.decode()
    assert detail.count(version) == 2  # approve and reject (the hold is not approved yet: no complete)
    assert web_as(buyer[0]).get("/estate/my/").content.decode().count(version) == 1  # cancel


def test_stale_approval_from_the_queue_is_refused_with_a_reload_message_and_changes_nothing(web_as, tenant, owner, manager, held):
    from holdfast.core.audit.models import AuditEntry
    from holdfast.core.events.models import OutboxEvent

    loaded = held.booking.version
    services.reject_hold(tenant=tenant, actor=owner, booking_id=held.pk, reason="sold elsewhere")  # someone else, after the page was loaded
    events, audits = OutboxEvent.objects.count(), AuditEntry.objects.count()
    response = web_as(manager).post(f"/estate/bookings/{held.pk}/approve/", {"version": str(loaded), "next": "approvals"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and response.request["PATH_INFO"] == "/estate/approvals/"
    assert "Someone else changed this reservation after your page was loaded" in page
    held.refresh_from_db()
    assert held.status == "CANCELLED" and held.booking.version == loaded + 1
    assert (OutboxEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)


def test_a_current_version_from_the_queue_approves(web_as, tenant, manager, held):
    web_as(manager).post(f"/estate/bookings/{held.pk}/approve/", {"version": str(held.booking.version), "next": "approvals"})
    held.refresh_from_db()
    assert held.status == "HOLD_APPROVED"

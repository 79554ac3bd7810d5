"""Live, stale-safe screens in a real browser: the estate approval queue and the hotel tape chart
refresh on outbox events without a reload, the tape holds a refresh until a drag ends, and a step
from a page that did not refresh is refused with a message and changes nothing.

The test server cannot hold an event stream open past a test, so each live page's stream is a
relay: every (re)connection is answered with the real outbox frames written since the last one
(`retry: 100` makes EventSource come back at once). A page whose stream answers 404 stays stale.
"""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from holdfast.core.events import live
from holdfast.core.events.models import OutboxEvent
from holdfast.verticals.estate import services as estate
from holdfast.verticals.estate.models import EstateBooking
from holdfast.verticals.hotel import services as hotel_services
from holdfast.verticals.hotel.models import Reservation
from holdfast.verticals.hotel.tests.factories import book, hotel, today
from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STALE = "Someone else changed this reservation after your page was loaded — it now shows the current state; check it and try again."
STREAM = "**/api/v1/events/stream*"


def _relay(page, tenant) -> None:
    state = {"cursor": OutboxEvent.objects.filter(tenant=tenant).order_by("-pk").values_list("pk", flat=True).first() or 0}

    def feed(route):
        rows = list(OutboxEvent.objects.filter(tenant=tenant, pk__gt=state["cursor"]).order_by("pk"))
        if rows:
            state["cursor"] = rows[-1].pk
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
                      body="retry: 100\n\n" + "".join(live.frame(e) for e in rows))

    page.route(STREAM, feed)


def _stale_feed(page) -> None:
    page.route(STREAM, lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))


def _open(browser, base, email, landing, *, tenant=None):
    """A logged-in page on `landing`; live (relayed stream) when `tenant` is given, else stale."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    _relay(page, tenant) if tenant is not None else _stale_feed(page)
    page.goto(f"{base}{landing}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")
    page.wait_for_load_state("load")  # htmx binds its triggers on DOMContentLoaded
    page.evaluate("window.__notReloaded = true")
    return context, page


def _not_reloaded(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def test_the_approval_queue_refreshes_live_and_a_stale_queue_is_refused(live_server, browser):
    tenant = TenantFactory(name="Harbour Estates", slug="harbour-estates", enabled_verticals=["estate"])
    admin = member(tenant, "admin", email="admin@harbour.test", full_name="Ada Admin")
    manager = member(tenant, "manager", email="manager@harbour.test", full_name="Max Manager")
    buyer = member(tenant, "customer", email="buyer@harbour.test", full_name="Bea Buyer")
    CustomerFactory(tenant=tenant, name="Bea Buyer", email="buyer@harbour.test", user=buyer, is_verified=True)
    project = estate.create_project(tenant=tenant, actor=admin, name="Marina Towers", down_payment_percent="10", city="Harbour City")
    first = estate.create_unit(tenant=tenant, actor=admin, project_id=project.pk, code="A-101", price_minor=300_000_00, bedrooms=2, floor=1)
    second = estate.create_unit(tenant=tenant, actor=admin, project_id=project.pk, code="A-102", price_minor=320_000_00, bedrooms=2, floor=1)
    held = estate.create_hold(tenant=tenant, actor=buyer, unit_id=first.pk)
    base, errors, contexts = live_server.url, [], []
    try:
        ctx, office = _open(browser, base, "admin@harbour.test", "/estate/approvals/", tenant=tenant)
        contexts.append(ctx)
        office.on("pageerror", lambda exc: errors.append(str(exc)))
        expect(office.locator("#requested tr", has_text="A-101")).to_have_count(1)

        # A colleague approves (through the service): the queue moves the hold to "approved" by itself.
        estate.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)
        expect(office.locator("#requested tr", has_text="A-101")).to_have_count(0)
        expect(office.locator("#approval-live section").nth(1)).to_contain_text("A-101")
        # A new request appears too.
        fresh = estate.create_hold(tenant=tenant, actor=buyer, unit_id=second.pk)
        expect(office.locator("#requested tr", has_text="A-102")).to_have_count(1)
        assert _not_reloaded(office)

        # A second office page whose stream is down stays as loaded ...
        ctx, stale = _open(browser, base, "manager@harbour.test", "/estate/approvals/")
        contexts.append(ctx)
        stale.on("pageerror", lambda exc: errors.append(str(exc)))
        # ... while the first one approves A-102 ...
        office.locator("#requested tr", has_text="A-102").get_by_role("button", name="Approve").click()
        expect(office.locator(".flash")).to_contain_text("Hold approved")
        # ... so its rejection of A-102 is refused with the reload message and changes nothing.
        row = stale.locator("#requested tr", has_text="A-102")
        row.get_by_label("Reason").fill("changed my mind")
        row.get_by_role("button", name="Reject").click()
        expect(stale.locator(".flash")).to_contain_text(STALE)
        expect(stale.locator("#requested tr", has_text="A-102")).to_have_count(0)  # it now shows the current state
        assert EstateBooking.objects.get(pk=fresh.pk).status == "HOLD_APPROVED"
    finally:
        for ctx in contexts:
            ctx.close()
    assert errors == []


def _drag(page, bar, cell) -> None:
    """HTML5 drag and drop as the tape's script hears it (dragstart on the bar, drop on the cell); the
    drop submits the move, so the page navigates and no dragend is sent."""
    transfer = page.evaluate_handle("() => new DataTransfer()")
    bar.dispatch_event("dragstart", {"dataTransfer": transfer})
    cell.dispatch_event("dragover", {"dataTransfer": transfer})
    with page.expect_navigation():
        cell.dispatch_event("drop", {"dataTransfer": transfer})


def test_the_tape_chart_refreshes_live_waits_for_a_drag_and_refuses_a_stale_drag(live_server, browser):
    tenant = TenantFactory(name="Harbour Hotel", slug="harbour-hotel", enabled_verticals=["hotel"])
    member(tenant, "admin", email="desk@harbour.test", full_name="Dana Desk")
    member(tenant, "admin", email="night@harbour.test", full_name="Nico Night")
    h = hotel(tenant)
    grace = book(tenant, h, nights=(1, 3), room=h.rooms["101"], guest={"first_name": "Grace", "last_name": "Hopper"})
    tape = f"/hotel/tape/?property={h.property.pk}"
    arrive = (today() + dt.timedelta(days=1)).isoformat()
    base, errors, contexts = live_server.url, [], []
    try:
        ctx, desk = _open(browser, base, "desk@harbour.test", tape, tenant=tenant)
        contexts.append(ctx)
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        ctx, stale = _open(browser, base, "night@harbour.test", tape)
        contexts.append(ctx)
        stale.on("pageerror", lambda exc: errors.append(str(exc)))
        expect(stale.locator(f"a.bar[data-reservation='{grace.pk}']")).to_have_attribute("data-version", str(grace.version))

        # A reservation booked elsewhere appears as a bar without a reload.
        book(tenant, h, nights=(0, 2), room=h.rooms["201"], room_type=h.sgl, adults=1, guest={"first_name": "Alan", "last_name": "Turing"})
        expect(desk.locator("tr[data-room='201'] a.bar")).to_contain_text("Alan Turing")
        assert _not_reloaded(desk)

        # During a drag the chart is not swapped under the pointer; the refresh runs when the drag ends.
        bar = desk.locator(f"a.bar[data-reservation='{grace.pk}']")
        transfer = desk.evaluate_handle("() => new DataTransfer()")
        bar.dispatch_event("dragstart", {"dataTransfer": transfer})
        book(tenant, h, nights=(0, 1), room=h.rooms["202"], room_type=h.sgl, adults=1, guest={"first_name": "Bea", "last_name": "Later"})
        desk.wait_for_timeout(800)  # several relay rounds: the event has arrived, the refresh is held
        expect(desk.locator("tr[data-room='202'] a.bar")).to_have_count(0)
        bar.dispatch_event("dragend", {"dataTransfer": transfer})
        expect(desk.locator("tr[data-room='202'] a.bar")).to_contain_text("Bea Later")

        # Someone extends Grace's stay: the live chart's bar carries the new version, the stale one does not.
        hotel_services.resize_reservation(tenant=tenant, actor=None, reservation_id=grace.pk, check_out_date=today() + dt.timedelta(days=4))
        grace.refresh_from_db()
        expect(desk.locator(f"a.bar[data-reservation='{grace.pk}']")).to_have_attribute("data-version", str(grace.version))
        # A drag from the stale chart is refused with the message and moves nothing.
        _drag(stale, stale.locator(f"a.bar[data-reservation='{grace.pk}']"), stale.locator(f"tr[data-room='102'] td[data-date='{arrive}']"))
        expect(stale.locator(".flashes")).to_contain_text(STALE)
        assert Reservation.objects.get(pk=grace.pk).room_id == h.rooms["101"].pk
        # The same drag from the refreshed chart (its script bound on document, so alive after the swaps) moves her.
        _drag(desk, desk.locator(f"a.bar[data-reservation='{grace.pk}']"), desk.locator(f"tr[data-room='102'] td[data-date='{arrive}']"))
        expect(desk.locator(".flashes")).to_contain_text("Reservation moved.")
        expect(desk.locator("tr[data-room='102'] a.bar")).to_contain_text("Grace Hopper")
        assert Reservation.objects.get(pk=grace.pk).room_id == h.rooms["102"].pk
    finally:
        for ctx in contexts:
            ctx.close()
    assert errors == []

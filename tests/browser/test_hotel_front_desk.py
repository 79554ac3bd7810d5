"""Hotel in a real browser: book from availability, move on the reservation screen, check in, take payment, check out."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from holdfast.verticals.hotel.models import Reservation, Room
from holdfast.verticals.hotel.tests.factories import book, hotel, today
from tests.factories import PASSWORD, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(live_server, page):
    tenant = TenantFactory(name="Harbour Hotel", slug="harbour-hotel", enabled_verticals=["hotel"])
    member(tenant, "admin", email="desk@harbour.test", full_name="Dana Desk")
    h = hotel(tenant)
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=email]", "desk@harbour.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return tenant, h


def test_book_from_availability_then_move_to_another_room(live_server, page, desk):
    tenant, h = desk
    arrive, leave = today() + dt.timedelta(days=1), today() + dt.timedelta(days=3)
    page.goto(f"{live_server.url}/hotel/availability/?property={h.property.pk}")
    page.fill("input[name=check_in]", arrive.isoformat())
    page.fill("input[name=check_out]", leave.isoformat())
    page.click("button:has-text('Search')")
    page.click("a:has-text('Book DBL')")
    page.select_option("select[name=room]", str(h.rooms["101"].pk))
    page.fill("input[name=first_name]", "Grace")
    page.fill("input[name=last_name]", "Hopper")
    page.click("button:has-text('Book')")
    expect(page.locator("h1")).to_contain_text("Grace Hopper")
    expect(page.locator("[data-room]")).to_contain_text("101")
    res = Reservation.objects.get(tenant=tenant)
    assert (res.check_in_date, res.check_out_date, res.room_id) == (arrive, leave, h.rooms["101"].pk)

    page.select_option("form[action$='/move/'] select[name=room]", str(h.rooms["102"].pk))
    page.click("button:has-text('Move')")
    expect(page.locator(".flashes")).to_contain_text("moved")
    expect(page.locator("[data-room]")).to_contain_text("102")
    page.goto(f"{live_server.url}/hotel/tape/?property={h.property.pk}")
    expect(page.locator("tr[data-room='102'] a.bar")).to_contain_text("Grace Hopper")
    expect(page.locator("tr[data-room='101'] a.bar")).to_have_count(0)


def test_check_in_pay_and_check_out(live_server, page, desk):
    tenant, h = desk
    res = book(tenant, h, nights=(0, 1), room=h.rooms["101"], guest={"first_name": "Alan", "last_name": "Turing"})
    page.goto(f"{live_server.url}/hotel/front-desk/?property={h.property.pk}")
    page.click("button:has-text('Check in')")
    expect(page.locator(".flashes")).to_contain_text("checked in")
    assert Room.objects.get(pk=h.rooms["101"].pk).status == Room.OCCUPIED

    page.goto(f"{live_server.url}/hotel/reservations/{res.pk}/")
    page.click("button:has-text('Check out')")  # the night is posted at check-out: unpaid, so refused
    expect(page.locator(".flashes")).to_contain_text("balance")
    page.fill("form[action$='/pay/'] input[name=amount]", "100.00")
    page.click("button:has-text('Record payment')")
    expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "-10000")
    page.click("button:has-text('Check out')")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "CHECKED_OUT")
    expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "0")
    assert Room.objects.get(pk=h.rooms["101"].pk).status == Room.VACANT_DIRTY


def test_drag_a_bar_on_the_tape_chart_to_move_the_stay(live_server, page, desk):
    tenant, h = desk
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"], guest={"first_name": "Hedy", "last_name": "Lamarr"})
    page.goto(f"{live_server.url}/hotel/tape/?property={h.property.pk}")
    target = page.locator(f"tr[data-room='102'] td[data-date='{res.check_in_date.isoformat()}']")
    page.locator("tr[data-room='101'] a.bar").drag_to(target)
    expect(page.locator(".flashes")).to_contain_text("moved")
    expect(page.locator("tr[data-room='102'] a.bar")).to_contain_text("Hedy Lamarr")
    res.refresh_from_db()
    assert res.room_id == h.rooms["102"].pk


def test_drag_the_bar_edge_to_extend_the_stay(live_server, page, desk):
    tenant, h = desk
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"], guest={"first_name": "Mary", "last_name": "Jackson"})
    page.goto(f"{live_server.url}/hotel/tape/?property={h.property.pk}")
    last_night = (today() + dt.timedelta(days=4)).isoformat()
    page.locator("tr[data-room='101'] a.bar .grip").drag_to(page.locator(f"tr[data-room='101'] td[data-date='{last_night}']"))
    expect(page.locator(".flashes")).to_contain_text("dates changed")
    res.refresh_from_db()
    assert res.check_out_date == today() + dt.timedelta(days=5) and res.subtotal_cents == 40000

"""Hotel setup in a real browser (issue 15 item 6): from an empty business, create a property, a room type,
a room and a rate plan with a nightly price through the Setup screens; the room is on the tape chart and
clicking one of its empty cells books it. HOLDFAST_SCREENSHOTS=<dir> saves a picture of each setup screen."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdfast.verticals.hotel.models import Property, RatePlanPrice, Reservation, Room, RoomType
from tests.factories import PASSWORD, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("HOLDFAST_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def manager(live_server, page):
    tenant = TenantFactory(name="Cliff Hotels", slug="cliff-hotels", currency="EUR", enabled_verticals=["hotel"])
    member(tenant, "admin", email="hana@cliff.test", full_name="Hana Admin")
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=email]", "hana@cliff.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return tenant


def test_set_a_hotel_up_through_the_screens_and_book_its_room_from_the_tape_chart(live_server, page, manager):
    tenant = manager
    page.goto(f"{live_server.url}/hotel/")
    page.click("a:has-text('Create a property')")
    page.fill("input[name=name]", "Cliff House")
    page.select_option("select[name=time_zone]", "Europe/Lisbon")
    page.fill("input[name=currency]", "EUR")
    page.fill("input[name=city]", "Porto")
    _shot(page, "1-property-new")
    page.click("button:has-text('Create property')")
    expect(page.locator(".flashes")).to_contain_text("Cliff House")
    prop = Property.objects.get(tenant=tenant)

    page.click("a:has-text('New room type')")
    page.fill("input[name=code]", "sea")
    page.fill("input[name=name]", "Sea view double")
    page.fill("input[name=max_occupancy]", "0")  # refused by the service, in words, on the form
    page.click("button:has-text('Create room type')")
    expect(page.locator(".field-error")).to_contain_text("sleeps at least one")
    _shot(page, "2-room-type-refused")
    assert not RoomType.objects.filter(property=prop).exists()
    page.fill("input[name=max_occupancy]", "2")
    page.click("button:has-text('Create room type')")
    expect(page.locator("table")).to_contain_text("Sea view double")
    _shot(page, "3-room-types")
    page.click("a:has-text('Sea view double')")
    _shot(page, "4-room-type-edit")

    page.click("nav[aria-label='Setup sections'] a:has-text('Rooms')")
    page.click("a:has-text('New room')")
    page.fill("input[name=room_number]", "501")
    page.fill("input[name=floor]", "5")
    _shot(page, "5-room-new")
    page.click("button:has-text('Create room')")
    expect(page.locator("table")).to_contain_text("501")
    _shot(page, "6-rooms")
    assert Room.objects.get(property=prop).room_type.code == "SEA"

    page.click("nav[aria-label='Setup sections'] a:has-text('Rate plans')")
    _shot(page, "7-rate-plans-empty")
    page.click("a:has-text('New rate plan')")
    page.fill("input[name=code]", "bar")
    page.fill("input[name=name]", "Best available")
    page.click("button:has-text('Create rate plan')")
    expect(page.locator("h1")).to_contain_text("BAR")
    page.fill("input[name=amount]", "120")
    page.click("button:has-text('Set price')")
    expect(page.locator("#prices table")).to_contain_text("EUR 120.00")
    _shot(page, "8-rate-plan-prices")
    assert RatePlanPrice.objects.get(rate_plan__property=prop).nightly_base_cents == 12000
    page.click("nav[aria-label='Setup sections'] a:has-text('Property')")
    _shot(page, "9-property-edit")

    page.click("nav[aria-label='Hotel'] a:has-text('Tape chart')")
    row = page.locator("tr[data-room='501']")
    expect(row).to_contain_text("SEA")
    expect(page.locator(".legend")).to_contain_text("click an empty cell to book")
    row.locator("td.free a").first.click()
    expect(page.locator("h1")).to_contain_text("New reservation")
    expect(page.locator("select[name=room] option:checked")).to_contain_text("501")
    page.fill("input[name=first_name]", "Ada")
    page.fill("input[name=last_name]", "Byron")
    page.click("button:has-text('Book')")
    expect(page.locator("h1")).to_contain_text("Ada Byron")
    res = Reservation.objects.get(tenant=tenant)
    assert res.room.room_number == "501" and res.subtotal_cents == 12000
    page.goto(f"{live_server.url}/hotel/tape/?property={prop.pk}")
    expect(page.locator("tr[data-room='501'] a.bar")).to_contain_text("Ada Byron")

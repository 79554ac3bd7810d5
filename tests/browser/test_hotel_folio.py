"""Hotel folio in a real browser (issue 15): the folio shows what check-out will charge and the desk takes it
and checks out in one visit; an overpayment is refused until confirmed, then reads as credit."""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Payment
from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import Reservation, Room
from holdfast.verticals.hotel.tests.factories import book, today
from tests.browser.test_hotel_front_desk import desk  # noqa: F401  (the logged-in desk fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("HOLDFAST_SHOTS", "")  # a folder to save screenshots into, when set


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _in_house(tenant, h):
    billing.create_tax_rule(tenant=tenant, actor=None, name="Lodging tax", rate=Decimal("0.7"), site_id=h.property.site_id, effective_from=today() - dt.timedelta(days=30))
    res = book(tenant, h, nights=(0, 1), room=h.rooms["101"], guest={"first_name": "Ada", "last_name": "Lovelace"})
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    return res


def test_the_folio_shows_the_amount_due_at_check_out_and_the_desk_pays_and_checks_out(live_server, page, desk):  # noqa: F811
    tenant, h = desk
    res = _in_house(tenant, h)
    page.goto(f"{live_server.url}/hotel/reservations/{res.pk}/")
    expect(page.locator("[data-due-at-checkout]")).to_have_attribute("data-due-at-checkout", "10070")
    expect(page.locator(".at-checkout")).to_contain_text("Charges at check-out")
    expect(page.locator(".at-checkout")).to_contain_text("Balance due at check-out EUR 100.70")
    expect(page.locator("form[action$='/pay/'] input[name=amount]")).to_have_value("100.70")
    expect(page.locator("form[action$='/check-out/']")).to_contain_text("leave balance EUR 100.70")
    _shot(page, "folio-due-at-check-out")
    page.click("button:has-text('Take EUR 100.70 and check out')")
    expect(page.locator(".flashes")).to_contain_text("checked out")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "CHECKED_OUT")
    expect(page.locator("[data-balance]")).to_have_attribute("data-balance", "0")
    _shot(page, "folio-checked-out")
    assert list(Payment.objects.values_list("amount_minor", flat=True)) == [10070]
    assert Room.objects.get(pk=h.rooms["101"].pk).status == Room.VACANT_DIRTY


def test_an_overpayment_needs_confirmation_and_shows_as_credit(live_server, page, desk):  # noqa: F811
    tenant, h = desk
    res = _in_house(tenant, h)
    page.goto(f"{live_server.url}/hotel/reservations/{res.pk}/")
    page.fill("form[action$='/pay/'] input[name=amount]", "99999.00")
    page.click("button:has-text('Record payment')")
    expect(page.locator(".flashes")).to_contain_text("EUR 99,999.00 is more than the EUR 100.70 due for the stay")
    assert not Payment.objects.exists()
    _shot(page, "folio-overpayment-refused")
    page.fill("form[action$='/pay/'] input[name=amount]", "140.70")
    page.check("form[action$='/pay/'] input[name=confirm_overpayment]")
    page.click("button:has-text('Record payment')")
    expect(page.locator(".flashes")).to_contain_text("Payment recorded")
    expect(page.locator("[data-balance]")).to_contain_text("Credit EUR 140.70")
    expect(page.locator(".at-checkout")).to_contain_text("Credit at check-out EUR 40.00")
    expect(page.locator("form[action$='/check-out/']")).to_contain_text("leave credit")
    _shot(page, "folio-credit")
    assert Reservation.objects.get(pk=res.pk).status == Reservation.CHECKED_IN

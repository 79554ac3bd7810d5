"""Apartments in a real browser (seed 001 §3.4): a customer books an apartment, configures it in the
configurator (package card, addon steppers, live total) and confirms; sales drag it to Under Review on
the board, approve it and take two partial payments; the remaining amount reaches zero."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdfast.verticals.apartments.models import ApartmentBooking
from holdfast.verticals.apartments.tests.conftest import build_catalogue
from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    tenant = TenantFactory(name="Skyline Apartments", slug="skyline", enabled_verticals=["apartments"], currency="EUR")
    admin = member(tenant, "admin", email="admin@skyline.test", full_name="Ada Admin")
    member(tenant, "sales", email="sales@skyline.test", full_name="Sal Sales")
    buyer = member(tenant, "customer", email="buyer@skyline.test", full_name="Bea Buyer")
    CustomerFactory(tenant=tenant, name="Bea Buyer", email="buyer@skyline.test", user=buyer, is_verified=True)
    return tenant, build_catalogue(tenant, admin, apartments=2)


def _login(page, base, email, landing):
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{base}{landing}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def test_configure_confirm_review_approve_pay_in_the_browser(live_server, page, browser):
    tenant, cat = _world()
    base = live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, base, "buyer@skyline.test", "/apartments/shop/")
    page.locator("[data-apartment='A-1']").get_by_role("button", name="Book and configure").click()
    expect(page.locator(".flash")).to_contain_text("A-1 is reserved for you")
    page.wait_for_load_state("load")  # the live total's script is deferred: a click before it runs is lost on a loaded machine
    page.locator("[data-package='Gold']").click()
    expect(page.locator("[data-live-total]")).to_contain_text("10,000.00", timeout=15_000)
    steppers = page.locator("[data-addon='AC unit'] input[type=number]")
    expect(steppers).to_have_attribute("max", "3")
    steppers.fill("4")
    assert steppers.evaluate("e => e.validity.rangeOverflow")  # the stepper refuses over the addon's max
    steppers.fill("3")
    page.locator("[data-addon='Ceiling fan'] input[type=number]").fill("2")
    expect(page.locator("[data-problems]")).to_contain_text("at most 4 units")  # the category's limit, told before saving
    page.locator("[data-addon='Ceiling fan'] input[type=number]").fill("0")
    steppers.fill("2")
    page.locator("[data-addon='Solar heating'] input[type=number]").fill("1")
    expect(page.locator("[data-live-total]")).to_contain_text("13,400.00")
    expect(page.locator("[data-problems]")).to_have_count(0)
    page.get_by_role("button", name="Save and confirm").click()
    expect(page.locator(".flash")).to_contain_text("Booking confirmed")
    expect(page.locator("#booking-status")).to_contain_text("In Progress")
    expect(page.locator("#invoices")).to_contain_text("Pending")
    expect(page.locator("[data-remaining]")).to_contain_text("13,400.00")
    booking = ApartmentBooking.objects.get(customer__email="buyer@skyline.test")

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    staff = context.new_page()
    try:
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(staff, base, "sales@skyline.test", "/apartments/board/")
        card = staff.locator(f"[data-booking='{booking.pk}']")
        expect(staff.locator("[data-column='IN_PROGRESS']")).to_contain_text("A-1")
        card.drag_to(staff.locator("[data-column='UNDER_REVIEW']"))
        expect(staff.locator(".flash")).to_contain_text("Moved to Under Review")
        expect(staff.locator("[data-column='UNDER_REVIEW']")).to_contain_text("A-1")
        staff.locator(f"[data-booking='{booking.pk}']").get_by_role("link", name="A-1").click()
        staff.get_by_role("button", name="Approve").click()
        expect(staff.locator(".flash")).to_contain_text("Booking approved")
        expect(staff.locator("#booking-status")).to_contain_text("Approved")
        staff.fill("#pay-form input[name=amount]", "5000.01")
        staff.select_option("#pay-form select[name=method]", "CARD")
        staff.get_by_role("button", name="Record payment").click()
        expect(staff.locator(".flash")).to_contain_text("Payment recorded")
        expect(staff.locator("[data-remaining]")).to_contain_text("8,399.99")
        staff.fill("#pay-form input[name=amount]", "8399.99")
        staff.select_option("#pay-form select[name=method]", "BANK_TRANSFER")
        staff.get_by_role("button", name="Record payment").click()
        expect(staff.locator("[data-remaining]")).to_contain_text("0.00")
        expect(staff.locator("#invoices")).to_contain_text("Paid")
        staff.screenshot(path="/tmp/apartments_booking.png", full_page=True)
    finally:
        context.close()
    page.goto(f"{base}/apartments/my/")
    expect(page.locator(f"[data-booking='{booking.pk}'] [data-status]")).to_have_text("Approved")
    assert ApartmentBooking.objects.get(pk=booking.pk).status == "APPROVED"
    assert errors == []

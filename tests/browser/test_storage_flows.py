"""Storage in a real browser: a customer finds a facility, sees the live quote change with the pallets,
holds pallets and confirms; staff see it on the board and the capacity calendar, record the payment,
and a cancellation gives the pallets back."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from holdfast.kit import clock
from holdfast.verticals.storage import services
from holdfast.verticals.storage.models import StorageBooking
from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TZ = "Asia/Kuala_Lumpur"


def _world():
    tenant = TenantFactory(name="PalletPoint Storage", slug="palletpoint", currency="MYR", time_zone=TZ, country="MY", enabled_verticals=["storage"])
    admin = member(tenant, "admin", email="admin@pallet.test", full_name="Ada Admin")
    member(tenant, "manager", email="manager@pallet.test", full_name="Max Manager")
    shipper = member(tenant, "customer", email="shipper@pallet.test", full_name="Sam Shipper")
    CustomerFactory(tenant=tenant, name="Sam Shipper", email="shipper@pallet.test", user=shipper, is_verified=True)
    company = services.create_company(tenant=tenant, actor=admin, name="PalletPoint", address_line1="1 Jalan", country="MY")
    facility = services.create_facility(tenant=tenant, actor=admin, company_pk=company.pk, name="Shah Alam Hub", address_line1="12 Jalan Kilang", country="MY", time_zone=TZ, currency="MYR")
    today = clock.local_today(TZ)
    services.open_slots(tenant=tenant, actor=admin, facility_pk=facility.pk, start_date=today, end_date=today + dt.timedelta(days=30), capacity=20)
    services.set_base_price(tenant=tenant, actor=admin, facility_pk=facility.pk, name="Standard", rate_minor=500, effective_from=today - dt.timedelta(days=1))
    return tenant, facility, today


def _login(page, base, email, landing):
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{base}{landing}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def test_customer_books_and_confirms_staff_take_payment_and_cancel(live_server, page, browser):
    tenant, facility, today = _world()
    base = live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, base, "shipper@pallet.test", "/storage/find/")
    start, end = today + dt.timedelta(days=2), today + dt.timedelta(days=5)
    page.fill("#finder input[name=start_date]", start.isoformat())
    page.fill("#finder input[name=end_date]", end.isoformat())
    page.fill("#finder input[name=pallets]", "4")
    page.get_by_role("button", name="Search").click()
    row = page.locator("tr[data-facility='Shah Alam Hub']")
    expect(row).to_contain_text("20")
    row.get_by_role("link", name="Book here").click()
    # The wizard's live quote follows the form (HTMX).
    page.fill("#wizard input[name=start_date]", start.isoformat())
    page.fill("#wizard input[name=end_date]", end.isoformat())
    page.fill("#wizard input[name=pallets]", "4")
    page.locator("#wizard input[name=pallets]").dispatch_event("change")
    expect(page.locator("#quote")).to_have_attribute("data-total", "6000")
    page.fill("#wizard input[name=pallets]", "25")
    page.locator("#wizard input[name=pallets]").dispatch_event("change")
    expect(page.locator("#quote [data-free]")).to_contain_text("20 pallets")
    page.fill("#wizard input[name=pallets]", "4")
    page.locator("#wizard input[name=pallets]").dispatch_event("change")
    expect(page.locator("#quote")).to_have_attribute("data-total", "6000")
    page.get_by_role("button", name="Hold pallets").click()
    expect(page.locator(".flash")).to_contain_text("4 pallets held")
    expect(page.locator("#booking-status")).to_contain_text("HELD")
    expect(page.locator("#pricing")).to_contain_text("4 × 3")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator(".flash")).to_contain_text("Booking confirmed")
    expect(page.locator("#booking-status")).to_contain_text("CONFIRMED")
    expect(page.locator("#invoices")).to_contain_text("Pending")
    booking = StorageBooking.objects.get(customer__email="shipper@pallet.test")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    staff = context.new_page()
    try:
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(staff, base, "manager@pallet.test", "/storage/")
        expect(staff.locator("#col-confirmed")).to_contain_text(booking.booking_ref)
        staff.goto(f"{base}/storage/calendar/?facility={facility.pk}")
        expect(staff.locator(f"#capacity [data-date='{start.isoformat()}']")).to_have_attribute("data-available", "16")
        staff.goto(f"{base}/storage/bookings/{booking.pk}/")
        staff.fill("#pay-form input[name=amount]", "20.00")
        staff.get_by_role("button", name="Pay").click()
        expect(staff.locator(".flash")).to_contain_text("Payment recorded")
        expect(staff.locator("#receipts")).to_contain_text("20.00")
        staff.fill("input[name=reason]", "Shipment delayed")
        staff.get_by_role("button", name="Cancel booking").click()
        expect(staff.locator(".flash")).to_contain_text("the pallets are free again")
        expect(staff.locator("#booking-status")).to_contain_text("CANCELLED")
        expect(staff.locator("#history")).to_contain_text("Shipment delayed")
        staff.goto(f"{base}/storage/calendar/?facility={facility.pk}")
        expect(staff.locator(f"#capacity [data-date='{start.isoformat()}']")).to_have_attribute("data-available", "20")
        staff.screenshot(path="/tmp/storage_calendar.png", full_page=True)
    finally:
        context.close()
    page.goto(f"{base}/storage/my/")
    expect(page.locator(f"tr[data-booking='{booking.booking_ref}'] [data-status]")).to_have_text("CANCELLED")
    assert errors == []

"""Estate in a real browser: a customer requests a hold in the portal; staff approve, record the
down payment and complete (unit sold); and a rejected hold releases the unit."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdfast.verticals.estate import services
from holdfast.verticals.estate.models import Unit
from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    tenant = TenantFactory(name="Harbour Estates", slug="harbour-estates", enabled_verticals=["estate"])
    admin = member(tenant, "admin", email="admin@harbour.test", full_name="Ada Admin")
    manager = member(tenant, "manager", email="manager@harbour.test", full_name="Max Manager")
    buyer = member(tenant, "customer", email="buyer@harbour.test", full_name="Bea Buyer")
    CustomerFactory(tenant=tenant, name="Bea Buyer", email="buyer@harbour.test", user=buyer, is_verified=True)
    project = services.create_project(tenant=tenant, actor=admin, name="Marina Towers", down_payment_percent="10", city="Harbour City")
    unit = services.create_unit(tenant=tenant, actor=admin, project_id=project.pk, code="A-101", price_minor=300_000_00, bedrooms=2, floor=1)
    services.create_unit(tenant=tenant, actor=admin, project_id=project.pk, code="A-102", price_minor=320_000_00, bedrooms=2, floor=1)
    return tenant, project, unit


def _login(page, base, email, landing):
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{base}{landing}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def _staff_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_hold_approve_pay_complete_in_the_browser(live_server, page, browser):
    tenant, project, unit = _world()
    base = live_server.url
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, base, "buyer@harbour.test", "/estate/portal/")
    page.get_by_role("link", name="Marina Towers").click()
    page.locator("tr[data-unit='A-101']").get_by_role("button", name="Request hold").click()
    page.wait_for_url(f"{base}/estate/my/")
    expect(page.locator(".flash")).to_contain_text("Hold requested on A-101")
    expect(page.locator("[data-status]").first).to_have_text("Approval in progress")

    context, staff = _staff_page(browser)
    try:
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(staff, base, "manager@harbour.test", "/estate/approvals/")
        row = staff.locator("#requested tr", has_text="A-101")
        row.get_by_role("button", name="Approve").click()
        expect(staff.locator(".flash")).to_contain_text("Hold approved")
        staff.get_by_role("link", name="A-101").first.click()
        expect(staff.locator("#booking-status")).to_contain_text("Payment pending")
        staff.get_by_role("button", name="Complete booking").click()
        expect(staff.locator(".flash")).to_contain_text("below what the project requires")
        staff.fill("#pay-form input[name=amount]", "30000.00")
        staff.select_option("#pay-form select[name=method]", "CARD")
        staff.get_by_role("button", name="Record payment").click()
        expect(staff.locator("#booking-status")).to_contain_text("Booking confirmed")
        staff.get_by_role("button", name="Complete booking").click()
        expect(staff.locator(".flash")).to_contain_text("the unit is sold")
        expect(staff.locator("#booking-status")).to_contain_text("Booked")
        # The balance is expected on billing; a reminder goes out now and shows on the booking.
        staff.fill("#expect-form input[name=amount]", "270000.00")
        staff.fill("#expect-form input[name=due_date]", "2031-01-15")
        staff.select_option("#expect-form select[name=kind]", "BALANCE")
        staff.get_by_role("button", name="Add expected payment").click()
        expect(staff.locator(".flash")).to_contain_text("Expected payment added")
        expect(staff.locator("#payments")).to_contain_text("Balance")
        staff.get_by_role("button", name="Send or schedule reminder").click()
        expect(staff.locator(".flash")).to_contain_text("Reminder sent")
        expect(staff.locator("#reminders")).to_contain_text("Sent")
        staff.screenshot(path="/tmp/estate_booking.png", full_page=True)
        staff.goto(f"{base}/estate/projects/{project.pk}/")
        expect(staff.locator("[data-unit='A-101']")).to_have_attribute("data-status", "SOLD")
        staff.screenshot(path="/tmp/estate_board.png", full_page=True)
    finally:
        context.close()
    page.reload()
    expect(page.locator("[data-status]").first).to_have_text("Booked")
    assert Unit.objects.get(pk=unit.pk).status == Unit.SOLD
    assert errors == []


def test_rejected_hold_releases_the_unit(live_server, page, browser):
    tenant, project, unit = _world()
    base = live_server.url
    _login(page, base, "buyer@harbour.test", "/estate/portal/")
    page.goto(f"{base}/estate/portal/projects/{project.pk}/")
    page.locator("tr[data-unit='A-101']").get_by_role("button", name="Request hold").click()
    page.wait_for_url(f"{base}/estate/my/")
    page.goto(f"{base}/estate/portal/projects/{project.pk}/")
    expect(page.locator("tr[data-unit='A-101']")).to_contain_text("Held")
    expect(page.locator("tr[data-unit='A-101']").get_by_role("button", name="Request hold")).to_have_count(0)

    context, staff = _staff_page(browser)
    try:
        _login(staff, base, "manager@harbour.test", "/estate/approvals/")
        row = staff.locator("#requested tr", has_text="A-101")
        row.locator("input[name=reason]").fill("Financing not confirmed")
        row.get_by_role("button", name="Reject").click()
        expect(staff.locator(".flash")).to_contain_text("the unit is available again")
        expect(staff.locator("#requested")).to_contain_text("No hold is waiting")
    finally:
        context.close()
    page.goto(f"{base}/estate/portal/projects/{project.pk}/")
    expect(page.locator("tr[data-unit='A-101']")).to_contain_text("Available")
    expect(page.locator("tr[data-unit='A-101']").get_by_role("button", name="Request hold")).to_have_count(1)
    page.goto(f"{base}/estate/my/")
    expect(page.locator("[data-status]").first).to_have_text("Cancelled")
    assert Unit.objects.get(pk=unit.pk).status == Unit.AVAILABLE

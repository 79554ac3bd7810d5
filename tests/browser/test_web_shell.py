"""One real browser journey through the web shell: log in, dashboard, create a customer, find it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from holdfast.core.accounts.models import Membership, Role
from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_logs_in_creates_a_customer_and_finds_it(live_server, page):
    tenant = TenantFactory(name="Harbour Homes", slug="harbour")
    owner = member(tenant, "admin", email="owner@harbour.test", full_name="Olivia Owner")
    rival = TenantFactory(name="Rival Realty", slug="rival")
    Membership.objects.create(user=owner, tenant=rival, role=Role.objects.get(tenant=rival, key="staff"))
    CustomerFactory(tenant=tenant, name="Alan Turing", email="alan@example.com")
    script_errors = []
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    # The live feed is stubbed: a real stream would hold a server thread past the test. Until the
    # dashboard step it answers 404 (the script must then stay quiet), afterwards one stats:changed event.
    live = {"event": None}

    def live_feed(route):
        if live["event"] is None:
            route.fulfill(status=404, content_type="application/problem+json", body="{}")
        else:
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
                          body=f"retry: 60000\nid: 7\nevent: {live['event']}\ndata: {{\"type\": \"{live['event']}\"}}\n\n")

    page.route("**/api/v1/events/stream*", live_feed)

    page.goto(f"{live_server.url}/customers/")
    assert "/login/" in page.url
    page.fill("input[name=email]", "owner@harbour.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/")

    page.goto(f"{live_server.url}/")
    page.get_by_role("heading", name="Harbour Homes").wait_for()
    assert page.locator("[data-stat=active_customers]").inner_text() == "1"
    assert page.locator("svg.chart").count() == 1

    page.get_by_role("link", name="New customer").first.click()
    page.fill("input[name=name]", "Grace Hopper")
    page.fill("input[name=email]", "not-an-email")
    page.get_by_role("button", name="Create customer").click()
    assert "Enter a valid email address." in page.locator(".field-error").first.inner_text()
    page.fill("input[name=email]", "grace@example.com")
    page.get_by_role("button", name="Create customer").click()
    page.get_by_role("heading", name="Grace Hopper").wait_for()
    assert "Customer Grace Hopper created." in page.locator(".flash").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    # htmx binds its triggers on DOMContentLoaded; typing before that would go unheard.
    page.wait_for_load_state("load")
    expect(page.locator("#customer-results tbody tr")).to_have_count(2)
    page.fill("input[name=q]", "grace")
    expect(page.locator("#customer-results tbody tr")).to_have_count(1)
    expect(page.locator("#customer-results")).to_contain_text("grace@example.com")
    page.wait_for_url("**/customers/?q=grace*")  # the search is in the address bar, so it survives a reload

    # A live `stats:changed` event makes the dashboard widget refetch itself (HTMX on hf:stats-changed from:body).
    live["event"] = "stats:changed"
    with page.expect_response(lambda r: "/dashboard/stats/" in r.url and r.status == 200):
        page.goto(f"{live_server.url}/")
    expect(page.locator("[data-stat=active_customers]")).to_have_text("2")

    # Choosing another business in the switcher submits at once (no button with JS on).
    page.select_option("#tenant-select", "rival")
    expect(page.locator(".flash")).to_contain_text("Now working in Rival Realty")
    expect(page.get_by_role("heading", name="Hello, Olivia Owner")).to_be_visible()  # staff there
    assert script_errors == []

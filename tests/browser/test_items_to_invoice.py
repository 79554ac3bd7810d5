"""Items to invoice in a browser (issue 15 item 8): a demo admin opens the screen, reads where the items
come from, ticks the waiting charges and creates their invoices, and sees them on the invoice list."""
from __future__ import annotations

import pytest

from holdfast.core.billing.models import Invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_admin_ticks_waiting_items_and_creates_their_invoices(page, live_server):
    from holdfast.web.demo_data import DEMO_PASSWORD, load_demo

    load_demo(verticals=["storage"])
    before = Invoice.objects.count()
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=email]", "admin@palletpoint.demo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/billing/")
    page.click("text=Items to invoice")
    page.wait_for_url(f"{live_server.url}/billing/items/")
    assert "Confirming a booking turns its pallet-days" in page.inner_text("main")
    assert "Storage · Storage booking charge" in page.inner_text("table")
    boxes = page.locator("input[name=item]")
    assert boxes.count() >= 2
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.click("text=Create invoices for the ticked items")
    page.wait_for_url(f"{live_server.url}/billing/")
    message = page.inner_text("main")
    assert "2 invoices created" in message
    made = list(Invoice.objects.order_by("-pk")[:2])
    assert Invoice.objects.count() == before + 2
    for invoice in made:
        assert invoice.display_number in message
    page.goto(f"{live_server.url}/billing/items/")
    assert "Nothing is waiting to be invoiced" in page.inner_text("main")

"""Petcare in a real browser: a client requests a walk in the portal; the admin approves it with a
walker; the walker completes it; the admin invoices the item, sends and marks the invoice paid, and
the client sees it paid. And a recurring series with one refused (busy) occurrence."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from holdfast.kit import clock
from holdfast.verticals.petcare import services
from tests.factories import PASSWORD, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _world():
    tenant = TenantFactory(name="Pawtimation", slug="paw", currency="GBP", time_zone="Europe/London", country="GB", enabled_verticals=["petcare"])
    admin = member(tenant, "admin", email="admin@paw.test", full_name="Ada Admin")
    walker_user = member(tenant, "staff", email="wendy@paw.test", full_name="Wendy Walker")
    client = member(tenant, "customer", email="cleo@paw.test", full_name="Cleo Client")
    walk = services.create_service(tenant=tenant, actor=admin, name="Group walk", price_minor=1500, duration_minutes=60)
    walker = services.create_walker(tenant=tenant, actor=admin, user_id=walker_user.pk, name="Wendy Walker")
    services.set_availability(tenant=tenant, actor=admin, walker_id=walker.pk, windows=[{"day": d, "start": "07:00", "end": "20:00"} for d in range(7)])
    customer = services.create_client(tenant=tenant, actor=admin, name="Cleo Client", email="cleo@paw.test", address={"line1": "1 Park Lane"}, user=client)
    services.add_dog(tenant=tenant, actor=admin, customer_id=customer.pk, name="Rex", breed="Beagle")
    return tenant, walk, walker, customer


def _login(page, base, email, landing):
    page.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    page.goto(f"{base}{landing}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def _other(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_request_approve_complete_invoice_paid_in_the_browser(live_server, page, browser):
    tenant, walk, walker, customer = _world()
    base, errors = live_server.url, []
    page.set_default_timeout(30_000)  # the session's first page load also warms the live server up
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # An hour ago today: the walk has happened by the time the walker marks it done.
    start = (clock.now() - dt.timedelta(hours=2)).astimezone(clock.zone(tenant.time_zone)).replace(minute=0, second=0, microsecond=0)
    if not 7 <= start.hour <= 19:  # keep the hour-long walk inside the walker's 07:00–20:00 week, whatever the hour CI runs
        start = start.replace(hour=19) if start.hour > 19 else (start - dt.timedelta(days=1)).replace(hour=19)
    _login(page, base, "cleo@paw.test", "/petcare/portal/")
    page.select_option("#request-form select[name=service_id]", str(walk.pk))
    page.fill("#request-form input[name=start]", start.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#request-form input[name=dog_ids]").first.check()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash")).to_contain_text("Request sent")

    admin_ctx, admin = _other(browser)
    walker_ctx, walker_page = _other(browser)
    try:
        admin.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(admin, base, "admin@paw.test", "/petcare/jobs/?status=PENDING")
        admin.locator("#job-table a").first.click()
        admin.locator("form[action$='/approve/'] select[name=walker_id]").select_option(str(walker.pk))
        admin.get_by_role("button", name="Approve").click()
        expect(admin.locator(".flash")).to_contain_text("Job approved")
        expect(admin.locator("#job-status")).to_contain_text("BOOKED")
        job_url = admin.url

        _login(walker_page, base, "wendy@paw.test", "/petcare/schedule/?view=day")
        walker_page.goto(job_url)
        walker_page.get_by_role("button", name="Mark completed").click()
        expect(walker_page.locator(".flash")).to_contain_text("Job completed")

        admin.goto(f"{base}/petcare/finance/")
        admin.locator(f"form[data-client='{customer.pk}']").get_by_role("button", name="Create invoice").click()
        expect(admin.locator(".flash")).to_contain_text("created as a draft")
        admin.locator("#invoices").get_by_role("button", name="Send").first.click()
        expect(admin.locator(".flash")).to_contain_text("sent to the client")
        admin.locator("#invoices").get_by_role("button", name="Mark paid").first.click()
        expect(admin.locator(".flash")).to_contain_text("marked paid")

        page.goto(f"{base}/petcare/portal/")
        expect(page.locator("#my-invoices")).to_contain_text("PAID")
        admin.goto(f"{base}/petcare/")
        expect(admin.locator("[data-stat=paid_month]")).to_contain_text("15.00")
        admin.screenshot(path="/tmp/petcare-dashboard.png", full_page=True)
    finally:
        admin_ctx.close()
        walker_ctx.close()
    assert not errors


def test_recurring_series_with_a_refused_occurrence_in_the_browser(live_server, page):
    tenant, walk, walker, customer = _world()
    admin = member(tenant, "admin", email="boss@paw.test")
    first = clock.local_today(tenant.time_zone) + dt.timedelta(days=14)
    while first.weekday() != 0:
        first += dt.timedelta(days=1)
    busy = dt.datetime.combine(first + dt.timedelta(days=7), dt.time(9, 30), tzinfo=clock.zone(tenant.time_zone))
    services.create_job(tenant=tenant, actor=admin, customer_id=customer.pk, service_id=walk.pk, starts_at=busy, walker_id=walker.pk)
    base = live_server.url
    page.set_default_timeout(30_000)
    _login(page, base, "admin@paw.test", "/petcare/jobs/")
    form = page.locator("#new-series")
    form.locator("select[name=customer_id]").select_option(str(customer.pk))
    form.locator("select[name=service_id]").select_option(str(walk.pk))
    form.locator("select[name=walker_id]").select_option(str(walker.pk))
    form.locator("input[name=weekdays][value='0']").check()
    form.locator("input[name=local_time]").fill("09:00")
    form.locator("input[name=starts_on]").fill(first.isoformat())
    form.locator("input[name=count]").fill("3")
    form.get_by_role("button", name="Book the series").click()
    expect(page.locator("h1")).to_contain_text("2 booked, 1 refused")
    expect(page.locator("#occurrences tr[data-result=refused]")).to_contain_text("already has a job")
    page.screenshot(path="/tmp/petcare-series.png", full_page=True)


def test_money_figures_on_the_dashboard_stay_on_one_line_at_1280px(live_server, page):
    """A stat card's figure (count · amount) is one line at the 1280 px the admins use, however large."""
    tenant, walk, walker, customer = _world()
    from holdfast.core.accounts.models import User

    admin = User.objects.get(email="admin@paw.test")
    day = clock.local_today(tenant.time_zone) - dt.timedelta(days=1)
    for hour, paid in ((9, True), (11, False), (13, False)):
        start = dt.datetime.combine(day, dt.time(hour), tzinfo=clock.zone(tenant.time_zone))
        job = services.create_job(tenant=tenant, actor=admin, customer_id=customer.pk, service_id=walk.pk, starts_at=start, walker_id=walker.pk, price_minor=12_345_678)
        services.complete_job(tenant=tenant, actor=admin, job_id=job.pk)
    from holdfast.core.billing.models import InvoiceItem

    items = list(InvoiceItem.objects.filter(tenant=tenant, customer=customer).order_by("pk"))
    paid = services.generate_invoice(tenant=tenant, actor=admin, customer_id=customer.pk, item_ids=[items[0].pk], issue=True)
    services.mark_paid(tenant=tenant, actor=admin, invoice_id=paid.pk, method="CASH")
    services.generate_invoice(tenant=tenant, actor=admin, customer_id=customer.pk, item_ids=[i.pk for i in items[1:]], issue=True)
    _login(page, live_server.url, "admin@paw.test", "/petcare/")
    expect(page.locator("[data-stat=paid_month]")).to_contain_text("123,456.78")
    page.screenshot(path="/tmp/petcare-stat-cards.png")
    lines = page.evaluate("""() => [...document.querySelectorAll('.stat-value')].map(el => {
        const r = document.createRange(); r.selectNodeContents(el);
        const tops = new Set([...r.getClientRects()].map(b => Math.round(b.top)));
        return [el.dataset.stat, tops.size, el.scrollWidth <= el.clientWidth + 1];
    })""")
    assert lines and all(n == 1 and fits for _, n, fits in lines), lines

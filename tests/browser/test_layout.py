"""Layout: every portal fits a 390 px phone, the sidebar keeps Settings and Log out on screen, figures stay
inside their cards, the hotel's tabs and property picker share one line, and counts of one read in the singular.

Measured in the browser (scroll widths and bounding boxes), with the same data and screen lists as the
accessibility walk (tests/browser/test_accessibility.py).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from tests.browser.test_accessibility import DEMO_PASSWORD, PORTALS, _load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOPS = [{"width": 1400, "height": 900}, {"width": 1280, "height": 800}]

# Elements inside main wider than the screen, unless a scroll box (a wide table's card, the tape chart) holds them.
ESCAPING = """() => [...document.querySelectorAll('main *')].filter(el => {
    const r = el.getBoundingClientRect();
    if (!r.width || r.right <= window.innerWidth + 0.5) return false;
    for (let p = el.parentElement; p && p.tagName !== 'MAIN'; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
    }
    return true;
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '') + ' right=' + Math.round(el.getBoundingClientRect().right))"""

# Stat cards whose text is wider than the card (a money figure running out of its box).
SPILLING_STATS = """() => [...document.querySelectorAll('main .stat')].filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => el.innerText.replace(/\\s+/g, ' ').slice(0, 40))"""


def _log_in(browser, live_server, email, password, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
    tab.goto(f"{live_server.url}/login/")
    tab.fill("input[name=email]", email)
    tab.fill("input[name=password]", password)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()
    assert "/login/" not in tab.url, f"{email} could not log in"
    return context, tab


def _screens(tab, live_server, screens):
    """The paths of a screen list: a path, or (path, pattern, …) following the first matching link each time."""
    for screen in screens:
        path, patterns = (screen, ()) if isinstance(screen, str) else (screen[0], screen[1:])
        for pattern in patterns:
            tab.goto(f"{live_server.url}{path}")
            hrefs = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            found = [h for h in hrefs if re.search(pattern, urljoin(path, h).split("?")[0])]
            assert found, f"no link matching {pattern} on {path}"
            path = urljoin(path, found[0])
        yield path


@pytest.mark.parametrize("business", list(PORTALS))
def test_no_main_screen_of_any_portal_is_wider_than_a_390px_phone_and_no_figure_spills_from_its_card(business, browser, live_server):
    _load(business)
    problems, visited = [], 0
    for email, password, screens in PORTALS[business]:
        context, tab = _log_in(browser, live_server, email, password, PHONE)
        try:
            for path in dict.fromkeys(_screens(tab, live_server, screens)):
                response = tab.goto(f"{live_server.url}{path}")
                assert response is not None and response.status < 400, f"{email} {path} -> {response and response.status}"
                tab.wait_for_load_state("load")
                visited += 1
                width = tab.evaluate("document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{email} {path}: page is {width} px wide; too wide: {tab.evaluate(ESCAPING)}")
                for viewport in (PHONE, DESKTOPS[1]):
                    tab.set_viewport_size(viewport)
                    spilling = tab.evaluate(SPILLING_STATS)
                    if spilling:
                        problems.append(f"{email} {path} at {viewport['width']} px: text spills from stat cards {spilling}")
                tab.set_viewport_size(PHONE)
        finally:
            context.close()
    assert visited >= 5
    assert not problems, "\n".join(problems)


SIDEBAR_FOOT = """() => {
  const settings = [...document.querySelectorAll('.sidebar a')].find(a => a.textContent.trim() === 'Settings');
  const logout = [...document.querySelectorAll('.sidebar button')].find(b => b.textContent.trim() === 'Log out');
  const box = el => el && (({top, bottom}) => ({top, bottom}))(el.getBoundingClientRect());
  const nav = document.querySelector('.mainnav');
  return {settings: box(settings), logout: box(logout), pageScrolls: document.documentElement.scrollTop, navHidden: nav.scrollHeight - nav.clientHeight};
}"""


@pytest.mark.parametrize("business", ["estate", "petcare"])
def test_sidebar_shows_settings_and_log_out_without_scrolling_at_1400x900(business, browser, live_server):
    _load(business)
    email, password, _ = PORTALS[business][0]  # the business admin: the longest sidebar
    context, tab = _log_in(browser, live_server, email, password, DESKTOPS[0])
    try:
        for path in ("/", "/accounts/members/"):
            tab.goto(f"{live_server.url}{path}")
            foot = tab.evaluate(SIDEBAR_FOOT)
            for name in ("settings", "logout"):
                assert foot[name] is not None, f"{name} missing from the sidebar on {path}"
                assert 0 <= foot[name]["top"] and foot[name]["bottom"] <= 900, f"{name} is off screen on {path}: {foot}"
            assert foot["navHidden"] <= 0, f"{email}: {foot['navHidden']} px of the sidebar's items need scrolling at 1400×900"
        tab.get_by_role("link", name="Settings").click()
        assert tab.url.endswith("/accounts/settings/")
    finally:
        context.close()


UNIT_PRICES = """() => [...document.querySelectorAll('#unit-board [data-unit]')].map(card => {
  const c = card.getBoundingClientRect(), price = card.querySelector('[data-price]');
  const range = document.createRange(); range.selectNodeContents(price);
  const p = range.getBoundingClientRect(), pad = parseFloat(getComputedStyle(card).paddingRight);
  return {unit: card.dataset.unit, text: price.textContent.trim(), lines: price.getClientRects().length,
          inside: p.left >= c.left && p.right <= c.right - pad + 0.5 && p.top >= c.top && p.bottom <= c.bottom};
})"""


def test_unit_board_prices_stay_inside_their_cards_on_one_line_at_desktop_and_phone_widths(browser, live_server):
    _load("estate")
    context, tab = _log_in(browser, live_server, "admin@harbour-estates.demo", DEMO_PASSWORD, DESKTOPS[0])
    try:
        tab.goto(f"{live_server.url}/estate/projects/")
        boards = sorted({h for h in tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))") if re.fullmatch(r"/estate/projects/\d+/", h)})
        assert boards
        for viewport in (*DESKTOPS, PHONE):
            tab.set_viewport_size(viewport)
            for board in boards:
                tab.goto(f"{live_server.url}{board}")
                prices = tab.evaluate(UNIT_PRICES)
                assert prices, f"no units on {board}"
                bad = [p for p in prices if not p["inside"] or p["lines"] != 1]
                assert not bad, f"{board} at {viewport['width']} px: prices outside their cards or wrapped: {bad}"
    finally:
        context.close()


def _second_property_with_one_room(tenant):
    from holdfast.verticals.hotel import services

    prop = services.create_property(tenant=tenant, actor=None, name="Harbour Hotel Annex", time_zone="Europe/Berlin", currency="EUR")
    room_type = services.create_room_type(tenant=tenant, actor=None, property_id=prop.pk, code="STU", name="Studio", max_adults=2, max_children=0, max_occupancy=2)
    services.create_room(tenant=tenant, actor=None, property_id=prop.pk, room_type_id=room_type.pk, room_number="1")
    return prop


HOTEL_BAR = """() => {
  const bar = document.querySelector('.hotel-bar'), tabs = bar.querySelector('.tabs'), picker = bar.querySelector('#property-select');
  const t = tabs.getBoundingClientRect(), p = picker.getBoundingClientRect();
  return {tabTops: [...new Set([...tabs.querySelectorAll('a')].map(a => Math.round(a.getBoundingClientRect().top)))],
          tabLines: [...tabs.querySelectorAll('a')].filter(a => a.getClientRects().length !== 1 || a.getBoundingClientRect().height > 48).map(a => a.textContent.trim()),
          hiddenTabs: tabs.scrollWidth - tabs.clientWidth, pickerMiddle: (p.top + p.bottom) / 2, tabsTop: t.top, tabsBottom: t.bottom,
          pickerRight: p.right, barRight: bar.getBoundingClientRect().right};
}"""


def test_hotel_tabs_and_property_picker_share_one_line_at_desktop_widths_and_fit_a_phone(browser, live_server):
    from holdfast.core.tenancy.models import Tenant

    _load("hotel")
    annex = _second_property_with_one_room(Tenant.objects.get(slug="harbour-hotel"))
    email, password, _ = PORTALS["hotel"][0]
    context, tab = _log_in(browser, live_server, email, password, DESKTOPS[0])
    try:
        for path in ("/hotel/tape/", "/hotel/reservations/", "/hotel/setup/"):
            for viewport in DESKTOPS:
                tab.set_viewport_size(viewport)
                tab.goto(f"{live_server.url}{path}")
                bar = tab.evaluate(HOTEL_BAR)
                where = f"{path} at {viewport['width']} px"
                assert len(bar["tabTops"]) == 1 and not bar["tabLines"], f"{where}: tabs on more than one line: {bar}"
                assert bar["hiddenTabs"] <= 0, f"{where}: {bar['hiddenTabs']} px of tabs scrolled out of sight"
                assert bar["tabsTop"] <= bar["pickerMiddle"] <= bar["tabsBottom"], f"{where}: the property picker is not on the tabs' line: {bar}"
                assert bar["pickerRight"] <= bar["barRight"] + 0.5, f"{where}: the picker overflows the bar: {bar}"
            tab.set_viewport_size(PHONE)
            tab.goto(f"{live_server.url}{path}")
            assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{path} overflows a phone"
        # Choosing a property opens it (no Go button needed with JavaScript on).
        tab.set_viewport_size(DESKTOPS[1])
        tab.goto(f"{live_server.url}/hotel/occupancy/")
        with tab.expect_navigation():
            tab.select_option("#property-select", str(annex.pk))
        assert f"property={annex.pk}" in tab.url
        assert "Harbour Hotel Annex · 1 room ·" in tab.locator(".page-head").inner_text()
    finally:
        context.close()


def test_counts_of_one_read_in_the_singular(browser, live_server):
    from holdfast.core.accounts.models import User
    from holdfast.core.tenancy.models import Tenant
    from holdfast.verticals.estate import services

    _load("estate")
    tenant, admin = Tenant.objects.get(slug="harbour-estates"), User.objects.get(email="admin@harbour-estates.demo")
    project = services.create_project(tenant=tenant, actor=admin, name="Lighthouse Loft", hold_ttl_minutes=1, city="Harbour City")
    services.create_unit(tenant=tenant, actor=admin, project_id=project.pk, code="L-1", price_minor=99_000_00, bedrooms=1)
    context, tab = _log_in(browser, live_server, "admin@harbour-estates.demo", DEMO_PASSWORD, DESKTOPS[1])
    try:
        tab.goto(f"{live_server.url}/estate/projects/{project.pk}/")
        head = tab.locator(".page-head").inner_text()
        assert "holds last 1 minute" in head and "1 minutes" not in head
    finally:
        context.close()
    context, tab = _log_in(browser, live_server, "customer@harbour-estates.demo", DEMO_PASSWORD, DESKTOPS[1])
    try:
        tab.goto(f"{live_server.url}/estate/portal/")
        text = tab.locator("main").inner_text()
        assert re.search(r"\b1 unit\b", text) and not re.search(r"\b1 units\b", text), text
    finally:
        context.close()

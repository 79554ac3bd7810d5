"""Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) on every main screen of every portal, at desktop
(1280×800) and phone (390×844) widths, logged in as each kind of user.

One test per business: its data (the fast demo loaders, or the vertical's factories where its demo is
slow), one browser context per user, a list of screens. A screen is a path, or (path, pattern, …): the path
and also the first link on it whose href matches the pattern (a detail page, without knowing its id), and so
on for each further pattern from the page reached (a list, then one of its rows).
Two checks axe does not make are added: no id used twice on a page (several forms need prefix= or
auto_id), and a visible keyboard focus ring on the dark sidebar. Any violation, whatever its impact,
fails the test with its rule id, impact and target selectors. The platform super admin rides along
with the estate data.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

import pytest

from tests.factories import PASSWORD, TenantFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}
DEMO_PASSWORD = "holdfast-demo"

BACK_OFFICE = [
    "/", "/customers/", ("/customers/", r"^/customers/\d+/$"), "/customers/new/", "/billing/",
    "/billing/payments/", "/billing/prices/", "/billing/prices/new/", "/billing/prices/quote/", "/accounts/members/", "/accounts/roles/",
    "/accounts/settings/", "/audit/", "/events/notifications/", "/events/webhooks/",
]

# business -> [(email, password, screens)]
PORTALS = {
    "estate": [
        ("admin@harbour-estates.demo", DEMO_PASSWORD, BACK_OFFICE + [
            "/estate/", "/estate/approvals/", "/estate/projects/", ("/estate/projects/", r"^/estate/projects/\d+/$"),
            ("/estate/", r"^/estate/bookings/\d+/$"), "/estate/leads/", ("/estate/leads/", r"^/estate/leads/\d+/$"), "/estate/reviews/",
        ]),
        ("customer@harbour-estates.demo", DEMO_PASSWORD, [
            "/", "/estate/portal/", ("/estate/portal/", r"^/estate/portal/projects/\d+/$"), "/estate/my/"]),
        ("root@holdfast.demo", DEMO_PASSWORD, ["/", "/platform/", "/platform/logs/"]),
    ],
    "apartments": [
        ("admin@skyline-apartments.demo", DEMO_PASSWORD, [
            "/", "/apartments/", "/apartments/board/", "/apartments/catalogue/", ("/apartments/", r"^/apartments/projects/\d+/$"),
            ("/apartments/board/", r"^/apartments/bookings/\d+/$"),
            ("/apartments/shop/", r"^/apartments/units/\d+/$"), "/apartments/shop/",
        ]),
        ("customer@skyline-apartments.demo", DEMO_PASSWORD, ["/", "/apartments/shop/", "/apartments/my/"]),
    ],
    "storage": [
        ("admin@palletpoint.demo", DEMO_PASSWORD, [
            "/", "/storage/", "/storage/calendar/", "/storage/facilities/", ("/storage/facilities/", r"^/storage/facilities/\d+/$"),
            ("/storage/", r"^/storage/bookings/\d+/$"), "/storage/money/", "/storage/prices/", "/storage/find/", "/billing/items/",
        ]),
        ("customer@palletpoint.demo", DEMO_PASSWORD, ["/", "/storage/find/", "/storage/my/"]),
    ],
    "hotel": [
        ("admin@hotel.test", PASSWORD, [
            "/", "/hotel/", "/hotel/tape/", "/hotel/availability/", "/hotel/reservations/", "/hotel/reservations/new/",
            ("/hotel/reservations/", r"^/hotel/reservations/\d+/$"), "/hotel/front-desk/",
            "/hotel/housekeeping/", "/hotel/occupancy/",
            "/hotel/setup/", "/hotel/setup/properties/new/", ("/hotel/setup/", r"^/hotel/setup/properties/\d+/room-types/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rooms/$"), ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rate-plans/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/room-types/$", r"^/hotel/setup/properties/\d+/room-types/new/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/room-types/$", r"^/hotel/setup/room-types/\d+/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rooms/$", r"^/hotel/setup/rooms/\d+/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rooms/$", r"^/hotel/setup/properties/\d+/rooms/new/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rate-plans/$", r"^/hotel/setup/rate-plans/\d+/$"),
            ("/hotel/setup/", r"^/hotel/setup/properties/\d+/rate-plans/$", r"^/hotel/setup/properties/\d+/rate-plans/new/$"),
        ]),
        ("desk@hotel.test", PASSWORD, ["/", "/hotel/front-desk/", ("/hotel/reservations/", r"^/hotel/reservations/\d+/$"), "/hotel/housekeeping/"]),
    ],
    "petcare": [
        ("admin@paw.test", PASSWORD, [
            "/", "/petcare/", "/petcare/jobs/", ("/petcare/jobs/", r"^/petcare/jobs/\d+/$"),
            "/petcare/clients/", ("/petcare/clients/", r"^/petcare/clients/\d+/$"), "/petcare/walkers/", "/petcare/services/",
            "/petcare/finance/", "/petcare/schedule/", "/petcare/feedback/",
        ]),
        ("wendy@paw.test", PASSWORD, ["/", "/petcare/schedule/", ("/petcare/schedule/", r"^/petcare/jobs/\d+/$")]),
        ("cleo@paw.test", PASSWORD, ["/", "/petcare/portal/"]),
    ],
}


def _load(business):
    if business in ("estate", "apartments", "storage"):
        from holdfast.web.demo_data import load_demo

        load_demo(verticals=[business])
    elif business == "hotel":
        from holdfast.verticals.hotel.tests.factories import book, hotel

        tenant = TenantFactory(name="Harbour Hotel", slug="harbour-hotel", currency="EUR", enabled_verticals=["hotel"])
        member(tenant, "admin", email="admin@hotel.test", full_name="Hana Admin")
        member(tenant, "staff", email="desk@hotel.test", full_name="Dana Desk")
        h = hotel(tenant)
        book(tenant, h, nights=(0, 2), room=h.rooms["101"], guest={"first_name": "Alan", "last_name": "Turing"})
        book(tenant, h, nights=(2, 5), guest={"first_name": "Grace", "last_name": "Hopper"})
    elif business == "petcare":
        from holdfast.core.accounts.models import User
        from holdfast.kit import clock
        from holdfast.verticals.petcare import services
        from tests.browser.test_petcare_flows import _world as petcare_world

        tenant, walk, walker, customer = petcare_world()
        start = (clock.now() + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        services.create_job(tenant=tenant, actor=User.objects.get(email="admin@paw.test"), customer_id=customer.pk, service_id=walk.pk, starts_at=start, walker_id=walker.pk)

def _report(violations) -> str:
    lines, merged = [], {}
    for v in violations:  # the same rule on the same screen at both widths is reported once
        key = (v["where"], v["id"])
        if key in merged:
            merged[key]["widths"].append(v["width"])
        else:
            merged[key] = {**v, "widths": [v["width"]]}
    for v in merged.values():
        lines.append(f"{v['where']} [{'+'.join(v['widths'])}]: {v['id']} ({v['impact']}) {v['help']}")
        for node in v["nodes"][:8]:
            messages = [check["message"] for check in node.get("any", []) + node.get("all", []) + node.get("none", [])]
            lines.append(f"      {' '.join(map(str, node['target']))}  — {messages[0] if messages else ''}")
        if len(v["nodes"]) > 8:
            lines.append(f"      … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


# axe 4.x no longer reports duplicate ids under the WCAG tags (HTML parsers cope), but a label's `for`
# or an aria reference pointing at the wrong one of two fields does not: checked here.
DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach(el => { (seen[el.id] = seen[el.id] || []).push(el.tagName.toLowerCase() + "#" + el.id); });
  return Object.values(seen).filter(els => els.length > 1).map(els => els[0]);
}"""


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _sidebar_focus_ring(tab) -> list[str]:
    """Tab (the keyboard, so :focus-visible applies) to the first sidebar link: its outline must be solid,
    at least 2px and ≥3:1 against the sidebar (WCAG 1.4.11 / 2.4.7)."""
    for _ in range(20):
        tab.keyboard.press("Tab")
        ring = tab.evaluate("""() => { const el = document.activeElement;
            if (!el || !el.closest('.mainnav')) return null;
            const s = getComputedStyle(el), side = getComputedStyle(el.closest('.sidebar'));
            return {visible: el.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, side: side.backgroundColor}; }""")
        if ring:
            break
    else:
        return ["no sidebar link reached with Tab"]
    a, b = sorted((_luminance(ring["color"]), _luminance(ring["side"])), reverse=True)
    ratio = (a + 0.05) / (b + 0.05)
    if not (ring["visible"] and ring["style"] != "none" and ring["width"] >= 2 and ratio >= 3):
        return [f"sidebar focus ring too faint: {ring}, contrast {ratio:.2f}:1"]
    return []


def _audit(axe, tab, where) -> list[dict]:
    found = []
    duplicates = tab.evaluate(DUPLICATE_IDS)
    if duplicates:
        found.append({"id": "duplicate-id", "impact": "serious", "help": "Ids must be unique on a page (several forms: prefix= or auto_id)",
                      "nodes": [{"target": [d]} for d in duplicates], "where": where, "width": "desktop"})
    for width, size in WIDTHS.items():
        tab.set_viewport_size(size)
        results = axe.run(tab, options=AXE_OPTIONS).response
        found += [{**v, "where": where, "width": width} for v in results["violations"]]
    return found


@pytest.mark.parametrize("business", list(PORTALS))
def test_every_main_screen_passes_axe_at_desktop_and_phone_widths(business, browser, live_server):
    from axe_playwright_python.sync_playwright import Axe

    _load(business)
    axe = Axe()
    violations, visited = [], 0
    for email, password, screens in PORTALS[business]:
        context = browser.new_context(viewport=WIDTHS["desktop"])
        context.set_default_timeout(10_000)
        try:
            tab = context.new_page()
            tab.route("**/api/v1/events/stream*", lambda route: route.fulfill(status=404, content_type="application/problem+json", body="{}"))
            tab.goto(f"{live_server.url}/login/")
            violations += _audit(axe, tab, f"{email} /login/") if email == PORTALS[business][0][0] else []
            tab.fill("input[name=email]", email)
            tab.fill("input[name=password]", password)
            tab.click("button[type=submit]")
            tab.wait_for_load_state()
            tab.set_viewport_size(WIDTHS["desktop"])
            assert "/login/" not in tab.url, f"{email} could not log in"
            if email == PORTALS[business][0][0]:
                faint = _sidebar_focus_ring(tab)
                violations += [{"id": "focus-ring", "impact": "serious", "help": faint[0], "nodes": [{"target": [".mainnav a"]}], "where": email, "width": "desktop"}] if faint else []
            done, links = set(), {}
            for screen in screens:
                path, patterns = (screen, ()) if isinstance(screen, str) else (screen[0], screen[1:])
                for pattern in patterns:  # each pattern: follow the first matching link of the page reached so far
                    if path not in links:
                        tab.goto(f"{live_server.url}{path}")
                        links[path] = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                    hrefs = links[path]
                    found = [h for h in hrefs if re.search(pattern, urljoin(path, h).split("?")[0])]
                    assert found, f"{email}: no link matching {pattern} on {path}"
                    path = urljoin(path, found[0])
                if path in done:
                    continue
                done.add(path)
                tab.set_viewport_size(WIDTHS["desktop"])
                response = tab.goto(f"{live_server.url}{path}")
                assert response is not None and response.status < 400, f"{email} {path} -> {response and response.status}"
                links[path] = tab.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
                violations += _audit(axe, tab, f"{email} {path}")
                visited += 1
        finally:
            context.close()
    assert visited >= 5
    assert not violations, f"{len(violations)} accessibility violations ({business}):\n" + _report(violations)

"""Role-aware navigation: the four portals (platform, business admin, staff, client)."""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from holdfast.core.accounts import selectors

PLATFORM, ADMIN, STAFF, CLIENT, NONE = "platform", "admin", "staff", "client", "none"
PORTAL_LABELS = {PLATFORM: "Platform admin", ADMIN: "Business admin", STAFF: "Staff", CLIENT: "Client portal", NONE: "No business"}


def portal_for(user, tenant) -> str:
    if tenant is None:
        return PLATFORM if selectors.is_platform_admin(user) else NONE
    key = selectors.role_key_in(user, tenant)
    if key is None:
        return PLATFORM if selectors.is_platform_admin(user) else NONE
    if key == "customer" or selectors.has_perm(user, tenant, "portal.use") and not selectors.has_perm(user, tenant, "dashboard.view"):
        return CLIENT
    if key in ("admin", "manager") or selectors.has_perm(user, tenant, "members.manage"):
        return ADMIN
    return STAFF


BUSINESS = {ADMIN, STAFF, PLATFORM}
PINNED = {"accounts:settings"}
WORK, ADMINISTRATION = "Work", "Administration"


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None
    portals: frozenset
    section: str = WORK
    vertical: str | None = None  # shown only when the tenant enables this vertical
    after: str | None = None  # an app item may sit right after another item (by url name) of its section


def item(label, url_name, perm, portals, section=WORK, vertical=None, after=None) -> NavItem:
    return NavItem(label, url_name, perm, frozenset(portals), section, vertical, after)


# Names of apps not built yet are skipped (NoReverseMatch), so the list can name what is coming.
NAV_ITEMS = [
    item("Platform", "web:platform", "platform.view_all", {PLATFORM, ADMIN, STAFF, CLIENT, NONE}),
    item("Dashboard", "web:home", None, {ADMIN, STAFF}),
    item("My portal", "web:home", "portal.use", {CLIENT}),
    item("Customers", "customers:list", "customers.view", BUSINESS),
    item("Bookings", "bookings:list", "bookings.view", BUSINESS),
    item("Inventory", "inventory:home", "inventory.view", BUSINESS),
    item("Invoices", "billing:invoices", "billing.view", BUSINESS),
    item("Notifications", "events:notifications", "notifications.view", {ADMIN, STAFF, CLIENT}),
    item("Team", "accounts:members", "members.view", {ADMIN, PLATFORM}, ADMINISTRATION),
    item("Roles", "accounts:roles", "members.view", {ADMIN, PLATFORM}, ADMINISTRATION),
    item("Webhooks", "events:webhooks", "webhooks.manage", {ADMIN}, ADMINISTRATION),
    item("API tokens", "accounts:tokens", "tokens.manage", {ADMIN}, ADMINISTRATION),
    item("Audit", "audit:trail", "audit.view", {ADMIN, PLATFORM}, ADMINISTRATION),
    item("Logs", "audit:logs", "logs.view", {ADMIN}, ADMINISTRATION),
    item("System logs", "web:platform_logs", "platform.view_logs", {PLATFORM}, ADMINISTRATION),
    item("Settings", "accounts:settings", "tenant.view", {ADMIN, PLATFORM}, ADMINISTRATION),
]


def contributed_items() -> list[NavItem]:
    """Items apps declare as plain data on their AppConfig (core must not import the web shell):

        nav_items = [{"label": "Stays", "url": "hotel:stays", "perm": "hotel.view",
                      "portals": ["admin", "staff"], "vertical": "hotel"}]

    Optional keys: "section" (default Work) and "after" (the url name of an item to follow).
    """
    found = []
    for config in apps.get_app_configs():
        for spec in getattr(config, "nav_items", None) or []:
            found.append(item(spec["label"], spec["url"], spec.get("perm"), spec.get("portals") or BUSINESS,
                              spec.get("section", WORK), spec.get("vertical"), spec.get("after")))
    return found


def _placed(base: list[NavItem], extra: list[NavItem]) -> list[NavItem]:
    """App items go after their `after` anchor (in declaration order) or at the end; the section
    sort in navigation_for then keeps Work before Administration whatever the app order."""
    entries = list(base)
    for entry in extra:
        anchor = next((i for i, e in enumerate(entries) if entry.after and e.url_name == entry.after and e.section == entry.section), None)
        if anchor is None:
            entries.append(entry)
            continue
        position = anchor + 1
        while position < len(entries) and entries[position].after == entry.after:
            position += 1
        entries.insert(position, entry)
    return entries


def _unwrap(tenant):
    if not tenant:
        return None
    return getattr(tenant, "_wrapped", tenant)


def navigation_for(request) -> dict:
    user, tenant = request.user, _unwrap(getattr(request, "tenant", None))
    portal = portal_for(user, tenant)
    items = []
    seen = set()
    known = {i.url_name for i in NAV_ITEMS}
    for entry in _placed(NAV_ITEMS, [i for i in contributed_items() if i.url_name not in known]):
        if portal not in entry.portals:
            continue
        if entry.vertical and (tenant is None or not tenant.has_vertical(entry.vertical)):
            continue
        if entry.perm and not selectors.has_perm(user, tenant, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        if url in seen:
            continue
        seen.add(url)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        # Pinned items sit in the sidebar's foot beside Log out, so they are on screen however long the list is.
        items.append({"label": entry.label, "url": url, "active": active, "section": entry.section, "pinned": entry.url_name in PINNED})
    # Work first, then Administration, then any other section an app names (stable within each).
    order = {WORK: 0, ADMINISTRATION: 2}
    items.sort(key=lambda i: order.get(i["section"], 1))
    # The longest matching prefix wins, so /audit/logs/ does not also light up /audit/.
    lit = [i for i in items if i["active"]]
    if len(lit) > 1:
        best = max(lit, key=lambda i: len(i["url"]))
        for item in lit:
            item["active"] = item is best
    if portal == PLATFORM and request.path == "/":
        for item in items:
            item["active"] = item["label"] == "Platform"
    return {"portal": portal, "portal_label": PORTAL_LABELS[portal], "nav_items": items, "user_tenants": list(selectors.tenants_for(user)[:50]),
            "live_url": live_url_for(user, tenant), "notifications_url": _reverse_or_none("events:notifications")}


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def live_url_for(user, tenant) -> str | None:
    """The SSE feed URL when this user may read it (the feed checks dashboard.view), else None so the
    page does not knock on a door that answers 403."""
    if tenant is None or not selectors.has_perm(user, tenant, "dashboard.view"):
        return None
    try:
        return reverse("api:live_feed")
    except NoReverseMatch:
        return None

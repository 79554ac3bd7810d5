"""Role-aware navigation: the four portals (platform, business admin, staff, client)."""
from __future__ import annotations

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

# (label, url name, permission or None, portals). Names of apps not built yet are skipped.
NAV_ITEMS = [
    ("Platform", "web:platform", "platform.view_all", {PLATFORM, ADMIN, STAFF, CLIENT, NONE}),
    ("Dashboard", "web:home", None, {ADMIN, STAFF}),
    ("My portal", "web:home", "portal.use", {CLIENT}),
    ("Customers", "customers:list", "customers.view", BUSINESS),
    ("Team", "accounts:members", "members.view", {ADMIN, PLATFORM}),
    ("Roles", "accounts:roles", "members.view", {ADMIN, PLATFORM}),
    ("Notifications", "events:notifications", "notifications.view", {ADMIN, STAFF, CLIENT}),
    ("Webhooks", "events:webhooks", "webhooks.manage", {ADMIN}),
    ("API tokens", "accounts:tokens", "tokens.manage", {ADMIN}),
    ("Audit", "audit:trail", "audit.view", {ADMIN, PLATFORM}),
    ("Logs", "audit:logs", "logs.view", {ADMIN}),
    ("System logs", "web:platform_logs", "platform.view_logs", {PLATFORM}),
    ("Settings", "accounts:settings", "tenant.view", {ADMIN, PLATFORM}),
]


def _unwrap(tenant):
    if not tenant:
        return None
    return getattr(tenant, "_wrapped", tenant)


def navigation_for(request) -> dict:
    user, tenant = request.user, _unwrap(getattr(request, "tenant", None))
    portal = portal_for(user, tenant)
    items = []
    seen = set()
    for label, name, perm, portals in NAV_ITEMS:
        if portal not in portals:
            continue
        if perm and not selectors.has_perm(user, tenant, perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        if url in seen:
            continue
        seen.add(url)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"label": label, "url": url, "active": active})
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

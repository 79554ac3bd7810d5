"""Role-aware navigation: the four portals (platform, business admin, staff, client)."""
from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from holdfast.core.accounts import selectors


def portal_for(user, tenant) -> str:
    if tenant is None:
        return "platform" if selectors.is_platform_admin(user) else "none"
    key = selectors.role_key_in(user, tenant)
    if key is None:
        return "platform" if selectors.is_platform_admin(user) else "none"
    if key == "customer" or selectors.has_perm(user, tenant, "portal.use") and not selectors.has_perm(user, tenant, "dashboard.view"):
        return "client"
    if key in ("admin", "manager") or selectors.has_perm(user, tenant, "members.manage"):
        return "admin"
    return "staff"


# (label, url name, permission or None, portals)
NAV_ITEMS = [
    ("Platform", "web:platform", "platform.view_all", {"platform", "admin", "staff", "client", "none"}),
    ("Dashboard", "web:home", None, {"admin", "staff"}),
    ("My portal", "web:home", "portal.use", {"client"}),
    ("Customers", "web:customers", "customers.view", {"admin", "staff"}),
    ("Team", "web:members", "members.view", {"admin"}),
    ("Audit", "web:audit", "audit.view", {"admin"}),
    ("Notifications", "web:notifications", "notifications.view", {"admin", "staff", "client"}),
    ("Settings", "web:settings", "tenant.manage", {"admin"}),
]


def navigation_for(request) -> dict:
    user, tenant = request.user, getattr(request, "tenant", None) or None
    portal = portal_for(user, tenant)
    items = []
    for label, name, perm, portals in NAV_ITEMS:
        if portal not in portals:
            continue
        if perm and not selectors.has_perm(user, tenant, perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {"portal": portal, "nav_items": items, "user_tenants": list(selectors.tenants_for(user)[:50])}

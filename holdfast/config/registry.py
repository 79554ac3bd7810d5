"""Where optional apps (engine, billing, verticals) plug their API routers and web URLs in.

Each entry is a dotted path; a module that does not exist yet is simply skipped, so an app can be
added by creating its `api.py` / `urls.py` without editing shared files.
"""
from __future__ import annotations

import importlib

API_ROUTERS = [
    ("/v1/inventory", "holdfast.core.inventory.api"),
    ("/v1/bookings", "holdfast.core.bookings.api"),
    ("/v1/billing", "holdfast.core.billing.api"),
    ("/v1/estate", "holdfast.verticals.estate.api"),
    ("/v1/apartments", "holdfast.verticals.apartments.api"),
    ("/v1/storage", "holdfast.verticals.storage.api"),
    ("/v1/petcare", "holdfast.verticals.petcare.api"),
    ("/v1/hotel", "holdfast.verticals.hotel.api"),
]

WEB_URLCONFS = [
    ("events/", "holdfast.core.events.urls"),
    ("customers/", "holdfast.core.customers.urls"),
    ("accounts/", "holdfast.core.accounts.urls"),
    ("audit/", "holdfast.core.audit.urls"),
    ("inventory/", "holdfast.core.inventory.urls"),
    ("bookings/", "holdfast.core.bookings.urls"),
    ("billing/", "holdfast.core.billing.urls"),
    ("estate/", "holdfast.verticals.estate.urls"),
    ("apartments/", "holdfast.verticals.apartments.urls"),
    ("storage/", "holdfast.verticals.storage.urls"),
    ("petcare/", "holdfast.verticals.petcare.urls"),
    ("hotel/", "holdfast.verticals.hotel.urls"),
]


def _vertical_of(module_path: str) -> str | None:
    parts = module_path.split(".")
    return parts[2] if parts[:2] == ["holdfast", "verticals"] and len(parts) > 2 else None


# (path prefix, vertical) for every vertical's API router and screens: a tenant that has not enabled the
# vertical gets 404 on all of them (holdfast.core.tenancy.middleware.VerticalGuardMiddleware).
VERTICAL_PREFIXES = tuple(
    [(f"/api{prefix}/", v) for prefix, path in API_ROUTERS if (v := _vertical_of(path))]
    + [(f"/{prefix}", v) for prefix, path in WEB_URLCONFS if (v := _vertical_of(path))]
)


def vertical_of_path(path: str) -> str | None:
    """The vertical whose API or screens `path` belongs to, or None for shared paths."""
    for prefix, vertical in VERTICAL_PREFIXES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return vertical
    return None


def _optional(module_path: str):
    try:
        return importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name == module_path or module_path.startswith(str(exc.name) + "."):
            return None
        raise


def extra_routers():
    for prefix, path in API_ROUTERS:
        module = _optional(path)
        if module is not None and hasattr(module, "router"):
            yield prefix, module.router


def extra_urlconfs():
    for prefix, path in WEB_URLCONFS:
        module = _optional(path)
        if module is not None:
            yield prefix, path

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

"""Extension points other apps plug into billing without billing importing them.

The booking engine (or a vertical) registers a cancellation check so that a payment arriving for a
cancelled booking is kept and flagged for refund instead of being applied:

    from holdfast.core.billing.hooks import register_cancellation_check
    register_cancellation_check(lambda tenant, source, booking_id: ...)   # True when cancelled
"""
from __future__ import annotations

from collections.abc import Callable

CANCELLATION_CHECKS: list[Callable] = []


def register_cancellation_check(fn: Callable) -> Callable:
    if fn not in CANCELLATION_CHECKS:
        CANCELLATION_CHECKS.append(fn)
    return fn


def booking_is_cancelled(tenant, source: str, booking_id) -> bool:
    if booking_id is None:
        return False
    return any(check(tenant, source, booking_id) for check in CANCELLATION_CHECKS)


# A vertical names the staff behind its invoice lines (`staff_id` is the vertical's own id — a walker,
# an agent), so the business-wide finance screen can say who earned what:
#     register_staff_names(lambda tenant, ids: {walker.pk: walker.name for walker in ...})
STAFF_NAMERS: list[Callable] = []


def register_staff_names(fn: Callable) -> Callable:
    if fn not in STAFF_NAMERS:
        STAFF_NAMERS.append(fn)
    return fn


def staff_names(tenant, ids) -> dict:
    ids = {i for i in ids if i is not None}
    names: dict = {}
    for namer in STAFF_NAMERS:
        if ids - set(names):
            names.update(namer(tenant, ids - set(names)) or {})
    return names

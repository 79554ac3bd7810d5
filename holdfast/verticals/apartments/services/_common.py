from __future__ import annotations

from django.db import connection

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.bookings import services as engine
from holdfast.kit.errors import ValidationFailed
from holdfast.kit.locking import is_postgres, set_lock_timeout

CONSTRAINT_MESSAGES = {
    **engine.CONSTRAINT_MESSAGES,
    "booking_one_active_per_key": "This apartment already has a live booking.",
    "apartments_category_name_unique": "A category with that name already exists.",
    "apartments_booking_addon_once": "That addon is already on the booking.",
}


def check(actor, tenant, code: str) -> None:
    if actor is not None:
        require_perm(actor, tenant, code)


def minor(name: str, value, *, errors: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**13:
        errors[name] = ["A whole number of minor units, 0 or more."]
        return None
    return value


def positive(name: str, value, *, errors: dict, upper: int = 10_000) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > upper:
        errors[name] = [f"A whole number from 1 to {upper}."]
        return None
    return value


def text(name: str, value, *, errors: dict, max_length: int = 200, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        errors[name] = ["Required."]
    elif len(value) > max_length:
        errors[name] = [f"At most {max_length} characters."]
    return value


def refuse(errors: dict, what: str) -> None:
    if errors:
        raise ValidationFailed(f"The {what} was not saved.", fields=errors)


PRICING_LOCK = 0x41505453  # "APTS": the first key of the tenant's pricing advisory lock


def pricing_lock(tenant, *, exclusive: bool = False) -> None:
    """Taken first in a transaction, before any row lock. A price change holds it exclusively; every
    step that reads catalogue prices into a booking (configure, confirm, approve, …) holds it shared.
    So a cascade never misses a booking configured meanwhile from the old price, never reprices one
    approved meanwhile, and the two never deadlock on booking vs catalogue rows. On timeout the
    database's lock_timeout answers busy (503 busy_retry). SQLite serialises writes already."""
    if not is_postgres():
        return
    set_lock_timeout()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock{'' if exclusive else '_shared'}(%s, %s)", [PRICING_LOCK, tenant.pk % 2**31])

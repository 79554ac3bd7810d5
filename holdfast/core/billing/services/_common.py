"""Helpers shared by the billing services (not a public API)."""
from __future__ import annotations

import datetime as dt

from holdfast.core.bookings.models import Booking
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import ValidationFailed
from holdfast.kit.locking import set_lock_timeout


def actor_label(actor) -> str:
    return str(getattr(actor, "email", None) or actor or "system")[:200]


def tenant_today(tenant, at: dt.datetime | None = None) -> dt.date:
    """Business dates (issue, due, overdue) are days in the tenant's time zone."""
    return clock.local_today(tenant.time_zone or "UTC", at)


def currency_of(tenant, currency: str | None) -> str:
    value = (currency or tenant.currency or "").upper()
    if len(value) != 3 or not value.isalpha():
        raise ValidationFailed("Not an ISO currency code.", fields={"currency": ["Use a three-letter ISO code such as EUR."]})
    return value


# Far above any real invoice line, far below PostgreSQL's bigint (9.2e18): products and sums of amounts
# under this bound cannot overflow a column.
MAX_MINOR = 10**15


def require_positive(name: str, value, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} must be a whole number of minor units.", fields={name: ["Give an integer amount in minor units (cents)."]})
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed(f"{name} must be {'zero or more' if allow_zero else 'more than zero'}.", fields={name: ["Must be positive."]})
    if value > MAX_MINOR:
        raise ValidationFailed(f"{name} is too large.", fields={name: [f"At most {MAX_MINOR}."]})
    return value


def lock_rows(queryset):
    """Lock rows for this transaction in ascending id order, waiting at most the lock timeout."""
    set_lock_timeout()
    return list(queryset.select_for_update().order_by("pk"))


def tenant_booking_id(tenant, booking_id) -> int | None:
    """The tenant's core booking (404 for a foreign or missing one, 422 for no id at all); None stays None.
    Checked up front: the foreign key itself would only refuse at commit."""
    if booking_id in (None, ""):
        return None
    if isinstance(booking_id, bool) or not isinstance(booking_id, int) or booking_id < 1:
        raise ValidationFailed("Not a booking id.", fields={"booking_id": ["A positive booking id."]})
    return get_owned(Booking, tenant, booking_id, what="booking").pk


def known_booking_id(tenant, booking_id) -> int | None:
    """For ids copied from elsewhere (an invoice, a quote): the booking when it is one of the tenant's, else None."""
    if not isinstance(booking_id, int) or isinstance(booking_id, bool):
        return None
    return booking_id if Booking.objects.for_tenant(tenant).filter(pk=booking_id).exists() else None


def notify_customer_users(tenant, customer, *, event_type: str, title: str, body: str = "", data: dict | None = None) -> int:
    """Store a notification (seed 003 §7: clients are told of reminders and invoices as rows they see in
    the UI) for the portal user(s) linked to `customer`, in the caller's transaction. Any vertical's
    customer: no linked or no active user, nothing is stored. No email here: billing mails the
    customer's own address itself, after commit. Returns how many were stored."""
    from holdfast.core.events.services import notify_many

    users = [u for u in [getattr(customer, "user", None)] if u is not None and u.is_active]
    return notify_many(tenant, users, event_type=event_type, title=title, body=body, data=data) if users else 0

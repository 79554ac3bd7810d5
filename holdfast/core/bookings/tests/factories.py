"""Factories for bookings. Prefer `create_booking` (services) when the hold matters."""
from __future__ import annotations

import factory

from holdfast.core.bookings.models import Booking, BookingStatusHistory
from tests.factories import TenantFactory


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row without inventory (for list/permission tests)."""

    class Meta:
        model = Booking

    tenant = factory.SubFactory(TenantFactory)
    flow = "generic"
    status = "HELD"


class BookingStatusHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingStatusHistory

    booking = factory.SubFactory(BookingFactory)
    tenant = factory.LazyAttribute(lambda o: o.booking.tenant)
    from_status = ""
    to_status = factory.LazyAttribute(lambda o: o.booking.status)
    transition = "create"

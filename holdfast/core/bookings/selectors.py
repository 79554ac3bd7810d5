"""Booking reads, tenant-scoped."""
from __future__ import annotations

from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource, Site
from holdfast.core.tenancy.selectors import get_owned, require_owned

from .models import Booking, BookingStatusHistory


def bookings(tenant, *, status: str | None = None, flow: str | None = None, customer_id: int | None = None, resource_id: int | None = None, site_id: int | None = None):
    require_owned(tenant, (Customer, customer_id), (Resource, resource_id), (Site, site_id))
    qs = Booking.objects.for_tenant(tenant).select_related("hold")
    if status:
        qs = qs.filter(status=status)
    if flow:
        qs = qs.filter(flow=flow)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if resource_id:
        qs = qs.filter(resource_id=resource_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    return qs


def get_booking(tenant, pk) -> Booking:
    return get_owned(Booking.objects.select_related("hold"), tenant, pk, what="booking")


def history(tenant, booking_id: int):
    booking = get_booking(tenant, booking_id)
    return BookingStatusHistory.objects.filter(booking=booking).order_by("id")

"""Bookings: one record per sale of inventory, moved through a vertical's flow (flows.py).

A booking claims inventory through its hold (holdfast.core.inventory.Hold): resources over a
period, or a quantity of a pool over dates. Its status is a plain string owned by its flow; every
change writes one append-only BookingStatusHistory row in the same transaction.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import CapacityPool, Hold, Resource, Site
from holdfast.core.tenancy.models import TenantOwned


class Booking(TenantOwned):
    flow = models.CharField(max_length=40, default="generic")
    status = models.CharField(max_length=40)
    reference = models.CharField(max_length=40, blank=True, default="")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)  # NULL with a resource: sold for good
    pool = models.ForeignKey(CapacityPool, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    quantity = models.PositiveIntegerField(default=0)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    notes = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)  # a vertical's extra fields
    # Set by the flow while the booking is in one of its `exclusive` states (e.g. "resource:42"), NULL
    # otherwise: the partial unique index below is a flow-defined "one active booking per resource".
    exclusive_key = models.CharField(max_length=80, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status"], name="booking_status_idx"),
            models.Index(fields=["tenant", "resource", "starts_at"], name="booking_resource_idx"),
            models.Index(fields=["tenant", "customer"], name="booking_customer_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "exclusive_key"], condition=Q(exclusive_key__isnull=False), name="booking_one_active_per_key"),
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="booking_period_not_empty"),
            models.CheckConstraint(condition=Q(pool__isnull=True) | (Q(quantity__gt=0) & Q(end_date__gt=F("start_date"))), name="booking_quantity_range"),
        ]

    def __str__(self) -> str:
        return self.reference or f"Booking {self.pk}"


class BookingStatusHistory(TenantOwned):
    """Append-only: one row per status change (the creation is the change from '')."""

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=40, blank=True, default="")
    to_status = models.CharField(max_length=40)
    transition = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, default="system")
    reason = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["booking_id", "id"]
        indexes = [models.Index(fields=["booking", "id"], name="booking_history_idx")]

"""Inventory: sites, resources, blocks over periods, daily capacity pools, and holds.

Two ways to sell something scarce:
- exclusive resources (a unit, an apartment, a room, a staff member's time): a resource is
  occupied by *blocks* over half-open periods [starts_at, ends_at); ends_at NULL = for good.
  On PostgreSQL an exclusion constraint (migration 0002) forbids two active blocks of one
  resource overlapping; on SQLite the service checks under the serialised write lock.
- quantities (pallets per day): *daily capacity* rows per pool and date with capacity / occupied /
  held counters and CHECK (occupied + held <= capacity).

A *hold* is the claim a sale starts with: it owns its blocks (kind HOLD) or a quantity over a date
range of a pool (counted in `held`). Converting turns it into the booking's claim (blocks kind
BOOKING, quantity counted in `occupied`); releasing or expiring gives everything back.
"""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from holdfast.core.tenancy.models import TenantOwned
from holdfast.kit import clock


class Site(TenantOwned):
    PROJECT, FACILITY, PROPERTY, SERVICE_AREA, OTHER = "PROJECT", "FACILITY", "PROPERTY", "SERVICE_AREA", "OTHER"
    KINDS = [(PROJECT, "Real-estate project"), (FACILITY, "Storage facility"), (PROPERTY, "Hotel property"), (SERVICE_AREA, "Service area"), (OTHER, "Other")]
    ACTIVE, INACTIVE, ARCHIVED = "ACTIVE", "INACTIVE", "ARCHIVED"
    STATUSES = [(ACTIVE, "Active"), (INACTIVE, "Inactive"), (ARCHIVED, "Archived")]

    kind = models.CharField(max_length=20, choices=KINDS, default=OTHER)
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=40, blank=True, default="")
    address = models.JSONField(default=dict, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    status = models.CharField(max_length=12, choices=STATUSES, default=ACTIVE)
    opening_hours = models.JSONField(default=dict, blank=True)  # {"mon": [["08:00","18:00"]], ...}
    cutoff_time = models.TimeField(null=True, blank=True)  # same-day bookings close at this local time
    media = models.JSONField(default=list, blank=True)  # [{"url": ..., "caption": ...}]
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="site_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180), name="site_longitude_range"),
        ]

    def __str__(self) -> str:
        return self.name


class ResourceType(TenantOwned):
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="resource_types")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=40, blank=True, default="")
    max_occupancy = models.PositiveIntegerField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Resource(TenantOwned):
    AVAILABLE, OUT_OF_SERVICE, RETIRED = "AVAILABLE", "OUT_OF_SERVICE", "RETIRED"
    STATUSES = [(AVAILABLE, "Available"), (OUT_OF_SERVICE, "Out of service"), (RETIRED, "Retired")]

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="resources")
    resource_type = models.ForeignKey(ResourceType, null=True, blank=True, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=16, choices=STATUSES, default=AVAILABLE)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site_id", "name", "id"]
        indexes = [models.Index(fields=["tenant", "site", "resource_type"], name="resource_site_type_idx")]

    def __str__(self) -> str:
        return self.name


class CapacityPool(TenantOwned):
    """A quantity sold per day (pallet positions of a facility, seats of a class)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="pools")
    name = models.CharField(max_length=120)
    unit = models.CharField(max_length=40, default="units")
    default_capacity = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DailyCapacity(TenantOwned):
    pool = models.ForeignKey(CapacityPool, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    capacity = models.IntegerField(default=0)
    occupied = models.IntegerField(default=0)
    held = models.IntegerField(default=0)
    # Per-day policies of what is sold on this day (seed 002 ADR-S003: a slot's deposit, cancellation
    # and prepayment rules). A booking reads them from its first day; amounts are minor units of the
    # pool's business currency. cancellation_window + cancellation_unit: how long before the first day
    # a cancellation is still free when `free_cancellation` is set (0/None = any time before it starts).
    HOURS, DAYS = "HOURS", "DAYS"
    CANCELLATION_UNITS = [(HOURS, "Hours"), (DAYS, "Days")]
    deposit_required = models.BooleanField(default=False)
    deposit_minor = models.BigIntegerField(null=True, blank=True)
    free_cancellation = models.BooleanField(default=False)
    cancellation_minor = models.BigIntegerField(null=True, blank=True)
    cancellation_unit = models.CharField(max_length=5, choices=CANCELLATION_UNITS, blank=True, default="")
    cancellation_window = models.PositiveIntegerField(null=True, blank=True)
    prepayment_required = models.BooleanField(default=False)

    POLICY_FIELDS = ("deposit_required", "deposit_minor", "free_cancellation", "cancellation_minor", "cancellation_unit", "cancellation_window", "prepayment_required")

    class Meta:
        ordering = ["pool_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "date"], name="daily_capacity_one_per_day"),
            models.CheckConstraint(condition=Q(occupied__gte=0) & Q(held__gte=0) & Q(capacity__gte=0), name="daily_capacity_non_negative"),
            models.CheckConstraint(condition=Q(occupied__lte=F("capacity") - F("held")), name="daily_capacity_not_oversold"),
            models.CheckConstraint(condition=(Q(deposit_minor__isnull=True) | Q(deposit_minor__gte=0)) & (Q(cancellation_minor__isnull=True) | Q(cancellation_minor__gte=0)),
                                   name="daily_capacity_policy_amounts_nonneg"),
        ]

    def policy(self) -> dict:
        return {k: getattr(self, k) for k in self.POLICY_FIELDS}

    @property
    def remaining(self) -> int:
        return self.capacity - self.occupied - self.held


class Hold(TenantOwned):
    """A claim on inventory: blocks of resources, or a quantity of a pool over [start_date, end_date)."""

    ACTIVE, CONVERTED, RELEASED, EXPIRED = "ACTIVE", "CONVERTED", "RELEASED", "EXPIRED"
    STATUSES = [(ACTIVE, "Held"), (CONVERTED, "Booked"), (RELEASED, "Released"), (EXPIRED, "Expired")]

    status = models.CharField(max_length=10, choices=STATUSES, default=ACTIVE)
    expires_at = models.DateTimeField(null=True, blank=True)  # NULL once converted
    extensions = models.PositiveIntegerField(default=0)
    pool = models.ForeignKey(CapacityPool, null=True, blank=True, on_delete=models.PROTECT, related_name="holds")
    quantity = models.PositiveIntegerField(default=0)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="hold_status_expiry_idx"),
            models.Index(fields=["pool", "status", "start_date"], name="hold_pool_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="ACTIVE") | Q(expires_at__isnull=False), name="hold_active_expires"),
            models.CheckConstraint(condition=Q(pool__isnull=True) | (Q(quantity__gt=0) & Q(end_date__gt=F("start_date"))), name="hold_quantity_range"),
        ]

    @property
    def holds_capacity(self) -> bool:
        return self.pool_id is not None

    def is_expired(self, at=None) -> bool:
        return self.status == self.ACTIVE and self.expires_at is not None and self.expires_at <= (at or clock.now())


class Block(TenantOwned):
    HOLD, BOOKING, MAINTENANCE, HOUSE_USE = "HOLD", "BOOKING", "MAINTENANCE", "HOUSE_USE"
    KINDS = [(HOLD, "Hold"), (BOOKING, "Booking"), (MAINTENANCE, "Maintenance"), (HOUSE_USE, "House use")]

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="blocks")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)  # NULL: occupied for good (a unit sold)
    kind = models.CharField(max_length=12, choices=KINDS)
    active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # copied from the hold: availability ignores expired ones
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.PROTECT, related_name="blocks")
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resource_id", "starts_at"]
        indexes = [
            models.Index(fields=["resource", "active", "starts_at"], name="block_resource_active_idx"),
            models.Index(fields=["tenant", "active", "starts_at"], name="block_tenant_active_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="block_period_not_empty"),
            models.CheckConstraint(condition=~Q(kind="HOLD") | Q(hold__isnull=False), name="block_hold_has_hold"),
        ]

"""Storage (seed 002): a pallet-storage booking platform on the booking engine and billing.

Where each seed table lives:
- Companies (S001) = Company, here. Dual ids: the internal `id` and the business `company_id`.
- Facilities (S002) = Facility here + its engine Site (kind FACILITY: name, address JSON with line1,
  line2, city, state, country, postal_code; latitude/longitude; time zone; opening hours; cut-off
  time) + its engine CapacityPool (the pallet positions sold per day).
- Slots (S003) = the pool's DailyCapacity rows (capacity / occupied / held, CHECK occupied + held <=
  capacity, one row per day) with their per-day deposit, cancellation and prepayment policies (core).
- Feature, FacilityFeatures (S004) = Feature, FacilityFeature, here.
- FeaturePricing (S005), PricingBase (S006) = billing PriceRules of the facility's site: product code
  `base` for the per-pallet base rate, the feature's code for a feature; PALLET_PER_DAY is billing's
  PER_UNIT_PER_DAY. Overlapping effective periods follow billing's one documented overlap rule.
- BookingPricing (S007) = the billing PriceQuote of the booking (source "storage.booking") and its
  PriceLines: one per rate period (rate × pallets × days = subtotal), feature lines, tax per line;
  re-priced while HELD, locked (snapshot) at confirmation.
- Bookings (S008) = StorageBooking here, keyed on the engine Booking (same primary key, flow
  "storage"), whose status (NEW / HELD / CONFIRMED / CANCELLED / EXPIRED), pool, quantity (pallets),
  start_date (check-in) and end_date (check-out, exclusive) are the stored truth.
- BookingHolds (S009) = the engine Hold of the booking (held until = expires_at, status, reason).
- BookingStatusHistory (S010) = the engine's BookingStatusHistory (append-only, trigger on PostgreSQL).
- GlobalTax (S011) = billing TaxRules, resolved from the facility's country and state.
- Invoices and Receipts (S012) = billing Invoices and RECEIVED Payments with allocations.
- FacilityMedia (S013) = FacilityMedia here, files through Django's storage API.
"""
from __future__ import annotations

import time

from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import CapacityPool, Site
from holdfast.core.tenancy.models import TenantOwned

NEW, HELD, CONFIRMED, CANCELLED, EXPIRED = "NEW", "HELD", "CONFIRMED", "CANCELLED", "EXPIRED"
BOOKING_STATES = [NEW, HELD, CONFIRMED, CANCELLED, EXPIRED]
ACTIVE_STATES = [HELD, CONFIRMED]
SOURCE = "storage.booking"  # billing's source for quotes, items, invoices and payments of storage bookings


def unix_now() -> int:
    return int(time.time())


class Audited(TenantOwned):
    """The seed's standard audit fields: soft delete, unix timestamps for external systems, database times."""

    is_deleted = models.BooleanField(default=False)
    created_ts = models.BigIntegerField(default=unix_now)
    updated_ts = models.BigIntegerField(default=unix_now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_ts = unix_now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "updated_ts", "updated_at"}
        super().save(*args, **kwargs)


class Company(Audited):
    organization_id = models.CharField(max_length=100, blank=True, default="")  # external system reference
    company_id = models.CharField(max_length=40)  # business-friendly identifier
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=120, blank=True, default="")
    state = models.CharField(max_length=120, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    postal_code = models.CharField(max_length=20, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    contact_email = models.EmailField(blank=True, default="")
    contact_phone = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "company_id"], name="storage_company_id_unique")]
        indexes = [models.Index(fields=["tenant", "company_id"], name="storage_company_bid_idx")]

    def __str__(self) -> str:
        return self.name


class Facility(Audited):
    ACTIVE, INACTIVE, MAINTENANCE = "ACTIVE", "INACTIVE", "MAINTENANCE"
    STATUSES = [(ACTIVE, "Active"), (INACTIVE, "Inactive"), (MAINTENANCE, "Maintenance")]

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="storage_facility")
    pool = models.OneToOneField(CapacityPool, on_delete=models.PROTECT, related_name="storage_facility")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="facilities")
    facility_id = models.CharField(max_length=40)  # business-friendly identifier
    description = models.TextField(blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    contact_phone = models.CharField(max_length=40, blank=True, default="")
    pallet_type = models.CharField(max_length=60, blank=True, default="Standard")
    max_pallet_height_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_pallet_width_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=12, choices=STATUSES, default=ACTIVE)
    is_featured = models.BooleanField(default=False)
    currency = models.CharField(max_length=3)
    hold_ttl_minutes = models.PositiveIntegerField(default=30)

    class Meta:
        ordering = ["-is_featured", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "facility_id"], name="storage_facility_id_unique"),
            models.CheckConstraint(condition=Q(status__in=["ACTIVE", "INACTIVE", "MAINTENANCE"]), name="storage_facility_known_status"),
            models.CheckConstraint(condition=(Q(max_pallet_height_cm__isnull=True) | Q(max_pallet_height_cm__gt=0)) & (Q(max_pallet_width_cm__isnull=True) | Q(max_pallet_width_cm__gt=0)),
                                   name="storage_facility_limits_positive"),
        ]

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def address(self) -> dict:
        return self.site.address or {}

    @property
    def country(self) -> str:
        return (self.address.get("country") or "").upper()

    @property
    def region(self) -> str:
        return self.address.get("state") or ""

    def __str__(self) -> str:
        return self.name


class Feature(Audited):
    feature_id = models.CharField(max_length=40)
    code = models.CharField(max_length=40)  # CCTV, COLD_STORAGE, ACCESS_24H …: the billing product code of its price
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="storage_feature_code_unique"),
            models.UniqueConstraint(fields=["tenant", "feature_id"], name="storage_feature_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityFeature(Audited):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="facility_features")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="facility_features")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["facility_id", "feature_id"]
        constraints = [models.UniqueConstraint(fields=["facility", "feature"], name="storage_facility_feature_unique")]


def media_path(instance, filename: str) -> str:
    return f"storage/{instance.tenant_id}/facilities/{instance.facility_id}/{filename}"


class FacilityMedia(Audited):
    PHOTO, DOCUMENT = "PHOTO", "DOCUMENT"
    KINDS = [(PHOTO, "Photo"), (DOCUMENT, "Document")]

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="media")
    file = models.FileField(upload_to=media_path, max_length=300)  # the file id: a name in Django's storage
    kind = models.CharField(max_length=10, choices=KINDS, default=PHOTO)
    caption = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["facility_id", "id"]


class StorageBooking(TenantOwned):
    """The storage side of an engine booking (same primary key, flow "storage").

    Status, pallets (quantity), check-in (start_date) and check-out (end_date, exclusive) are the engine
    booking's. The money policy is snapshotted from the first day's slot when the hold is placed."""

    booking = models.OneToOneField(Booking, primary_key=True, on_delete=models.PROTECT, related_name="storage")
    booking_ref = models.CharField(max_length=40)  # the seed's business bookingId
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="bookings")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="storage_bookings")
    features = models.JSONField(default=list, blank=True)  # feature codes booked
    pallet_height_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    pallet_width_cm = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    deposit_minor = models.BigIntegerField(default=0)  # received before confirmation (slot policy)
    prepayment_required = models.BooleanField(default=False)  # the whole total before confirmation
    policy = models.JSONField(default=dict, blank=True)  # the first day's slot policy at hold time
    cancellation_fee_minor = models.BigIntegerField(null=True, blank=True)  # charged when cancelled
    booking_ts = models.BigIntegerField(default=unix_now)  # the seed's bookingDate
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-booking_id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "booking_ref"], name="storage_booking_ref_unique"),
            models.CheckConstraint(condition=Q(deposit_minor__gte=0) & (Q(cancellation_fee_minor__isnull=True) | Q(cancellation_fee_minor__gte=0)), name="storage_booking_amounts_nonneg"),
        ]

    @property
    def id(self):
        return self.booking_id

    @property
    def status(self) -> str:
        return self.booking.status

    @property
    def pallets(self) -> int:
        return self.booking.quantity

    @property
    def check_in(self):
        return self.booking.start_date

    @property
    def check_out(self):
        return self.booking.end_date

    def __str__(self) -> str:
        return self.booking_ref

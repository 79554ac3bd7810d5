"""Petcare (seed 003): a dog-walking CRM on the booking engine and billing.

- Service = the catalogue (price, duration, active).
- Walker = a staff user's working time as an inventory Resource (one per user and business): a job
  assigned to a walker holds a block of that resource over the job's period, so the engine's exclusion
  constraint (btree_gist, active blocks of one resource never overlap) is "a staff member is never in
  two jobs at once", enforced by PostgreSQL. Weekly Availability and TimeOff are checked by the
  services (an admin may override, audited).
- ClientProfile = the petcare side of the shared Customer (vet details, emergency contact, onboarding,
  reactivation expiry); Dog = a client's dog.
- Job = the engine's Booking (same primary key, flow "petcare") + service, dogs, price snapshot and
  the seed's timestamps. Its status is the booking's: PENDING, BOOKED, COMPLETED, CANCELLED. The walker
  is the booking's resource (read it through Walker.resource), never a second copy.
- invoice_items, invoices and payments are billing's (source "petcare.job", source_ref "job:<id>"):
  billing's partial unique index on (source, source_ref) over non-void items is "one live invoice
  item per completed job".
- RecurringSeries = a weekly pattern whose occurrences are Jobs (Job.series).
- Feedback = what business users tell the platform (the Super Admin portal reads it).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource
from holdfast.core.tenancy.models import TenantOwned

PENDING, BOOKED, COMPLETED, CANCELLED = "PENDING", "BOOKED", "COMPLETED", "CANCELLED"
JOB_STATES = [PENDING, BOOKED, COMPLETED, CANCELLED]
ACTIVE_STATES = [PENDING, BOOKED]  # workload: jobs still to be done
ITEM_SOURCE = "petcare.job"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Service(TenantOwned):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    duration_minutes = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="petcare_service_name_unique"),
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="petcare_service_price_nonneg"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=5, duration_minutes__lte=24 * 60), name="petcare_service_duration_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Walker(TenantOwned):
    resource = models.OneToOneField(Resource, on_delete=models.PROTECT, related_name="petcare_walker")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="petcare_walkers")
    phone = models.CharField(max_length=40, blank=True, default="")
    bio = models.TextField(blank=True, default="")
    years_experience = models.PositiveIntegerField(default=0)
    skills = models.JSONField(default=list, blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="walkers")
    is_active = models.BooleanField(default=True)
    # Signed into the walker's iCal feed link; rotating the link bumps it, so every older link stops working.
    ical_token_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="petcare_walker_one_per_user")]

    def __str__(self) -> str:
        return self.resource.name


class Availability(TenantOwned):
    """A weekly window a walker works, in the business time zone (weekday 0 = Monday)."""

    walker = models.ForeignKey(Walker, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["walker_id", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="petcare_availability_weekday"),
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="petcare_availability_not_empty"),
        ]


class TimeOff(TenantOwned):
    REQUESTED, APPROVED, DECLINED = "REQUESTED", "APPROVED", "DECLINED"
    STATUSES = [(REQUESTED, "Requested"), (APPROVED, "Approved"), (DECLINED, "Declined")]

    walker = models.ForeignKey(Walker, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=STATUSES, default=REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="petcare_timeoff_not_empty")]


class ClientProfile(TenantOwned):
    ONBOARDING_STEPS = 4  # 1 contact, 2 address, 3 dogs, 4 vet + emergency contact

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="petcare_profile")
    vet_details = models.TextField(blank=True, default="")
    emergency_contact = models.CharField(max_length=300, blank=True, default="")
    onboarding_step = models.PositiveSmallIntegerField(default=1)
    reactivation_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(onboarding_step__gte=1, onboarding_step__lte=4), name="petcare_onboarding_step_range")]


class Dog(TenantOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="petcare_dogs")
    name = models.CharField(max_length=120)
    breed = models.CharField(max_length=120, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    vet_details = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RecurringSeries(TenantOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="petcare_series")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="series")
    walker = models.ForeignKey(Walker, null=True, blank=True, on_delete=models.PROTECT, related_name="series")
    weekdays = models.JSONField(default=list)  # [0..6], Monday = 0
    local_time = models.TimeField()  # wall-clock start in the business time zone (kept across DST)
    duration_minutes = models.PositiveIntegerField()
    starts_on = models.DateField()
    until = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    time_zone = models.CharField(max_length=64)
    price_minor = models.BigIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(until__isnull=False) | Q(count__isnull=False), name="petcare_series_has_end")]


class Job(TenantOwned):
    ACCEPTED, DECLINED = "ACCEPTED", "DECLINED"

    booking = models.OneToOneField(Booking, primary_key=True, on_delete=models.PROTECT, related_name="petcare_job")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="jobs")
    series = models.ForeignKey(RecurringSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="jobs")
    dogs = models.ManyToManyField(Dog, blank=True, related_name="jobs")
    price_minor = models.BigIntegerField(null=True, blank=True)  # the job's own price; NULL = the service's
    currency = models.CharField(max_length=3)
    walk_route = models.JSONField(default=list, blank=True)
    staff_response = models.CharField(max_length=10, blank=True, default="")  # the assigned walker's answer
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-booking_id"]
        constraints = [models.CheckConstraint(condition=Q(price_minor__isnull=True) | Q(price_minor__gte=0), name="petcare_job_price_nonneg")]

    @property
    def status(self) -> str:
        return self.booking.status

    @property
    def effective_price_minor(self) -> int:
        return self.price_minor if self.price_minor is not None else self.service.price_minor

    def __str__(self) -> str:
        return self.booking.reference or f"Job {self.pk}"


class Feedback(TenantOwned):
    NEW, READ = "NEW", "READ"
    CATEGORIES = [("BUG", "Something is broken"), ("IDEA", "An idea"), ("PRAISE", "Praise"), ("OTHER", "Other")]

    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField(max_length=10, choices=CATEGORIES, default="OTHER")
    message = models.TextField()
    status = models.CharField(max_length=6, default=NEW)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

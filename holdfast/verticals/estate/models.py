"""Estate (seed 000): a real-estate sales CRM on the booking engine.

- Project = an inventory Site (kind PROJECT) + sales fields (currency, the payment rule).
- Unit = an inventory Resource + a price and a status kept in step by the services
  (AVAILABLE / HELD / SOLD) so boards and filters need no join over blocks; the doctor
  checks it against the bookings.
- EstateBooking = the engine's Booking (same primary key, flow "estate") + the unit, customer and the
  price snapshot. The stored state is the engine booking's status (one of the seed's five; read it
  as `booking__status`, or `.status` on a row): "one active booking per unit" is the engine's partial
  unique index on Booking.exclusive_key, which the estate flow sets while a booking is
  HOLD_REQUESTED, HOLD_APPROVED or BOOKED (the unit's resource is the booking's resource — the
  doctor and the completion guard check that they agree). PAYMENT_PENDING, BOOKING_CONFIRMED and
  APPROVAL_IN_PROGRESS are derived in selectors.derived_status(), never stored.
- Payment / PaymentReminder (seed tables) are billing's: a billing Payment with source
  "estate.booking" bound to the engine booking (booking_id == the estate booking's pk; never to a
  unit: the unit is reached through the booking), EXPECTED with a due date or RECEIVED, its `kind`
  one of PAYMENT_KINDS; reminders are billing PaymentReminders on that payment, sent by billing's
  worker sweep. Estate's services keep estate's permissions and call billing's (services/money.py).
- Lead is not a customer: it may link to one verified customer (many leads per customer).
- Review targets exactly one of a project or an agent (CHECK), authored by a customer, moderated by staff.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource, Site
from holdfast.core.tenancy.models import TenantOwned

# Stored booking states (seed 000 §E) and the ones that block a unit.
HOLD_REQUESTED, HOLD_APPROVED, BOOKED, CANCELLED, EXPIRED = "HOLD_REQUESTED", "HOLD_APPROVED", "BOOKED", "CANCELLED", "EXPIRED"
BOOKING_STATES = [HOLD_REQUESTED, HOLD_APPROVED, BOOKED, CANCELLED, EXPIRED]
ACTIVE_STATES = [HOLD_REQUESTED, HOLD_APPROVED, BOOKED]

# Estate money is billing's Payment (see the module docstring): its source and estate's kinds.
PAYMENT_SOURCE = "estate.booking"
TOKEN, DOWN_PAYMENT, INSTALMENT, BALANCE = "TOKEN", "DOWN_PAYMENT", "INSTALMENT", "BALANCE"
PAYMENT_KINDS = [(TOKEN, "Token"), (DOWN_PAYMENT, "Down payment"), (INSTALMENT, "Instalment"), (BALANCE, "Balance")]


class Project(TenantOwned):
    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="estate_project")
    description = models.TextField(blank=True, default="")
    city = models.CharField(max_length=120, blank=True, default="")
    currency = models.CharField(max_length=3)
    # The payment rule: the share of the unit price received before a booking may complete.
    down_payment_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("10.00"))
    hold_ttl_minutes = models.PositiveIntegerField(default=3 * 24 * 60)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(down_payment_percent__gte=0) & Q(down_payment_percent__lte=100), name="estate_project_down_payment_range"),
        ]

    @property
    def name(self) -> str:
        return self.site.name

    def __str__(self) -> str:
        return self.name


class Unit(TenantOwned):
    AVAILABLE, HELD, SOLD = "AVAILABLE", "HELD", "SOLD"
    STATUSES = [(AVAILABLE, "Available"), (HELD, "Held"), (SOLD, "Sold")]

    resource = models.OneToOneField(Resource, on_delete=models.PROTECT, related_name="estate_unit")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="units")
    code = models.CharField(max_length=40)
    floor = models.IntegerField(null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(default=0)
    area_sqm = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=STATUSES, default=AVAILABLE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["project_id", "code", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="estate_unit_price_nonneg"),
            models.UniqueConstraint(fields=["project", "code"], name="estate_unit_code_per_project"),
        ]

    def __str__(self) -> str:
        return self.code


class EstateBooking(TenantOwned):
    """The estate side of an engine booking: exactly one unit and exactly one customer (NOT NULL)."""

    booking = models.OneToOneField(Booking, primary_key=True, on_delete=models.PROTECT, related_name="estate")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="estate_bookings")
    price_minor = models.BigIntegerField()  # the unit price when the hold was requested
    currency = models.CharField(max_length=3)
    required_minor = models.BigIntegerField()  # what the project's payment rule asks before completion
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-booking_id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gte=0) & Q(required_minor__gte=0), name="estate_booking_amounts_nonneg"),
        ]

    @property
    def id(self):
        return self.booking_id

    @property
    def status(self) -> str:
        """The stored state: the engine booking's (select_related("booking") where rows are listed)."""
        return self.booking.status

    def __str__(self) -> str:
        return f"Booking {self.booking_id}"


class Lead(TenantOwned):
    NEW, CONTACTED, QUALIFIED, WON, LOST = "NEW", "CONTACTED", "QUALIFIED", "WON", "LOST"
    STAGES = [(NEW, "New"), (CONTACTED, "Contacted"), (QUALIFIED, "Qualified"), (WON, "Won"), (LOST, "Lost")]

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    source = models.CharField(max_length=60, blank=True, default="")
    stage = models.CharField(max_length=10, choices=STAGES, default=NEW)
    assigned_agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="estate_leads")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="estate_leads")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    notes = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["tenant", "stage"], name="estate_lead_stage_idx"), models.Index(fields=["tenant", "assigned_agent"], name="estate_lead_agent_idx")]
        constraints = [models.CheckConstraint(condition=Q(stage__in=["NEW", "CONTACTED", "QUALIFIED", "WON", "LOST"]), name="estate_lead_known_stage")]

    def __str__(self) -> str:
        return self.name


class LeadActivity(TenantOwned):
    """Append-only history of a lead: creation, notes, stage moves, assignment, customer link."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=12)  # CREATED, NOTE, STAGE, ASSIGNED, LINKED, CONVERTED
    text = models.CharField(max_length=1000, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class Review(TenantOwned):
    PENDING, APPROVED, REJECTED = "PENDING", "APPROVED", "REJECTED"
    STATUSES = [(PENDING, "Pending"), (APPROVED, "Approved"), (REJECTED, "Rejected")]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="estate_reviews")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="estate_reviews")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Seed 000 §F: exactly one subject, a project or an agent, never both, never none.
            models.CheckConstraint(condition=(Q(project__isnull=False) & Q(agent__isnull=True)) | (Q(project__isnull=True) & Q(agent__isnull=False)), name="estate_review_exactly_one_target"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="estate_review_rating_range"),
            models.CheckConstraint(condition=Q(status="PENDING") | Q(moderated_at__isnull=False), name="estate_review_moderated_has_time"),
        ]

"""Apartments (seed 001): configured-apartment sales on the booking engine and billing.

- Project = an inventory Site (kind PROJECT) + location, amenities and a logo. Total units is derived
  (`total_units`: the project's listed apartments), never typed in.
- Apartment: a listing (type PROJECT or STANDALONE, status FOR_SALE; its inventory Resource is what the
  engine's exclusive index keys on), a TEMPLATE (status TEMPLATE, never booked, apartments are created
  from it), or a customer's INSTANCE — the clone a booking makes of a listing (status BOOKED, `source`
  = the listing, `customer` set). The packages and addons lists are many-to-many to the catalogue, so a
  price change reaches every apartment that offers it.
- Package (Golden / Silver / Platinum, a price) and Addon (a type, a price per unit, max units, a
  category whose `max_units` limits the units of all its addons on one apartment).
- ApartmentBooking = the engine's Booking (same primary key, flow "apartments") + the listing, the clone,
  the customer, the assigned staff member, the package and addon selection with their unit prices,
  the totals and the payment method. The stored status is the engine booking's (PENDING, IN_PROGRESS,
  UNDER_REVIEW, APPROVED, REJECTED); the time and actor of every change is the engine's status history.
  While a booking is not APPROVED its prices follow the catalogue (the cascade rewrites them, in one
  transaction); once APPROVED they are its snapshot. The remaining amount is derived (selectors).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource, Site
from holdfast.core.tenancy.models import TenantOwned
from holdfast.kit.clock import now

PENDING, IN_PROGRESS, UNDER_REVIEW, APPROVED, REJECTED = "PENDING", "IN_PROGRESS", "UNDER_REVIEW", "APPROVED", "REJECTED"
BOOKING_STATES = [PENDING, IN_PROGRESS, UNDER_REVIEW, APPROVED, REJECTED]
STATE_LABELS = {PENDING: "Pending", IN_PROGRESS: "In Progress", UNDER_REVIEW: "Under Review", APPROVED: "Approved", REJECTED: "Rejected"}
# A live booking keeps its listing: one per listed apartment (the engine's partial unique index).
LIVE_STATES = [PENDING, IN_PROGRESS, UNDER_REVIEW, APPROVED]
# Prices follow the catalogue until approval; afterwards they are the booking's snapshot.
UNLOCKED_STATES = [PENDING, IN_PROGRESS, UNDER_REVIEW]

BOOKING_SOURCE = "apartments.booking"  # billing's source for the booking's invoices and payments

PAYMENT_METHODS = [("CARD", "Card"), ("CASH", "Cash"), ("INVOICE", "Invoice"), ("BANK_TRANSFER", "Bank transfer")]
# The billing payment method a seed method is recorded as ("Invoice" = paid against the invoice by transfer).
BILLING_METHOD = {"CARD": "CARD", "CASH": "CASH", "INVOICE": "BANK_TRANSFER", "BANK_TRANSFER": "BANK_TRANSFER"}


class Project(TenantOwned):
    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="apartments_project")
    location = models.CharField(max_length=300, blank=True, default="")
    amenities = models.TextField(blank=True, default="")
    logo = models.BinaryField(null=True, blank=True, editable=True)
    logo_content_type = models.CharField(max_length=40, blank=True, default="")
    is_removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def total_units(self) -> int:
        """Derived: the project's listed apartments (never stored, never typed in)."""
        return self.apartments.filter(kind=Apartment.PROJECT, is_removed=False).count()

    def __str__(self) -> str:
        return self.name


class Package(TenantOwned):
    GOLDEN, SILVER, PLATINUM = "GOLDEN", "SILVER", "PLATINUM"
    KINDS = [(SILVER, "Silver"), (GOLDEN, "Golden"), (PLATINUM, "Platinum")]

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KINDS)
    description = models.TextField(blank=True, default="")
    price_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["price_minor", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_minor__gte=0), name="apartments_package_price_nonneg"),
            models.CheckConstraint(condition=Q(kind__in=["GOLDEN", "SILVER", "PLATINUM"]), name="apartments_package_known_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class AddonCategory(TenantOwned):
    """A group of addons with its own limit: at most `max_units` units of its addons per apartment."""

    name = models.CharField(max_length=120)
    max_units = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_units__gte=1), name="apartments_category_limit_positive"),
            models.UniqueConstraint(fields=["tenant", "name"], name="apartments_category_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Addon(TenantOwned):
    name = models.CharField(max_length=200)
    addon_type = models.CharField(max_length=120)  # e.g. "Air Conditioning 1.5 HP"
    category = models.ForeignKey(AddonCategory, on_delete=models.PROTECT, related_name="addons")
    unit_price_minor = models.BigIntegerField()
    max_units = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["category_id", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0), name="apartments_addon_price_nonneg"),
            models.CheckConstraint(condition=Q(max_units__gte=1), name="apartments_addon_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Apartment(TenantOwned):
    PROJECT, TEMPLATE, STANDALONE, INSTANCE = "PROJECT", "TEMPLATE", "STANDALONE", "INSTANCE"
    KINDS = [(PROJECT, "Project"), (TEMPLATE, "Template"), (STANDALONE, "Standalone"), (INSTANCE, "Customer instance")]
    BOOKED, IN_PROGRESS, FOR_SALE, TEMPLATE_STATUS = "BOOKED", "IN_PROGRESS", "FOR_SALE", "TEMPLATE"
    STATUSES = [(BOOKED, "Booked"), (IN_PROGRESS, "In Progress"), (FOR_SALE, "For Sale"), (TEMPLATE_STATUS, "Template")]

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KINDS)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="apartments")
    space_sqm = models.DecimalField(max_digits=8, decimal_places=2)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=STATUSES)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="apartments")
    # Listings only: the inventory the engine's "one live booking per listing" index keys on.
    resource = models.OneToOneField(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="apartment")
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies")  # template or listing it came from
    packages = models.ManyToManyField(Package, blank=True, related_name="apartments")
    addons = models.ManyToManyField(Addon, blank=True, related_name="apartments")
    is_removed = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["project_id", "name", "id"]
        indexes = [models.Index(fields=["tenant", "kind", "status"], name="apartments_apt_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(space_sqm__gt=0), name="apartments_apt_space_positive"),
            models.CheckConstraint(condition=~Q(kind="PROJECT") | Q(project__isnull=False), name="apartments_apt_project_kind_has_project"),
            models.CheckConstraint(condition=~Q(kind="TEMPLATE") | Q(status="TEMPLATE", resource__isnull=True), name="apartments_apt_template_status"),
            models.CheckConstraint(condition=~Q(kind="INSTANCE") | (Q(customer__isnull=False) & Q(source__isnull=False) & Q(resource__isnull=True)), name="apartments_apt_instance_has_customer"),
            models.CheckConstraint(condition=~Q(kind__in=["PROJECT", "STANDALONE"]) | Q(resource__isnull=False), name="apartments_apt_listing_has_resource"),
        ]

    @property
    def is_listing(self) -> bool:
        return self.kind in (self.PROJECT, self.STANDALONE)

    def __str__(self) -> str:
        return self.name


class ApartmentPhoto(TenantOwned):
    apartment = models.ForeignKey(Apartment, on_delete=models.CASCADE, related_name="photos")
    image = models.BinaryField()
    content_type = models.CharField(max_length=40)
    caption = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["apartment_id", "position", "id"]


class ApartmentBooking(TenantOwned):
    booking = models.OneToOneField(Booking, primary_key=True, on_delete=models.PROTECT, related_name="apartments")
    listing = models.ForeignKey(Apartment, on_delete=models.PROTECT, related_name="bookings")
    apartment = models.OneToOneField(Apartment, on_delete=models.PROTECT, related_name="instance_booking")  # the customer's clone
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="apartment_bookings")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="apartment_bookings")
    package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    package_price_minor = models.BigIntegerField(default=0)
    payment_method = models.CharField(max_length=14, choices=PAYMENT_METHODS, blank=True, default="")
    currency = models.CharField(max_length=3)
    tax_name = models.CharField(max_length=100, blank=True, default="")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    subtotal_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-booking_id"]
        constraints = [
            models.CheckConstraint(condition=Q(package_price_minor__gte=0) & Q(subtotal_minor__gte=0) & Q(tax_minor__gte=0), name="apartments_booking_amounts_nonneg"),
            models.CheckConstraint(condition=Q(total_minor=models.F("subtotal_minor") + models.F("tax_minor")), name="apartments_booking_total_is_sum"),
        ]

    @property
    def id(self):
        return self.booking_id

    @property
    def status(self) -> str:
        return self.booking.status

    @property
    def status_label(self) -> str:
        return STATE_LABELS.get(self.booking.status, self.booking.status)

    def __str__(self) -> str:
        return f"Booking {self.booking_id}"


class BookingAddon(TenantOwned):
    """One addon chosen on a booking: units within the addon's max and its category's limit."""

    booking = models.ForeignKey(ApartmentBooking, on_delete=models.CASCADE, related_name="addon_lines")
    addon = models.ForeignKey(Addon, on_delete=models.PROTECT, related_name="booking_lines")
    units = models.PositiveIntegerField()
    unit_price_minor = models.BigIntegerField()

    class Meta:
        ordering = ["booking_id", "addon_id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "addon"], name="apartments_booking_addon_once"),
            models.CheckConstraint(condition=Q(units__gte=1) & Q(unit_price_minor__gte=0), name="apartments_booking_addon_units_positive"),
        ]

"""Hotel PMS (seed 004) on the booking engine.

Mapping onto the engine:
- a property is an inventory Site (kind PROPERTY) plus the hotel's own row (currency, active flag);
- a room type is an inventory ResourceType plus its hotel row (code, occupancy limits, beds, amenities);
- a room is an inventory Resource plus its hotel row (number, floor, housekeeping status);
- `pms_room_blocks` are the engine's Blocks: a reservation's room is claimed by a converted engine Hold
  (blocks of kind BOOKING = seed RESERVATION); MAINTENANCE / HOUSE_USE are engine blocks added
  directly; HOLD blocks are engine holds. The exclusion constraint lives on the engine's block table;
- a reservation is a core Booking (flow "hotel", status history) plus this app's Reservation row;
- a folio is the billing ledger of the reservation's booking (source "hotel.reservation").

Stay dates are local dates of the property, half-open [check_in, check_out).
"""
from __future__ import annotations

import datetime as dt

from builtins import property as computed  # models below have a field named `property`

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.inventory.models import Hold, Resource, ResourceType, Site
from holdfast.core.tenancy.models import TenantOwned

USER = settings.AUTH_USER_MODEL


class Stamped(TenantOwned):
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        abstract = True


class Property(Stamped):
    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="hotel_property")
    name = models.CharField(max_length=200)  # mirrors the site's name, kept by the services
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "properties"
        indexes = [
            models.Index(fields=["tenant", "is_active"], name="pms_property_active_idx"),
            models.Index(fields=["tenant", "name"], name="pms_property_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @computed
    def time_zone(self) -> str:
        return self.site.time_zone


class RoomType(Stamped):
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="room_types")
    resource_type = models.OneToOneField(ResourceType, on_delete=models.PROTECT, related_name="hotel_room_type")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    max_adults = models.PositiveIntegerField(default=2)
    max_children = models.PositiveIntegerField(default=0)
    max_occupancy = models.PositiveIntegerField(default=2)
    beds = models.JSONField(default=list, blank=True)  # [{"type": "queen", "count": 1}]
    amenities = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["property_id", "code", "id"]
        indexes = [models.Index(fields=["tenant", "property", "is_active"], name="pms_roomtype_active_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "property", "code"], name="pms_roomtype_code_unique"),
            models.CheckConstraint(condition=Q(max_occupancy__gte=1), name="pms_roomtype_occupancy_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Room(Stamped):
    VACANT_CLEAN, VACANT_DIRTY, OCCUPIED, OUT_OF_ORDER = "VACANT_CLEAN", "VACANT_DIRTY", "OCCUPIED", "OUT_OF_ORDER"
    STATUSES = [(VACANT_CLEAN, "Vacant clean"), (VACANT_DIRTY, "Vacant dirty"), (OCCUPIED, "Occupied"), (OUT_OF_ORDER, "Out of order")]

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="rooms")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="rooms")
    resource = models.OneToOneField(Resource, on_delete=models.PROTECT, related_name="hotel_room")
    room_number = models.CharField(max_length=20)
    floor = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=120, blank=True, default="")
    status = models.CharField(max_length=12, choices=STATUSES, default=VACANT_CLEAN)
    is_out_of_order = models.BooleanField(default=False)
    out_of_order_reason = models.CharField(max_length=300, blank=True, default="")
    features = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["property_id", "room_number", "id"]
        indexes = [
            models.Index(fields=["tenant", "property", "room_type"], name="pms_room_type_idx"),
            models.Index(fields=["tenant", "property", "status"], name="pms_room_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "property", "room_number"], name="pms_room_number_unique"),
            # The seed leaves this to the app; the database can say it, so it does.
            models.CheckConstraint(condition=Q(is_out_of_order=True, status="OUT_OF_ORDER") | (Q(is_out_of_order=False) & ~Q(status="OUT_OF_ORDER")), name="pms_room_ooo_matches_status"),
        ]

    def __str__(self) -> str:
        return self.room_number


class RatePlan(Stamped):
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="rate_plans")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    currency = models.CharField(max_length=3)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["property_id", "-is_default", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "property", "code"], name="pms_rateplan_code_unique"),
            models.UniqueConstraint(fields=["property"], condition=Q(is_default=True), name="pms_rateplan_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RatePlanPrice(Stamped):
    """A nightly base price over [start_date, end_date). Overlaps are allowed; for a night the covering
    row with the latest start_date wins, then the shortest range, then the newest row (highest id)."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    rate_plan = models.ForeignKey(RatePlan, on_delete=models.CASCADE, related_name="prices")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="prices")
    start_date = models.DateField()
    end_date = models.DateField()
    nightly_base_cents = models.IntegerField()

    class Meta:
        ordering = ["rate_plan_id", "room_type_id", "start_date", "id"]
        indexes = [models.Index(fields=["tenant", "property", "rate_plan", "room_type", "start_date"], name="pms_price_lookup_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "rate_plan", "room_type", "start_date", "end_date"], name="pms_price_range_unique"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="pms_price_range_not_empty"),
            models.CheckConstraint(condition=Q(nightly_base_cents__gte=0), name="pms_price_nonneg"),
        ]


class Guest(Stamped):
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="guests")
    # The core customer this guest is (billing payments and invoices need one): linked by email when the
    # business already knows it, created otherwise (services/setup.create_guest).
    customer = models.ForeignKey("customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="hotel_guests")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(null=True, blank=True)
    phone = models.CharField(max_length=40, null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    preferences = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["tenant", "property", "last_name", "first_name"], name="pms_guest_name_idx"),
            models.Index(fields=["tenant", "property", "email"], name="pms_guest_email_idx"),
            models.Index(fields=["tenant", "property", "phone"], name="pms_guest_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @computed
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Reservation(Stamped):
    HOLD, CONFIRMED, CHECKED_IN, CHECKED_OUT, CANCELLED, NO_SHOW = "HOLD", "CONFIRMED", "CHECKED_IN", "CHECKED_OUT", "CANCELLED", "NO_SHOW"
    STATUSES = [(HOLD, "Hold"), (CONFIRMED, "Confirmed"), (CHECKED_IN, "Checked in"), (CHECKED_OUT, "Checked out"), (CANCELLED, "Cancelled"), (NO_SHOW, "No show")]
    ACTIVE = (HOLD, CONFIRMED, CHECKED_IN)  # these claim a room (their blocks are live)
    ON_BOOKS = (HOLD, CONFIRMED, CHECKED_IN, CHECKED_OUT)  # these count in the calendar and occupancy
    DIRECT, PHONE, WALKIN, BOOKING_ENGINE, OTA = "DIRECT", "PHONE", "WALKIN", "BOOKING_ENGINE", "OTA"
    SOURCES = [(DIRECT, "Direct"), (PHONE, "Phone"), (WALKIN, "Walk-in"), (BOOKING_ENGINE, "Booking engine"), (OTA, "OTA")]

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="reservations")
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="hotel_reservation")
    guest = models.ForeignKey(Guest, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations")
    primary_guest = models.JSONField(default=dict)  # snapshot: first_name, last_name, email, phone
    status = models.CharField(max_length=12, choices=STATUSES, default=CONFIRMED)
    check_in_date = models.DateField()
    check_out_date = models.DateField()
    adults = models.PositiveIntegerField(default=2)
    children = models.PositiveIntegerField(default=0)
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="reservations")
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations")
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")  # the engine claim on `room`
    rate_plan = models.ForeignKey(RatePlan, on_delete=models.PROTECT, related_name="reservations")
    nightly_rate_cents = models.IntegerField()
    subtotal_cents = models.IntegerField()
    tax_cents = models.IntegerField(default=0)
    fee_cents = models.IntegerField(default=0)
    total_cents = models.IntegerField()
    currency = models.CharField(max_length=3, default="USD")
    source_type = models.CharField(max_length=16, choices=SOURCES, default=DIRECT)
    source_ref = models.CharField(max_length=120, blank=True, default="")
    internal_notes = models.TextField(blank=True, default="")
    guest_notes = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["check_in_date", "id"]
        indexes = [
            models.Index(fields=["tenant", "property", "status"], name="pms_res_status_idx"),
            models.Index(fields=["tenant", "property", "check_in_date"], name="pms_res_checkin_idx"),
            models.Index(fields=["tenant", "property", "room", "check_in_date", "check_out_date"], name="pms_res_room_idx"),
            models.Index(fields=["tenant", "property", "room_type", "check_in_date", "check_out_date"], name="pms_res_type_idx"),
            models.Index(fields=["tenant", "property", "guest", "created_at"], name="pms_res_guest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(check_out_date__gt=F("check_in_date")), name="pms_res_dates_order"),
            models.CheckConstraint(condition=Q(adults__gte=1), name="pms_res_one_adult"),
            models.CheckConstraint(condition=Q(subtotal_cents__gte=0, tax_cents__gte=0, fee_cents__gte=0, nightly_rate_cents__gte=0), name="pms_res_amounts_nonneg"),
            models.CheckConstraint(condition=Q(total_cents=F("subtotal_cents") + F("tax_cents") + F("fee_cents")), name="pms_res_total_is_sum"),
        ]

    def __str__(self) -> str:
        return f"R{self.pk}"

    @computed
    def guest_name(self) -> str:
        g = self.primary_guest or {}
        return f"{g.get('first_name', '')} {g.get('last_name', '')}".strip() or "Guest"

    @computed
    def nights(self) -> int:
        return (self.check_out_date - self.check_in_date).days

    def night_prices(self, data: dict | None = None) -> dict[str, dict]:
        """Each night's fixed price {ISO date: {"rate", "tax", ...}} from the booking's data (`data` when the
        caller holds a newer copy). A reservation priced before nights were kept has one rate and one night
        tax for every night."""
        data = (self.booking.data or {}) if data is None else data
        if data.get("nights"):
            return data["nights"]
        tax = int(data.get("night_tax_cents", 0))
        return {(self.check_in_date + dt.timedelta(days=i)).isoformat(): {"rate": self.nightly_rate_cents, "tax": tax} for i in range(self.nights)}

    @computed
    def night_rates(self) -> list[dict]:
        """The nights in order with their own rate and tax (what the folio posts each night)."""
        return [{"date": dt.date.fromisoformat(d), "rate_cents": n["rate"], "tax_cents": n["tax"]} for d, n in sorted(self.night_prices().items())]

    @computed
    def rates_vary(self) -> bool:
        return len({n["rate"] for n in self.night_prices().values()}) > 1


class RoomStatusLog(TenantOwned):
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="status_log")
    business_date = models.DateField()
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "property", "business_date"], name="pms_statuslog_date_idx"),
            models.Index(fields=["tenant", "property", "room", "business_date"], name="pms_statuslog_room_idx"),
        ]


class Restriction(Stamped):
    """Seed §11 (v2): minimum stay and closed-to-arrival / closed-to-departure per room type and date."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    room_type = models.ForeignKey(RoomType, on_delete=models.CASCADE, related_name="restrictions")
    date = models.DateField()
    min_stay = models.PositiveIntegerField(null=True, blank=True)  # applies to stays arriving on `date`
    closed_to_arrival = models.BooleanField(default=False)
    closed_to_departure = models.BooleanField(default=False)

    class Meta:
        ordering = ["room_type_id", "date"]
        constraints = [models.UniqueConstraint(fields=["tenant", "room_type", "date"], name="pms_restriction_one_per_day")]


class NightAudit(TenantOwned):
    """One row per property and business date the nightly audit has run for: what makes it idempotent."""

    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    nights_posted = models.PositiveIntegerField(default=0)
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-business_date"]
        constraints = [models.UniqueConstraint(fields=["property", "business_date"], name="pms_night_audit_once")]


class CalendarSegment(TenantOwned):
    """Read model: one row per reservation-room-night (reservations on the books with a room)."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    business_date = models.DateField()
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12)
    guest_name = models.CharField(max_length=210)
    check_in_date = models.DateField()
    check_out_date = models.DateField()
    source_type = models.CharField(max_length=16)
    color_key = models.CharField(max_length=20, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["room_id", "business_date"]
        indexes = [models.Index(fields=["tenant", "property", "business_date"], name="rm_segment_date_idx")]
        constraints = [models.UniqueConstraint(fields=["tenant", "property", "room", "business_date"], name="rm_segment_one_per_room_day")]


class DailyOccupancy(TenantOwned):
    """Read model per business date: rooms occupied (reservations on the books, assigned or not),
    rooms available (active rooms minus occupied minus maintenance/house-use blocks minus rooms out of order
    that day: as logged for past days, the current status from today on), arrivals, departures."""

    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="+")
    business_date = models.DateField()
    rooms_occupied = models.IntegerField(default=0)
    rooms_available = models.IntegerField(default=0)
    arrivals = models.IntegerField(default=0)
    departures = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["business_date"]
        verbose_name_plural = "daily occupancy"
        constraints = [models.UniqueConstraint(fields=["tenant", "property", "business_date"], name="rm_occupancy_one_per_day")]

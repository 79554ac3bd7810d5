"""Hotel API shapes (seed 004 fields in snake_case; amounts in integer cents)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema

RoomStatus = Literal["VACANT_CLEAN", "VACANT_DIRTY", "OCCUPIED", "OUT_OF_ORDER"]
Source = Literal["DIRECT", "PHONE", "WALKIN", "BOOKING_ENGINE", "OTA"]
Short = Field(..., min_length=1, max_length=200)


class PropertyIn(Schema):
    model_config = STRICT_INPUT

    name: str = Short
    time_zone: str | None = None
    currency: str | None = Field(None, max_length=3)
    address: dict | None = None


class PropertyPatch(PatchSchema):
    model_config = STRICT_INPUT

    name: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, max_length=3)
    is_active: bool | None = None
    time_zone: str | None = None
    address: dict | None = None


class PropertyOut(Schema):
    id: int
    name: str
    site_id: int
    time_zone: str
    currency: str
    address: dict
    is_active: bool
    business_date: dt.date

    @staticmethod
    def resolve_time_zone(obj):
        return obj.site.time_zone

    @staticmethod
    def resolve_address(obj):
        return obj.site.address or {}

    @staticmethod
    def resolve_business_date(obj):
        from holdfast.kit.clock import local_today

        return local_today(obj.site.time_zone)


class RoomTypeIn(Schema):
    model_config = STRICT_INPUT

    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    max_adults: int = Field(2, ge=1, le=50)
    max_children: int = Field(0, ge=0, le=50)
    max_occupancy: int = Field(2, ge=1, le=100)
    beds: list = []
    amenities: list = []


class RoomTypePatch(PatchSchema):
    model_config = STRICT_INPUT

    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    max_adults: int | None = Field(None, ge=1, le=50)
    max_children: int | None = Field(None, ge=0, le=50)
    max_occupancy: int | None = Field(None, ge=1, le=100)
    beds: list | None = None
    amenities: list | None = None
    is_active: bool | None = None


class RoomTypeOut(Schema):
    id: int
    property_id: int
    resource_type_id: int
    code: str
    name: str
    description: str
    max_adults: int
    max_children: int
    max_occupancy: int
    beds: list
    amenities: list
    is_active: bool


class RoomIn(Schema):
    model_config = STRICT_INPUT

    room_type_id: int
    room_number: str = Field(..., min_length=1, max_length=20)
    floor: str = Field("", max_length=20)
    name: str = Field("", max_length=120)
    features: list = []


class RoomPatch(PatchSchema):
    model_config = STRICT_INPUT

    floor: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=120)
    features: list | None = None
    is_active: bool | None = None


class RoomOut(Schema):
    id: int
    property_id: int
    room_type_id: int
    resource_id: int
    room_number: str
    floor: str
    name: str
    status: str
    is_out_of_order: bool
    out_of_order_reason: str
    features: list
    is_active: bool


class RoomStatusIn(Schema):
    model_config = STRICT_INPUT

    status: RoomStatus
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=300)


class RoomBlockIn(Schema):
    model_config = STRICT_INPUT

    start_date: dt.date
    end_date: dt.date
    kind: Literal["MAINTENANCE", "HOUSE_USE"] = "MAINTENANCE"
    reason: str = Field("", max_length=300)


class HotelBlockOut(Schema):
    id: int
    resource_id: int
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    active: bool
    reason: str


class RatePlanIn(Schema):
    model_config = STRICT_INPUT

    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    currency: str | None = Field(None, max_length=3)
    is_default: bool = False


class RatePlanPatch(PatchSchema):
    model_config = STRICT_INPUT

    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class RatePlanOut(Schema):
    id: int
    property_id: int
    code: str
    name: str
    description: str
    currency: str
    is_default: bool
    is_active: bool


class PriceIn(Schema):
    model_config = STRICT_INPUT

    room_type_id: int
    start_date: dt.date
    end_date: dt.date
    nightly_base_cents: int = Field(..., ge=0, le=100_000_000)


class PriceOut(Schema):
    id: int
    rate_plan_id: int
    room_type_id: int
    start_date: dt.date
    end_date: dt.date
    nightly_base_cents: int


class RestrictionIn(Schema):
    model_config = STRICT_INPUT

    start_date: dt.date
    end_date: dt.date
    min_stay: int | None = Field(None, ge=1, le=365)
    closed_to_arrival: bool = False
    closed_to_departure: bool = False


class RestrictionOut(Schema):
    date: dt.date
    min_stay: int | None
    closed_to_arrival: bool
    closed_to_departure: bool


class GuestIn(Schema):
    model_config = STRICT_INPUT

    first_name: str = Field(..., min_length=1, max_length=100)
    last_name: str = Field(..., min_length=1, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    notes: str = ""
    preferences: dict = {}


class GuestPatch(GuestIn):
    model_config = STRICT_INPUT

    pass


class GuestOut(Schema):
    id: int
    property_id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    notes: str
    preferences: dict


class NightOut(Schema):
    date: dt.date
    free: int


class AvailabilityOut(Schema):
    room_type_id: int
    code: str
    name: str
    max_occupancy: int
    available: int
    fits: bool
    bookable: bool
    rate_plan_id: int | None
    nightly_rate_cents: int | None
    subtotal_cents: int | None
    tax_cents: int | None
    nights: list[NightOut]


class ReservationIn(Schema):
    model_config = STRICT_INPUT

    property_id: int
    room_type_id: int
    check_in_date: dt.date
    check_out_date: dt.date
    adults: int = Field(2, ge=1, le=50)
    children: int = Field(0, ge=0, le=50)
    guest_id: int | None = None
    guest: GuestIn | None = None
    rate_plan_id: int | None = None
    room_id: int | None = None
    status: Literal["HOLD", "CONFIRMED"] = "CONFIRMED"
    source_type: Source = "DIRECT"
    source_ref: str = Field("", max_length=120)
    internal_notes: str = ""
    guest_notes: str = ""
    fee_cents: int = Field(0, ge=0, le=100_000_000)


class WalkInIn(Schema):
    model_config = STRICT_INPUT

    property_id: int
    room_id: int
    check_out_date: dt.date
    adults: int = Field(1, ge=1, le=50)
    children: int = Field(0, ge=0, le=50)
    guest_id: int | None = None
    guest: GuestIn | None = None
    rate_plan_id: int | None = None
    internal_notes: str = ""


class ReservationPatch(PatchSchema):
    model_config = STRICT_INPUT

    version: int
    internal_notes: str | None = None
    guest_notes: str | None = None
    adults: int | None = Field(None, ge=1, le=50)
    children: int | None = Field(None, ge=0, le=50)


class VersionIn(Schema):
    model_config = STRICT_INPUT

    version: int | None = None


class HotelAssignIn(VersionIn):
    model_config = STRICT_INPUT

    room_id: int


class ResizeIn(VersionIn):
    model_config = STRICT_INPUT

    check_in_date: dt.date | None = None
    check_out_date: dt.date | None = None


class CancelIn(VersionIn):
    model_config = STRICT_INPUT

    reason: str = Field("", max_length=300)


class CheckInIn(VersionIn):
    model_config = STRICT_INPUT

    room_id: int | None = None


class CheckOutIn(VersionIn):
    model_config = STRICT_INPUT

    allow_balance: bool = False


class HotelSettleIn(VersionIn):
    model_config = STRICT_INPUT

    expected_cents: int = Field(..., ge=-100_000_000, le=100_000_000, description="The folio's due_at_checkout_cents the desk was shown; a folio that changed since is refused (409 balance_changed).")
    method: Literal["CASH", "CARD", "BANK_TRANSFER", "OTHER"] = "CARD"
    reference: str = Field("", max_length=200)


class HotelNightRateOut(Schema):
    date: dt.date
    rate_cents: int
    tax_cents: int


class ReservationOut(Schema):
    id: int
    property_id: int
    booking_id: int
    guest_id: int | None
    primary_guest: dict
    status: str
    check_in_date: dt.date
    check_out_date: dt.date
    adults: int
    children: int
    room_type_id: int
    room_id: int | None
    room_number: str | None
    rate_plan_id: int
    nightly_rate_cents: int
    subtotal_cents: int
    tax_cents: int
    fee_cents: int
    total_cents: int
    currency: str
    source_type: str
    source_ref: str
    internal_notes: str
    guest_notes: str
    version: int
    created_at: dt.datetime
    night_rates: list[HotelNightRateOut] = Field(description="Each night with its own rate and tax (nightly_rate_cents is the arrival night's).")

    @staticmethod
    def resolve_room_number(obj):
        return obj.room.room_number if obj.room_id else None


class FolioEntryIn(Schema):
    model_config = STRICT_INPUT

    entry_type: Literal["ROOM_CHARGE", "TAX", "FEE", "ADJUSTMENT"]
    amount_cents: int = Field(..., ge=-100_000_000, le=100_000_000)
    description: str = Field(..., min_length=1, max_length=300)


class HotelPaymentIn(Schema):
    model_config = STRICT_INPUT

    amount_cents: int = Field(..., ge=1, le=100_000_000)
    method: Literal["CASH", "CARD", "BANK_TRANSFER", "OTHER"] = "CARD"
    reference: str = Field("", max_length=200)
    refund: bool = False
    confirm_overpayment: bool = Field(False, description="Take a payment above the balance due for the stay (kept as credit); without it such a payment is refused, 409 overpayment_needs_confirmation.")


class FolioEntryOut(Schema):
    id: int
    entry_type: str
    description: str
    amount_cents: int
    posted_at: dt.datetime
    posted_by: str
    source_ref: str

    @staticmethod
    def resolve_entry_type(obj):
        from .services.folio import seed_type  # the entry's own code (a FEE stays FEE, a minibar charge its code)

        return seed_type(obj)

    @staticmethod
    def resolve_amount_cents(obj):
        return obj.amount_minor


class HotelStayChargeOut(Schema):
    date: dt.date
    entry_type: str
    amount_cents: int
    description: str


class FolioOut(Schema):
    id: int
    reservation_id: int
    status: str
    currency: str
    subtotal_cents: int
    tax_cents: int
    fee_cents: int
    adjustments_cents: int
    payments_cents: int
    refunds_cents: int
    total_cents: int
    balance_cents: int = Field(description="Posted balance: positive = the guest owes, negative = credit.")
    entries: list[FolioEntryOut]
    departure_date: dt.date | None = Field(description="The check-out date a check-out today sets (guests in house only).")
    charges_at_checkout: list[HotelStayChargeOut] = Field(description="What a check-out today posts: the nights not on the folio yet.")
    charges_at_checkout_cents: int
    due_at_checkout_cents: int = Field(description="Balance once check-out today has posted its charges (negative = credit).")
    due_for_stay_cents: int = Field(description="Balance once every night of the booked stay is posted: the most a payment may be without confirm_overpayment.")


class SegmentOut(Schema):
    room_id: int
    business_date: dt.date
    reservation_id: int
    status: str
    guest_name: str
    check_in_date: dt.date
    check_out_date: dt.date
    source_type: str
    color_key: str


class OccupancyOut(Schema):
    business_date: dt.date
    rooms_occupied: int
    rooms_available: int
    arrivals: int
    departures: int


class FrontDeskOut(Schema):
    business_date: dt.date
    arrivals: list[ReservationOut]
    departures: list[ReservationOut]
    in_house: list[ReservationOut]
    overdue_arrivals: list[ReservationOut]


class NightAuditIn(Schema):
    model_config = STRICT_INPUT

    business_date: dt.date | None = None


class NightAuditOut(Schema):
    business_date: dt.date | None
    reservations_charged: int


class StatusLogOut(Schema):
    id: int
    room_id: int
    business_date: dt.date
    from_status: str
    to_status: str
    note: str
    created_at: dt.datetime

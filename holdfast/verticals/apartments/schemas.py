"""Apartments API shapes (every class prefixed `Apartments`: OpenAPI component names are global).
Money is integer minor units plus currency; `status` is the seed's stored state (PENDING, IN_PROGRESS,
UNDER_REVIEW, APPROVED, REJECTED for bookings; BOOKED, IN_PROGRESS, FOR_SALE, TEMPLATE for apartments)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT

PaymentMethod = Literal["CARD", "CASH", "INVOICE", "BANK_TRANSFER"]


# ---------------------------------------------------------------- catalogue

class ApartmentsProjectOut(Schema):
    id: int
    name: str
    location: str
    amenities: str
    has_logo: bool
    total_units: int
    for_sale_count: int = 0
    booked_count: int = 0
    is_removed: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_name(obj):
        return obj.site.name

    @staticmethod
    def resolve_has_logo(obj):
        return bool(obj.logo_content_type)

    @staticmethod
    def resolve_total_units(obj):
        listed = getattr(obj, "listed_count", None)  # annotated by the selector; derived, never stored
        return obj.total_units if listed is None else listed


class ApartmentsProjectPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApartmentsProjectOut]


class ApartmentsProjectIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    location: str = Field("", max_length=300)
    amenities: str = Field("", max_length=4000)


class ApartmentsProjectPatch(Schema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=200)
    location: str | None = Field(None, max_length=300)
    amenities: str | None = Field(None, max_length=4000)


class ApartmentsImageIn(Schema):
    """An image as base64 (PNG, JPEG, GIF or WebP, at most 2 MB)."""

    model_config = STRICT_INPUT
    content_base64: str = Field(..., min_length=1, max_length=3_000_000)
    content_type: str = Field(..., min_length=1, max_length=40)
    caption: str = Field("", max_length=200)


class ApartmentsPhotoOut(Schema):
    id: int
    apartment_id: int
    content_type: str
    caption: str
    position: int


class ApartmentsApartmentOut(Schema):
    id: int
    name: str
    kind: str
    project_id: int | None
    space_sqm: Decimal
    description: str
    status: str
    customer_id: int | None
    source_id: int | None
    is_removed: bool
    version: int
    package_ids: list[int]
    addon_ids: list[int]
    photos: list[ApartmentsPhotoOut]

    @staticmethod
    def resolve_package_ids(obj):
        return sorted(p.pk for p in obj.packages.all())

    @staticmethod
    def resolve_addon_ids(obj):
        return sorted(a.pk for a in obj.addons.all())

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())


class ApartmentsApartmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApartmentsApartmentOut]


class ApartmentsApartmentIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["PROJECT", "STANDALONE", "TEMPLATE"] = "PROJECT"
    project_id: int | None = None
    space_sqm: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=2)
    description: str = Field("", max_length=4000)
    package_ids: list[int] | None = None
    addon_ids: list[int] | None = None
    template_id: int | None = None


class ApartmentsApartmentPatch(Schema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=200)
    space_sqm: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=2)
    description: str | None = Field(None, max_length=4000)


class ApartmentsPackageRef(Schema):
    model_config = STRICT_INPUT
    package_id: int


class ApartmentsAddonRef(Schema):
    model_config = STRICT_INPUT
    addon_id: int


class ApartmentsRepricedOut(Schema):
    booking_id: int
    before_minor: int
    after_minor: int


class ApartmentsPackageOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    price_minor: int
    currency: str
    is_active: bool
    version: int
    repriced: list[ApartmentsRepricedOut] = []

    @staticmethod
    def resolve_repriced(obj):
        return getattr(obj, "cascade", [])


class ApartmentsPackageIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    kind: Literal["GOLDEN", "SILVER", "PLATINUM"]
    price_minor: int = Field(..., ge=0)
    description: str = Field("", max_length=4000)


class ApartmentsPackagePatch(Schema):
    """A price change cascades to every booking not yet approved (see /impact first)."""

    model_config = STRICT_INPUT
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Literal["GOLDEN", "SILVER", "PLATINUM"] | None = None
    price_minor: int | None = Field(None, ge=0)
    description: str | None = Field(None, max_length=4000)
    is_active: bool | None = None


class ApartmentsCategoryOut(Schema):
    id: int
    name: str
    max_units: int


class ApartmentsCategoryIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=120)
    max_units: int = Field(..., ge=1, le=1000)


class ApartmentsAddonOut(Schema):
    id: int
    name: str
    addon_type: str
    category_id: int
    category_name: str
    category_max_units: int
    unit_price_minor: int
    max_units: int
    currency: str
    is_active: bool
    version: int
    repriced: list[ApartmentsRepricedOut] = []

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name

    @staticmethod
    def resolve_category_max_units(obj):
        return obj.category.max_units

    @staticmethod
    def resolve_repriced(obj):
        return getattr(obj, "cascade", [])


class ApartmentsAddonIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    addon_type: str = Field(..., min_length=1, max_length=120)
    category_id: int
    unit_price_minor: int = Field(..., ge=0)
    max_units: int = Field(..., ge=1, le=1000)


class ApartmentsAddonPatch(Schema):
    model_config = STRICT_INPUT
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    addon_type: str | None = Field(None, min_length=1, max_length=120)
    unit_price_minor: int | None = Field(None, ge=0)
    max_units: int | None = Field(None, ge=1, le=1000)
    is_active: bool | None = None


class ApartmentsImpactOut(Schema):
    booking_id: int
    apartment: str
    customer: str
    status: str
    before_minor: int
    after_minor: int
    change_minor: int


# ---------------------------------------------------------------- bookings

class ApartmentsAddonLineOut(Schema):
    addon_id: int
    name: str
    units: int
    unit_price_minor: int
    amount_minor: int

    @staticmethod
    def resolve_name(obj):
        return obj.addon.name

    @staticmethod
    def resolve_amount_minor(obj):
        return obj.unit_price_minor * obj.units


class ApartmentsBookingOut(Schema):
    id: int
    listing_id: int
    apartment_id: int
    apartment_name: str
    project_id: int | None
    customer_id: int
    customer_name: str
    status: str
    status_label: str
    assigned_to_id: int | None
    package_id: int | None
    package_price_minor: int
    addons: list[ApartmentsAddonLineOut]
    payment_method: str
    currency: str
    tax_name: str
    tax_rate: Decimal
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    received_minor: int
    remaining_minor: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    confirmed_at: dt.datetime | None
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_id(obj):
        return obj.booking_id

    @staticmethod
    def resolve_apartment_name(obj):
        return obj.apartment.name

    @staticmethod
    def resolve_project_id(obj):
        return obj.listing.project_id

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_addons(obj):
        return list(obj.addon_lines.select_related("addon").order_by("addon_id"))

    @staticmethod
    def resolve_version(obj):
        return obj.booking.version


class ApartmentsBookingPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApartmentsBookingOut]


class ApartmentsBookingIn(Schema):
    model_config = STRICT_INPUT
    listing_id: int
    customer_id: int | None = None
    payment_method: PaymentMethod | None = None


class ApartmentsAddonChoiceIn(Schema):
    model_config = STRICT_INPUT
    addon_id: int
    units: int = Field(..., ge=0, le=1000)


class ApartmentsConfigureIn(Schema):
    """Steps 4-5: the package, and the whole addon selection (0 units or leaving one out removes it)."""

    model_config = STRICT_INPUT
    package_id: int | None = None
    addons: list[ApartmentsAddonChoiceIn] | None = None
    payment_method: PaymentMethod | None = None
    version: int | None = None


class ApartmentsChangeOrderIn(Schema):
    """A change to an approved booking: the new package and/or the whole addon selection."""

    model_config = STRICT_INPUT
    package_id: int | None = None
    addons: list[ApartmentsAddonChoiceIn] | None = None
    reason: str = Field("", max_length=300)


class ApartmentsPreviewIn(Schema):
    model_config = STRICT_INPUT
    package_id: int | None = None
    addons: list[ApartmentsAddonChoiceIn] | None = None


class ApartmentsPreviewOut(Schema):
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    remaining_minor: int
    currency: str
    problems: list[str]


class ApartmentsStepIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field("", max_length=500)
    version: int | None = None


class ApartmentsMoveIn(Schema):
    model_config = STRICT_INPUT
    to_status: Literal["PENDING", "IN_PROGRESS", "UNDER_REVIEW", "APPROVED", "REJECTED"]
    reason: str = Field("", max_length=500)
    version: int | None = None


class ApartmentsAssignIn(Schema):
    model_config = STRICT_INPUT
    assignee_id: int | None = None


class ApartmentsHistoryOut(Schema):
    from_status: str
    to_status: str
    transition: str
    actor_label: str
    reason: str
    at: dt.datetime


class ApartmentsInvoiceOut(Schema):
    id: int
    number: str
    status: str
    currency: str
    total_minor: int
    allocated_minor: int
    credited_minor: int
    remaining_minor: int
    issue_date: dt.date | None
    paid_at: dt.datetime | None
    payment_method: str
    notes: str

    @staticmethod
    def resolve_number(obj):
        return obj.display_number


class ApartmentsPaymentIn(Schema):
    model_config = STRICT_INPUT
    amount_minor: int = Field(..., gt=0)
    method: PaymentMethod
    reference: str = Field("", max_length=120)


class ApartmentsPaymentOut(Schema):
    id: int
    booking_id: int
    amount_minor: int
    currency: str
    method: str
    kind: str
    status: str
    paid_at: dt.datetime | None
    reference: str


class ApartmentsStatusCountOut(Schema):
    status: str
    label: str
    count: int


class ApartmentsDashboardOut(Schema):
    by_status: list[ApartmentsStatusCountOut]
    for_sale: int
    in_progress: int
    booked: int
    received_minor: int
    outstanding_minor: int
    currency: str

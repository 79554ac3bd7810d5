"""Storage API shapes (seed 002). Every class is prefixed `Storage` (one OpenAPI name each). Money is
integer minor units plus currency; dates are the facility's local business dates; check-out is
exclusive (the last day is not stored). Request bodies refuse unknown fields (STRICT_INPUT)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT


# ---------------------------------------------------------------- companies (S001)

class StorageCompanyOut(Schema):
    id: int
    company_id: str
    organization_id: str
    name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    country: str
    postal_code: str
    latitude: float | None
    longitude: float | None
    contact_email: str
    contact_phone: str
    is_deleted: bool
    created_ts: int
    updated_ts: int
    created_at: dt.datetime
    updated_at: dt.datetime


class StorageCompanyIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    address_line1: str = Field(..., min_length=1, max_length=200)
    company_id: str = Field("", max_length=40)
    organization_id: str = Field("", max_length=100)
    address_line2: str = Field("", max_length=200)
    city: str = Field("", max_length=120)
    state: str = Field("", max_length=120)
    country: str = Field("", max_length=2)
    postal_code: str = Field("", max_length=20)
    latitude: float | None = None
    longitude: float | None = None
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=40)


class StorageCompanyPatch(Schema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=200)
    organization_id: str | None = Field(None, max_length=100)
    address_line1: str | None = Field(None, min_length=1, max_length=200)
    address_line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=120)
    state: str | None = Field(None, max_length=120)
    country: str | None = Field(None, max_length=2)
    postal_code: str | None = Field(None, max_length=20)
    latitude: float | None = None
    longitude: float | None = None
    contact_email: str | None = Field(None, max_length=254)
    contact_phone: str | None = Field(None, max_length=40)


# ---------------------------------------------------------------- facilities (S002)

class StorageFacilityOut(Schema):
    id: int
    facility_id: str
    company: int
    company_name: str
    name: str
    description: str
    address: dict[str, Any]
    latitude: float | None
    longitude: float | None
    time_zone: str
    open_hours: dict[str, Any]
    cutoff_time: str | None
    pallet_type: str
    max_pallet_height_cm: Decimal | None
    max_pallet_width_cm: Decimal | None
    status: str
    is_featured: bool
    currency: str
    hold_ttl_minutes: int
    contact_email: str
    contact_phone: str
    is_deleted: bool
    created_ts: int
    updated_ts: int

    @staticmethod
    def resolve_company(obj):
        return obj.company_id

    @staticmethod
    def resolve_company_name(obj):
        return obj.company.name

    @staticmethod
    def resolve_latitude(obj):
        return None if obj.site.latitude is None else float(obj.site.latitude)

    @staticmethod
    def resolve_longitude(obj):
        return None if obj.site.longitude is None else float(obj.site.longitude)

    @staticmethod
    def resolve_time_zone(obj):
        return obj.site.time_zone

    @staticmethod
    def resolve_open_hours(obj):
        return obj.site.opening_hours or {}

    @staticmethod
    def resolve_cutoff_time(obj):
        return obj.site.cutoff_time.strftime("%H:%M") if obj.site.cutoff_time else None


class StorageFacilityIn(Schema):
    model_config = STRICT_INPUT
    company_pk: int
    name: str = Field(..., min_length=1, max_length=200)
    address_line1: str = Field(..., min_length=1, max_length=200)
    facility_id: str = Field("", max_length=40)
    currency: str | None = Field(None, min_length=3, max_length=3)
    address_line2: str = Field("", max_length=200)
    city: str = Field("", max_length=120)
    state: str = Field("", max_length=120)
    country: str = Field("", max_length=2)
    postal_code: str = Field("", max_length=20)
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str | None = Field(None, max_length=60)
    open_hours: dict[str, Any] | str | None = None
    cutoff_time: dt.time | None = None
    description: str = ""
    contact_email: str = Field("", max_length=254)
    contact_phone: str = Field("", max_length=40)
    pallet_type: str = Field("Standard", max_length=60)
    max_pallet_height_cm: Decimal | None = None
    max_pallet_width_cm: Decimal | None = None
    status: str = Field("ACTIVE", max_length=12)
    is_featured: bool = False
    hold_ttl_minutes: int = 30


class StorageFacilityPatch(Schema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=200)
    address_line1: str | None = Field(None, min_length=1, max_length=200)
    address_line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=120)
    state: str | None = Field(None, max_length=120)
    country: str | None = Field(None, max_length=2)
    postal_code: str | None = Field(None, max_length=20)
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str | None = Field(None, max_length=60)
    open_hours: dict[str, Any] | str | None = None
    cutoff_time: dt.time | None = None
    description: str | None = None
    contact_email: str | None = Field(None, max_length=254)
    contact_phone: str | None = Field(None, max_length=40)
    pallet_type: str | None = Field(None, max_length=60)
    max_pallet_height_cm: Decimal | None = None
    max_pallet_width_cm: Decimal | None = None
    status: str | None = Field(None, max_length=12)
    is_featured: bool | None = None
    hold_ttl_minutes: int | None = None


class StorageFacilityHit(Schema):
    facility: StorageFacilityOut
    distance_km: float | None
    free_pallets: int | None
    features: list[str]


class StorageSlotOut(Schema):
    date: dt.date
    slot_id: int | None
    capacity: int
    occupied: int
    held: int
    available: int
    fill: float
    open: bool
    deposit_required: bool = False
    deposit_minor: int | None = None
    free_cancellation: bool = False
    cancellation_minor: int | None = None
    cancellation_unit: str = ""
    cancellation_window: int | None = None
    prepayment_required: bool = False


class StorageSlotPolicyIn(Schema):
    model_config = STRICT_INPUT
    deposit_required: bool = False
    deposit_minor: int | None = Field(None, ge=0)
    free_cancellation: bool = False
    cancellation_minor: int | None = Field(None, ge=0)
    cancellation_unit: str = Field("", max_length=5)
    cancellation_window: int | None = Field(None, ge=0)
    prepayment_required: bool = False


class StorageSlotsIn(Schema):
    model_config = STRICT_INPUT
    start_date: dt.date
    end_date: dt.date
    capacity: int = Field(..., ge=0)
    policy: StorageSlotPolicyIn | None = None


# ---------------------------------------------------------------- features (S004) and media (S013)

class StorageFeatureOut(Schema):
    id: int
    feature_id: str
    code: str
    name: str
    description: str


class StorageFeatureIn(Schema):
    model_config = STRICT_INPUT
    code: str = Field(..., min_length=2, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    description: str = ""
    feature_id: str = Field("", max_length=40)


class StorageFacilityFeatureOut(Schema):
    id: int
    facility: int
    feature: int
    code: str
    name: str
    is_active: bool

    @staticmethod
    def resolve_facility(obj):
        return obj.facility_id

    @staticmethod
    def resolve_feature(obj):
        return obj.feature_id

    @staticmethod
    def resolve_code(obj):
        return obj.feature.code

    @staticmethod
    def resolve_name(obj):
        return obj.feature.name


class StorageFacilityFeatureIn(Schema):
    model_config = STRICT_INPUT
    feature_pk: int
    is_active: bool = True


class StorageMediaOut(Schema):
    id: int
    facility: int
    kind: str
    caption: str
    content_type: str
    size: int
    file_id: str
    url: str

    @staticmethod
    def resolve_facility(obj):
        return obj.facility_id

    @staticmethod
    def resolve_file_id(obj):
        return obj.file.name

    @staticmethod
    def resolve_url(obj):
        return f"/storage/media/{obj.pk}/"


# ---------------------------------------------------------------- prices (S005/S006/S007) and tax (S011)

class StoragePriceLineOut(Schema):
    kind: str
    product_code: str
    description: str
    calculation: str
    date_from: dt.date
    date_to: dt.date
    days: int
    quantity: int
    rate_minor: int | None
    percent: Decimal | None
    amount_minor: int
    tax_name: str
    tax_rate: Decimal
    tax_minor: int

    @staticmethod
    def resolve_calculation(obj):
        from .services.pricing import SEED_NAMES

        value = obj["calculation"] if isinstance(obj, dict) else obj.calculation
        return SEED_NAMES.get(value, value)


class StorageQuoteOut(Schema):
    currency: str
    lines: list[StoragePriceLineOut]
    base_price_minor: int
    features_price_minor: int
    tax_minor: int
    total_minor: int
    free_pallets: int
    deposit_minor: int
    prepayment_required: bool


class StoragePriceRuleOut(Schema):
    id: int
    name: str
    product_code: str
    calculation: str
    amount_minor: int | None
    percent: Decimal | None
    currency: str
    effective_from: dt.date
    effective_to: dt.date | None
    is_promotional: bool
    site_id: int | None
    is_active: bool

    @staticmethod
    def resolve_calculation(obj):
        from .services.pricing import SEED_NAMES

        return SEED_NAMES.get(obj.calculation, obj.calculation)


class StorageBasePriceIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    rate_minor: int = Field(..., ge=0)
    effective_from: dt.date
    effective_to: dt.date | None = None
    facility_pk: int | None = None
    is_promotional: bool = False


class StorageFeaturePriceIn(Schema):
    model_config = STRICT_INPUT
    feature_pk: int
    name: str = Field(..., min_length=1, max_length=200)
    calculation: str = Field("PALLET_PER_DAY", max_length=20)
    value: Decimal = Field(..., ge=0)
    effective_from: dt.date
    effective_to: dt.date | None = None
    facility_pk: int | None = None
    is_promotional: bool = False
    currency: str | None = Field(None, min_length=3, max_length=3)


class StorageRepricingOut(Schema):
    repriced: list[str]
    locked: list[str]


class StorageTaxOut(Schema):
    id: int
    name: str
    rate: Decimal
    country: str
    region: str
    effective_from: dt.date
    effective_to: dt.date | None
    is_active: bool


class StorageTaxIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=100)
    rate: Decimal = Field(..., ge=0, le=100)
    effective_from: dt.date
    effective_to: dt.date | None = None
    country: str = Field("", max_length=2)
    region: str = Field("", max_length=100)


# ---------------------------------------------------------------- bookings and holds (S008/S009/S010)

class StorageBookingOut(Schema):
    id: int
    booking_ref: str
    facility_id: int
    facility_name: str
    customer_id: int
    customer_name: str
    status: str
    pallets: int
    check_in: dt.date
    check_out: dt.date
    days: int
    features: list[str]
    pallet_height_cm: Decimal | None
    pallet_width_cm: Decimal | None
    currency: str
    deposit_minor: int
    prepayment_required: bool
    policy: dict[str, Any]
    cancellation_fee_minor: int | None
    booking_ts: int
    hold_status: str | None
    hold_expires_at: dt.datetime | None
    hold_reason: str
    version: int
    created_at: dt.datetime
    price_locked: bool
    base_price_minor: int
    features_price_minor: int
    tax_minor: int
    total_minor: int
    paid_minor: int
    outstanding_minor: int
    required_before_confirmation_minor: int


class StorageBookingPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[StorageBookingOut]


class StorageHoldIn(Schema):
    model_config = STRICT_INPUT
    facility_pk: int
    start_date: dt.date
    end_date: dt.date
    pallets: int = Field(..., ge=1)
    features: list[str] = []
    customer_id: int | None = None
    pallet_height_cm: Decimal | None = None
    pallet_width_cm: Decimal | None = None
    notes: str = Field("", max_length=2000)


class StorageStepIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field("", max_length=300)
    version: int | None = None


class StorageExtendIn(Schema):
    model_config = STRICT_INPUT
    minutes: int | None = Field(None, ge=1)


class StorageHistoryOut(Schema):
    from_status: str
    to_status: str
    transition: str
    reason: str
    at: dt.datetime


# ---------------------------------------------------------------- invoices and receipts (S012)

class StorageInvoiceOut(Schema):
    id: int
    number: int | None
    booking_id: int | None
    customer_id: int
    status: str
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    allocated_minor: int = 0
    remaining_minor: int = 0
    payment_method: str
    created_at: dt.datetime


class StorageReceiptOut(Schema):
    id: int
    booking_id: int | None
    customer_id: int
    kind: str
    amount_minor: int
    currency: str
    method: str
    reference: str
    paid_at: dt.datetime | None
    allocated_minor: int = 0
    unallocated_minor: int = 0


class StoragePaymentIn(Schema):
    model_config = STRICT_INPUT
    amount_minor: int = Field(..., ge=1)
    method: str = Field("CARD", max_length=14)
    reference: str = Field("", max_length=200)


class StorageReceiptIn(Schema):
    model_config = STRICT_INPUT
    customer_id: int
    amount_minor: int = Field(..., ge=1)
    invoice_ids: list[int] = Field(..., min_length=1)
    method: str = Field("BANK_TRANSFER", max_length=14)
    reference: str = Field("", max_length=200)

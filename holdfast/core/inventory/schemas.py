from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema
from holdfast.kit.clock import now


class SiteIn(Schema):
    model_config = STRICT_INPUT

    name: str = Field(..., min_length=1, max_length=200)
    kind: str = "OTHER"
    code: str = ""
    address: dict = {}
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    time_zone: str | None = None
    status: str = "ACTIVE"
    opening_hours: dict = {}
    cutoff_time: dt.time | None = None
    media: list[dict] = []


class SitePatch(PatchSchema):
    model_config = STRICT_INPUT
    clearable = frozenset({'cutoff_time', 'latitude', 'longitude'})

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: str | None = None
    code: str | None = None
    address: dict | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    time_zone: str | None = None
    status: str | None = None
    opening_hours: dict | None = None
    cutoff_time: dt.time | None = None
    media: list[dict] | None = None


class SiteOut(Schema):
    id: int
    kind: str
    name: str
    code: str
    address: dict
    latitude: Decimal | None
    longitude: Decimal | None
    time_zone: str
    status: str
    opening_hours: dict
    cutoff_time: dt.time | None
    media: list
    created_at: dt.datetime


class ResourceTypeIn(Schema):
    model_config = STRICT_INPUT

    name: str = Field(..., min_length=1, max_length=120)
    site_id: int | None = None
    code: str = ""
    max_occupancy: int | None = Field(None, ge=1)
    attributes: dict = {}


class ResourceTypeOut(Schema):
    id: int
    site_id: int | None
    name: str
    code: str
    max_occupancy: int | None
    attributes: dict


class ResourceIn(Schema):
    model_config = STRICT_INPUT

    site_id: int
    name: str = Field(..., min_length=1, max_length=120)
    resource_type_id: int | None = None
    code: str = ""
    attributes: dict = {}


class ResourceOut(Schema):
    id: int
    site_id: int
    resource_type_id: int | None
    name: str
    code: str
    status: str
    attributes: dict


class ResourceStatusIn(Schema):
    model_config = STRICT_INPUT

    status: str


class PoolIn(Schema):
    model_config = STRICT_INPUT

    site_id: int
    name: str = Field(..., min_length=1, max_length=120)
    unit: str = "units"
    default_capacity: int = Field(..., ge=0)


class PoolOut(Schema):
    id: int
    site_id: int
    name: str
    unit: str
    default_capacity: int


class CapacityIn(Schema):
    model_config = STRICT_INPUT

    start_date: dt.date
    end_date: dt.date
    capacity: int = Field(..., ge=0)


class CapacityDayOut(Schema):
    date: dt.date
    capacity: int
    occupied: int
    held: int
    remaining: int
    fits: bool | None = None


class BlockIn(Schema):
    model_config = STRICT_INPUT

    resource_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    kind: str = "MAINTENANCE"
    reason: str = Field("", max_length=300)


class BlockOut(Schema):
    id: int
    resource_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    kind: str
    active: bool
    expires_at: dt.datetime | None
    hold_id: int | None
    reason: str


class HoldIn(Schema):
    model_config = STRICT_INPUT

    resource_ids: list[int] | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    pool_id: int | None = None
    quantity: int = Field(0, ge=0)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    ttl_minutes: int | None = None
    reason: str = Field("", max_length=300)


class MoveHoldIn(Schema):
    """Leave a field out to keep it; `ends_at: null` means for good."""

    model_config = STRICT_INPUT

    resource_ids: list[int] | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class HoldOut(Schema):
    id: int
    status: str
    expires_at: dt.datetime | None
    extensions: int
    pool_id: int | None
    quantity: int
    start_date: dt.date | None
    end_date: dt.date | None
    reason: str
    created_at: dt.datetime
    ended_at: dt.datetime | None

    @staticmethod
    def resolve_status(obj) -> str:
        # An ACTIVE hold past its expiry already blocks nobody (availability ignores it); answer it as
        # it is rather than as the sweeper has not yet written it.
        if obj.status == "ACTIVE" and obj.expires_at is not None and obj.expires_at <= now():
            return "EXPIRED"
        return obj.status


class ExtendIn(Schema):
    model_config = STRICT_INPUT

    minutes: int | None = None


class ReleaseIn(Schema):
    model_config = STRICT_INPUT

    reason: str = Field("", max_length=300)


class FreeOut(Schema):
    resource_id: int
    free: bool


class DayCountOut(Schema):
    date: dt.date
    total: int
    free: int


class TypeFreeOut(Schema):
    resource_type_id: int | None
    free: int
    resources: list[dict]


class CalendarOut(Schema):
    dates: list[dt.date]
    resources: list[dict]


class InventoryPage(Schema):
    count: int
    page: int
    page_size: int
    results: list


class SitePage(InventoryPage):
    results: list[SiteOut]


class ResourcePage(InventoryPage):
    results: list[ResourceOut]


class HoldPage(InventoryPage):
    results: list[HoldOut]


class BlockPage(InventoryPage):
    results: list[BlockOut]

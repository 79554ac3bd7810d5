from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from holdfast.kit.api import STRICT_INPUT, PatchSchema


class AddressSchema(BaseModel):
    # A plain pydantic model on purpose: ninja's Schema reads attributes of any object, so a string
    # sent as the address would silently become an empty address instead of a 422.
    model_config = ConfigDict(extra="forbid")

    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=200)
    region: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=200)
    country: str = Field("", max_length=200)


class CustomerIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    email: str = ""
    phone: str = ""
    address: AddressSchema | None = None
    notes: str = ""
    is_verified: bool = False


class CustomerPatch(PatchSchema):
    model_config = STRICT_INPUT
    clearable = frozenset({'address'})  # null = no address
    version: int
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    address: AddressSchema | None = None
    notes: str | None = None


class DeactivateIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field(..., min_length=1, max_length=300)
    override: bool = False


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    address: dict
    notes: str
    is_verified: bool
    is_active: bool
    deactivated_at: dt.datetime | None
    deactivation_reason: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CustomerOut]

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class AddressSchema(Schema):
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


class CustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = ""
    phone: str = ""
    address: AddressSchema | None = None
    notes: str = ""
    is_verified: bool = False


class CustomerPatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    address: AddressSchema | None = None
    notes: str | None = None


class DeactivateIn(Schema):
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

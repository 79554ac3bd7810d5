from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT


class BookingIn(Schema):
    model_config = STRICT_INPUT

    flow: str = "generic"
    customer_id: int | None = None
    resource_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    pool_id: int | None = None
    quantity: int = Field(0, ge=0)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    ttl_minutes: int | None = None
    notes: str = Field("", max_length=5000)
    reference: str = Field("", max_length=40)
    status: str | None = Field(None, max_length=40, description="One of the flow's initial states; default its first.")


class MoveIn(Schema):
    """Leave a field out (or null) to keep it."""

    model_config = STRICT_INPUT

    resource_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    version: int | None = None
    reason: str = Field("", max_length=500)


class TransitionIn(Schema):
    model_config = STRICT_INPUT

    reason: str = Field("", max_length=500)
    version: int | None = None


class NotesIn(Schema):
    model_config = STRICT_INPUT

    version: int
    notes: str = Field("", max_length=5000)


class BookingOut(Schema):
    id: int
    flow: str
    status: str
    reference: str
    customer_id: int | None
    site_id: int | None
    resource_id: int | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    pool_id: int | None
    quantity: int
    start_date: dt.date | None
    end_date: dt.date | None
    hold_id: int | None
    hold_expires_at: dt.datetime | None = None
    notes: str
    data: dict
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    allowed_transitions: list[str] = []

    @staticmethod
    def resolve_hold_expires_at(obj):
        hold = obj.hold if obj.hold_id else None
        return hold.expires_at if hold is not None and hold.status == hold.ACTIVE else None

    @staticmethod
    def resolve_allowed_transitions(obj):
        from .flows import get_flow

        spec = get_flow(obj.flow)
        return spec.available(obj.status) if spec else []


class HistoryOut(Schema):
    id: int
    from_status: str
    to_status: str
    transition: str
    actor_id: int | None
    actor_label: str
    reason: str
    at: dt.datetime


class BookingPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[BookingOut]

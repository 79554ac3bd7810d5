from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema


class NotificationOut(Schema):
    id: int
    event_type: str
    title: str
    body: str
    data: dict
    read_at: dt.datetime | None
    created_at: dt.datetime


class NotificationPage(Schema):
    count: int
    page: int
    page_size: int
    unread: int
    results: list[NotificationOut]


class ReadAllOut(Schema):
    updated: int


class WebhookIn(Schema):
    model_config = STRICT_INPUT

    url: str = Field(..., min_length=1, max_length=500)
    event_types: list[str] = Field(default_factory=list, description="Event types or patterns (booking:*); empty means every event.")
    description: str = ""
    is_active: bool = True


class WebhookPatch(PatchSchema):
    model_config = STRICT_INPUT

    url: str | None = Field(None, min_length=1, max_length=500)
    event_types: list[str] | None = None
    description: str | None = None
    is_active: bool | None = None


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    description: str
    is_active: bool
    created_at: dt.datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(..., description="Shown once: store it to verify X-Holdfast-Signature.")


class DeliveryOut(Schema):
    id: int
    event_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_error: str
    response_excerpt: str
    delivered_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_event_type(obj) -> str:
        return obj.event.event_type


class DeliveryPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DeliveryOut]


class TestEventOut(Schema):
    event_id: int
    event_type: str

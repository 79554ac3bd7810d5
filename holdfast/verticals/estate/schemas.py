"""Estate API shapes. Money is integer minor units plus currency; booking `status` is the stored
state and `display_status` the derived one (seed 000 §E)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema


class ProjectOut(Schema):
    id: int
    name: str
    site_id: int
    city: str
    description: str
    currency: str
    down_payment_percent: Decimal
    hold_ttl_minutes: int
    is_published: bool
    unit_count: int = 0
    available_count: int = 0
    held_count: int = 0
    sold_count: int = 0

    @staticmethod
    def resolve_name(obj):
        return obj.site.name


class ProjectIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    currency: str | None = Field(None, min_length=3, max_length=3)
    down_payment_percent: Decimal = Decimal("10")
    hold_ttl_minutes: int = 3 * 24 * 60
    city: str = Field("", max_length=120)
    description: str = ""


class ProjectPatch(PatchSchema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=200)
    down_payment_percent: Decimal | None = None
    hold_ttl_minutes: int | None = None
    is_published: bool | None = None
    city: str | None = Field(None, max_length=120)
    description: str | None = None


class UnitOut(Schema):
    id: int
    project_id: int
    resource_id: int
    code: str
    floor: int | None
    bedrooms: int
    area_sqm: Decimal | None
    price_minor: int
    currency: str
    status: str


class UnitIn(Schema):
    model_config = STRICT_INPUT
    project_id: int
    code: str = Field(..., min_length=1, max_length=40)
    price_minor: int = Field(..., ge=0)
    bedrooms: int = Field(0, ge=0, le=50)
    floor: int | None = None
    area_sqm: Decimal | None = None


class UnitPatch(PatchSchema):
    model_config = STRICT_INPUT
    clearable = frozenset({'floor'})
    price_minor: int | None = Field(None, ge=0)
    bedrooms: int | None = Field(None, ge=0, le=50)
    floor: int | None = None


class EstateBookingOut(Schema):
    id: int
    unit_id: int
    unit_code: str
    project_id: int
    customer_id: int
    customer_name: str
    status: str
    display_status: str
    display_label: str
    price_minor: int
    required_minor: int
    received_minor: int
    remaining_minor: int
    currency: str
    hold_expires_at: dt.datetime | None
    version: int
    created_at: dt.datetime

    @staticmethod
    def resolve_id(obj):
        return obj.booking_id

    @staticmethod
    def resolve_unit_code(obj):
        return obj.unit.code

    @staticmethod
    def resolve_project_id(obj):
        return obj.unit.project_id

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_version(obj):
        return obj.booking.version


class EstateHoldIn(Schema):
    model_config = STRICT_INPUT
    unit_id: int
    customer_id: int | None = None
    notes: str = Field("", max_length=2000)


class StepIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field("", max_length=500)
    version: int | None = None


class EstatePaymentOut(Schema):
    """A billing payment of the booking (source estate.booking); `received_at` is billing's paid_at."""

    id: int
    booking_id: int
    kind: str
    status: str
    method: str
    amount_minor: int
    currency: str
    due_date: dt.date | None
    received_at: dt.datetime | None
    reference: str
    reminder_count: int
    last_reminder_at: dt.datetime | None

    @staticmethod
    def resolve_received_at(obj):
        return obj.paid_at


class EstatePaymentIn(Schema):
    model_config = STRICT_INPUT
    amount_minor: int = Field(..., gt=0)
    method: str = "BANK_TRANSFER"
    kind: str = "DOWN_PAYMENT"
    reference: str = Field("", max_length=120)
    received_at: dt.datetime | None = None


class ExpectedPaymentIn(Schema):
    model_config = STRICT_INPUT
    amount_minor: int = Field(..., gt=0)
    due_date: dt.date
    kind: str = "INSTALMENT"


class ReceiveIn(Schema):
    model_config = STRICT_INPUT
    method: str = "BANK_TRANSFER"
    reference: str = Field("", max_length=120)


class VoidIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field(..., min_length=1, max_length=300)


class EstateReminderOut(Schema):
    id: int
    payment_id: int
    status: str
    scheduled_for: dt.datetime
    sent_at: dt.datetime | None
    to_email: str
    message: str
    attempts: int
    last_error: str


class EstateReminderIn(Schema):
    model_config = STRICT_INPUT
    send_at: dt.datetime | None = None  # none or past: send now
    message: str = Field("", max_length=2000)
    to_email: str = Field("", max_length=254)


class LeadOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    source: str
    stage: str
    assigned_agent_id: int | None
    customer_id: int | None
    project_id: int | None
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    source: str = Field("", max_length=60)
    notes: str = ""
    project_id: int | None = None
    assigned_agent_id: int | None = None


class LeadActivityOut(Schema):
    id: int
    kind: str
    text: str
    actor_id: int | None
    at: dt.datetime


class StageIn(Schema):
    model_config = STRICT_INPUT
    stage: str
    note: str = Field("", max_length=500)


class EstateAssignIn(Schema):
    model_config = STRICT_INPUT
    agent_id: int | None = None


class NoteIn(Schema):
    model_config = STRICT_INPUT
    text: str = Field(..., min_length=1, max_length=1000)


class LinkIn(Schema):
    model_config = STRICT_INPUT
    customer_id: int | None = None


class ReviewOut(Schema):
    id: int
    customer_id: int
    project_id: int | None
    agent_id: int | None
    rating: int
    text: str
    status: str
    created_at: dt.datetime


class ReviewIn(Schema):
    model_config = STRICT_INPUT
    rating: int = Field(..., ge=1, le=5)
    text: str = Field("", max_length=4000)
    project_id: int | None = None
    agent_id: int | None = None


class ModerateIn(Schema):
    model_config = STRICT_INPUT
    approve: bool
    note: str = Field("", max_length=300)


class RatingRow(Schema):
    id: int
    name: str
    average: float
    count: int


class RatingsOut(Schema):
    projects: list[RatingRow]
    agents: list[RatingRow]


class EstateMonthReceivedOut(Schema):
    """Money received in one calendar month (a list of objects, not tuples: clearer to clients and valid
    for every OpenAPI tool)."""
    month: str  # "2026-07"
    label: str  # "Jul 2026"
    received_minor: int


class DashboardOut(Schema):
    holds_waiting: int
    approved: int
    units_sold: int
    units_available: int
    units_held: int
    payments_received_minor: int
    overdue_count: int
    overdue_minor: int
    currency: str
    received_by_month: list[EstateMonthReceivedOut]


class _Page(Schema):
    count: int
    page: int
    page_size: int


class ProjectPage(_Page):
    results: list[ProjectOut]


class UnitPage(_Page):
    results: list[UnitOut]


class EstateBookingPage(_Page):
    results: list[EstateBookingOut]


class LeadPage(_Page):
    results: list[LeadOut]


class ReviewPage(_Page):
    results: list[ReviewOut]

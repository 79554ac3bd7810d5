"""Petcare API shapes (seed 003 words: jobs, invoice_items, PENDING / BOOKED / COMPLETED / CANCELLED).
Money is integer minor units plus currency; times are UTC instants (ISO 8601 with offset)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT


class PetcareServiceOut(Schema):
    id: int
    name: str
    description: str
    price_minor: int
    currency: str
    duration_minutes: int
    is_active: bool
    version: int


class PetcareServiceIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=120)
    price_minor: int = Field(..., ge=0, le=10**12)
    duration_minutes: int = Field(60, ge=5, le=1440)
    description: str = Field("", max_length=5000)
    is_active: bool = True


class PetcareServicePatch(Schema):
    model_config = STRICT_INPUT
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=120)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    duration_minutes: int | None = Field(None, ge=5, le=1440)
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class PetcareWindow(Schema):
    model_config = STRICT_INPUT
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: dt.time
    end: dt.time


class PetcareWalkerOut(Schema):
    id: int
    user_id: int
    name: str
    resource_id: int
    phone: str
    bio: str
    years_experience: int
    skills: list
    is_active: bool
    service_ids: list[int]
    availability: list[dict]

    @staticmethod
    def resolve_name(obj):
        return obj.resource.name

    @staticmethod
    def resolve_service_ids(obj):
        return sorted(s.pk for s in obj.services.all())

    @staticmethod
    def resolve_availability(obj):
        from .models import WEEKDAYS

        return [{"day": WEEKDAYS[a.weekday], "start": a.start_time.isoformat("minutes"), "end": a.end_time.isoformat("minutes")} for a in obj.availability.all()]


class PetcareWalkerIn(Schema):
    model_config = STRICT_INPUT
    user_id: int = Field(..., ge=1)
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)
    bio: str = Field("", max_length=5000)
    years_experience: int = Field(0, ge=0, le=80)
    skills: list[str] = Field(default_factory=list, max_length=50)
    service_ids: list[int] = Field(default_factory=list, max_length=200)


class PetcareWalkerPatch(Schema):
    model_config = STRICT_INPUT
    phone: str | None = Field(None, max_length=40)
    bio: str | None = Field(None, max_length=5000)
    years_experience: int | None = Field(None, ge=0, le=80)
    skills: list[str] | None = Field(None, max_length=50)
    service_ids: list[int] | None = Field(None, max_length=200)
    is_active: bool | None = None


class PetcareAvailabilityIn(Schema):
    model_config = STRICT_INPUT
    windows: list[PetcareWindow] = Field(..., max_length=70)


class PetcareTimeOffIn(Schema):
    model_config = STRICT_INPUT
    walker_id: int = Field(..., ge=1)
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str = Field("", max_length=300)


class PetcareTimeOffOut(Schema):
    id: int
    walker_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str
    status: str
    decided_at: dt.datetime | None


class PetcareDecisionIn(Schema):
    model_config = STRICT_INPUT
    approve: bool
    note: str = Field("", max_length=300)


class PetcareTimeOffDecisionOut(Schema):
    time_off: PetcareTimeOffOut
    jobs_to_reassign: list[int]


class PetcareDogOut(Schema):
    id: int
    customer_id: int
    name: str
    breed: str
    notes: str
    vet_details: str
    is_active: bool


class PetcareDogIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=120)
    breed: str = Field("", max_length=120)
    notes: str = Field("", max_length=5000)
    vet_details: str = Field("", max_length=5000)


class PetcareDogPatch(Schema):
    model_config = STRICT_INPUT
    name: str | None = Field(None, min_length=1, max_length=120)
    breed: str | None = Field(None, max_length=120)
    notes: str | None = Field(None, max_length=5000)
    vet_details: str | None = Field(None, max_length=5000)
    is_active: bool | None = None


class PetcareClientOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    address: dict
    notes: str
    is_active: bool
    deactivated_at: dt.datetime | None
    reactivation_expires_at: dt.datetime | None
    vet_details: str
    emergency_contact: str
    onboarding_step: int
    profile_complete: bool
    dog_ids: list[int]
    version: int

    @staticmethod
    def resolve_reactivation_expires_at(obj):
        p = getattr(obj, "petcare_profile", None)
        return p.reactivation_expires_at if p else None

    @staticmethod
    def resolve_vet_details(obj):
        p = getattr(obj, "petcare_profile", None)
        return p.vet_details if p else ""

    @staticmethod
    def resolve_emergency_contact(obj):
        p = getattr(obj, "petcare_profile", None)
        return p.emergency_contact if p else ""

    @staticmethod
    def resolve_onboarding_step(obj):
        p = getattr(obj, "petcare_profile", None)
        return p.onboarding_step if p else 1

    @staticmethod
    def resolve_profile_complete(obj):
        from .selectors import profile_complete

        return profile_complete(obj)

    @staticmethod
    def resolve_dog_ids(obj):
        return sorted(obj.petcare_dogs.values_list("pk", flat=True))


class PetcareClientIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    address: dict = Field(default_factory=dict)
    notes: str = Field("", max_length=5000)
    vet_details: str = Field("", max_length=5000)
    emergency_contact: str = Field("", max_length=300)


class PetcareClientPatch(Schema):
    model_config = STRICT_INPUT
    version: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    address: dict | None = None
    notes: str | None = Field(None, max_length=5000)
    vet_details: str | None = Field(None, max_length=5000)
    emergency_contact: str | None = Field(None, max_length=300)
    onboarding_step: int | None = Field(None, ge=1, le=4)


class PetcareDeactivateIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field(..., min_length=1, max_length=300)
    override: bool = False
    reactivation_days: int | None = Field(None, ge=1, le=3650)


class PetcareReactivateIn(Schema):
    model_config = STRICT_INPUT
    override: bool = False


class PetcareJobOut(Schema):
    id: int
    status: str
    client_status: str
    customer_id: int | None
    service_id: int
    staff_id: int | None
    recurring_job_id: int | None
    dog_ids: list[int]
    start: dt.datetime
    end: dt.datetime
    price_minor: int | None
    effective_price_minor: int
    currency: str
    notes: str
    walk_route: list
    staff_response: str
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancellation_reason: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_id(obj):
        return obj.pk

    @staticmethod
    def resolve_status(obj):
        return obj.booking.status

    @staticmethod
    def resolve_client_status(obj):
        from .selectors import CLIENT_LABELS

        return CLIENT_LABELS.get(obj.booking.status, obj.booking.status)

    @staticmethod
    def resolve_customer_id(obj):
        return obj.booking.customer_id

    @staticmethod
    def resolve_staff_id(obj):
        from .selectors import walker_of_job

        walker = walker_of_job(obj)
        return walker.pk if walker else None

    @staticmethod
    def resolve_recurring_job_id(obj):
        return obj.series_id

    @staticmethod
    def resolve_dog_ids(obj):
        return sorted(d.pk for d in obj.dogs.all())

    @staticmethod
    def resolve_start(obj):
        return obj.booking.starts_at

    @staticmethod
    def resolve_end(obj):
        return obj.booking.ends_at

    @staticmethod
    def resolve_notes(obj):
        return obj.booking.notes

    @staticmethod
    def resolve_version(obj):
        return obj.booking.version


class PetcareJobPage(Schema):
    results: list[PetcareJobOut]
    count: int
    page: int
    page_size: int


class PetcareJobIn(Schema):
    model_config = STRICT_INPUT
    customer_id: int = Field(..., ge=1)
    service_id: int = Field(..., ge=1)
    start: dt.datetime
    end: dt.datetime | None = None
    staff_id: int | None = Field(None, ge=1)
    dog_ids: list[int] = Field(default_factory=list, max_length=20)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    notes: str = Field("", max_length=5000)
    status: Literal["BOOKED", "PENDING"] = "BOOKED"
    override: bool = False
    walk_route: list = Field(default_factory=list, max_length=500)


class PetcareJobRequestIn(Schema):
    model_config = STRICT_INPUT
    service_id: int = Field(..., ge=1)
    start: dt.datetime
    dog_ids: list[int] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=5000)
    customer_id: int | None = Field(None, ge=1)


class PetcareJobPatch(Schema):
    model_config = STRICT_INPUT
    notes: str | None = Field(None, max_length=5000)
    dog_ids: list[int] | None = Field(None, max_length=20)
    walk_route: list | None = Field(None, max_length=500)


class PetcareApproveIn(Schema):
    model_config = STRICT_INPUT
    staff_id: int | None = Field(None, ge=1)
    override: bool = False
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcareAssignIn(Schema):
    model_config = STRICT_INPUT
    staff_id: int = Field(..., ge=1)
    override: bool = False
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcareRespondIn(Schema):
    model_config = STRICT_INPUT
    accept: bool
    reason: str = Field("", max_length=500)
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcareRescheduleIn(Schema):
    model_config = STRICT_INPUT
    start: dt.datetime
    end: dt.datetime | None = None
    override: bool = False
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcareReasonIn(Schema):
    model_config = STRICT_INPUT
    reason: str = Field("", max_length=500)
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcarePriceIn(Schema):
    model_config = STRICT_INPUT
    price_minor: int | None = Field(..., ge=0, le=10**12)
    adjust_billing: bool = False
    reason: str = Field("", max_length=300)
    version: int | None = Field(None, ge=0, description="The job version the caller saw; a changed job answers 409 stale_version.")


class PetcareSeriesIn(Schema):
    model_config = STRICT_INPUT
    customer_id: int = Field(..., ge=1)
    service_id: int = Field(..., ge=1)
    weekdays: list[int] = Field(..., min_length=1, max_length=7)
    local_time: dt.time
    starts_on: dt.date
    until: dt.date | None = None
    count: int | None = Field(None, ge=1, le=200)
    staff_id: int | None = Field(None, ge=1)
    price_minor: int | None = Field(None, ge=0, le=10**12)
    dog_ids: list[int] = Field(default_factory=list, max_length=20)
    notes: str = Field("", max_length=5000)
    override: bool = False


class PetcareOccurrenceOut(Schema):
    starts_at: dt.datetime
    local: str
    status: str
    job_id: int | None = None
    code: str | None = None
    message: str | None = None


class PetcareSeriesOut(Schema):
    series_id: int
    booked: int
    refused: int
    occurrences: list[PetcareOccurrenceOut]


class PetcareInvoiceItemOut(Schema):
    id: int
    invoice_id: int | None
    job_id: int | None
    customer_id: int
    description: str
    quantity: int
    price_minor: int
    amount_minor: int
    tax_minor: int
    currency: str
    date: dt.date | None
    status: str
    created_at: dt.datetime

    @staticmethod
    def resolve_job_id(obj):
        return obj.booking_id

    @staticmethod
    def resolve_price_minor(obj):
        return obj.unit_price_minor

    @staticmethod
    def resolve_date(obj):
        return obj.service_date


class PetcareGenerateIn(Schema):
    model_config = STRICT_INPUT
    customer_id: int = Field(..., ge=1)
    item_ids: list[int] = Field(..., min_length=1, max_length=500)
    issue: bool = False
    notes: str = Field("", max_length=5000)


class PetcareInvoiceOut(Schema):
    id: int
    invoice_number: str
    customer_id: int
    status: str
    amount_minor: int
    currency: str
    due_date: dt.date | None
    paid_at: dt.datetime | None
    sent_to_client: dt.datetime | None
    payment_method: str
    reminder_count: int
    last_reminder_at: dt.datetime | None
    item_ids: list[int]

    @staticmethod
    def resolve_invoice_number(obj):
        return obj.display_number

    @staticmethod
    def resolve_amount_minor(obj):
        return obj.total_minor

    @staticmethod
    def resolve_sent_to_client(obj):
        return obj.sent_to_customer_at

    @staticmethod
    def resolve_item_ids(obj):
        return sorted(obj.items.values_list("pk", flat=True))


class PetcareMarkPaidIn(Schema):
    model_config = STRICT_INPUT
    method: Literal["CASH", "CARD", "CHECK", "BANK_TRANSFER", "OTHER"]
    reference: str = Field("", max_length=200)


class PetcareFeedbackIn(Schema):
    model_config = STRICT_INPUT
    message: str = Field(..., min_length=1, max_length=5000)
    category: Literal["BUG", "IDEA", "PRAISE", "OTHER"] = "OTHER"


class PetcareFeedbackOut(Schema):
    id: int
    category: str
    message: str
    status: str
    created_at: dt.datetime


class PetcareDashboardOut(Schema):
    currency: str
    todays_jobs: int
    this_weeks_jobs: int
    active_clients: int
    revenue_last_7_days_minor: int
    unpaid_count: int
    unpaid_minor: int
    overdue_count: int
    overdue_minor: int
    paid_this_month_minor: int
    jobs_over_time: list[dict]
    service_breakdown: list[dict]
    revenue_trend: list[dict]
    days: int
    action_centre: list[dict]

"""Estate API (/api/v1/estate): thin; every rule lives in services, every read in selectors.

Customers (portal users) browse published projects and units, request and cancel their own holds,
see their own bookings and payments, and write reviews; staff act by the permissions of seed 000 §B.
"""
from __future__ import annotations

from ninja import Router, Status

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.api import ProblemSchema, paginate
from holdfast.kit.errors import PermissionDenied

from . import selectors, services
from .schemas import (
    EstateAssignIn, EstateBookingOut, EstateBookingPage, DashboardOut, ExpectedPaymentIn, EstateHoldIn, LeadActivityOut, LeadIn, LeadOut, LeadPage, LinkIn, ModerateIn, NoteIn, EstatePaymentIn,
    EstatePaymentOut, ProjectIn, ProjectOut, ProjectPage, ProjectPatch, RatingsOut, ReceiveIn, EstateReminderIn, EstateReminderOut, ReviewIn, ReviewOut, ReviewPage, StageIn, StepIn,
    UnitIn, UnitOut, UnitPage, UnitPatch, VoidIn,
)

router = Router(tags=["estate"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


def _browse(request) -> bool:
    """Staff see everything; a portal customer sees published projects only. Returns is_staff."""
    if has_perm(request.actor, request.tenant, "estate.view"):
        return True
    if has_perm(request.actor, request.tenant, "estate.booking.request"):
        return False
    raise PermissionDenied("You need the 'estate.view' permission for this.", code="permission_denied")


def _booking_out(request, booking_id: int):
    return selectors.get_booking(request.tenant, booking_id, user=request.actor)


def _visible(request, booking_id: int) -> None:
    """Before a step: a booking the actor may not see is 404 (a customer probing someone else's booking
    learns nothing, not even its state from a 409), as on the screens."""
    get_owned(selectors.bookings_for(request.tenant, request.actor), request.tenant, booking_id, what="booking")


# ---------------------------------------------------------------- projects and units

@router.get("/projects", response={200: ProjectPage, **ERRORS})
def list_projects(request, page: int = 1, page_size: int = 50):
    staff = _browse(request)
    return paginate(selectors.projects(request.tenant, published_only=not staff), page, page_size)


@router.post("/projects", response={201: ProjectOut, **ERRORS})
def create_project(request, payload: ProjectIn):
    require_perm(request.actor, request.tenant, "estate.project.manage")
    project = services.create_project(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.projects(request.tenant).get(pk=project.pk))


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERRORS})
def get_project(request, project_id: int):
    staff = _browse(request)
    return get_owned(selectors.projects(request.tenant, published_only=not staff), request.tenant, project_id, what="project")


@router.patch("/projects/{project_id}", response={200: ProjectOut, **ERRORS})
def update_project(request, project_id: int, payload: ProjectPatch):
    require_perm(request.actor, request.tenant, "estate.project.manage")
    services.update_project(tenant=request.tenant, actor=request.actor, project_id=project_id, **payload.dict(exclude_unset=True))
    return selectors.projects(request.tenant).get(pk=project_id)


@router.get("/units", response={200: UnitPage, **ERRORS})
def list_units(request, project_id: int | None = None, status: str | None = None, page: int = 1, page_size: int = 50):
    staff = _browse(request)
    qs = selectors.units(request.tenant, project_id=project_id, status=status)
    if not staff:
        qs = qs.filter(project__is_published=True)
    return paginate(qs, page, page_size)


@router.post("/units", response={201: UnitOut, **ERRORS})
def create_unit(request, payload: UnitIn):
    require_perm(request.actor, request.tenant, "estate.unit.manage")
    return Status(201, services.create_unit(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def get_unit(request, unit_id: int):
    _browse(request)
    return selectors.get_unit(request.tenant, unit_id)


@router.patch("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def update_unit(request, unit_id: int, payload: UnitPatch):
    require_perm(request.actor, request.tenant, "estate.unit.manage")
    return services.update_unit(tenant=request.tenant, actor=request.actor, unit_id=unit_id, **payload.dict(exclude_unset=True))


# ---------------------------------------------------------------- bookings (the section D flows)

@router.get("/bookings", response={200: EstateBookingPage, **ERRORS})
def list_bookings(request, status: str | None = None, unit_id: int | None = None, project_id: int | None = None, page: int = 1, page_size: int = 50):
    _browse(request)
    result = paginate(selectors.bookings_for(request.tenant, request.actor, status=status, unit_id=unit_id, project_id=project_id), page, page_size)
    result["results"] = selectors.with_display(result["results"])
    return result


@router.post("/bookings", response={201: EstateBookingOut, **ERRORS})
def create_hold(request, payload: EstateHoldIn):
    """Create Hold: HOLD_REQUESTED, the unit held. Customers hold for themselves."""
    booking = services.create_hold(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, _booking_out(request, booking.pk))


@router.get("/bookings/{booking_id}", response={200: EstateBookingOut, **ERRORS})
def get_booking(request, booking_id: int):
    _browse(request)
    return _booking_out(request, booking_id)


@router.post("/bookings/{booking_id}/approve", response={200: EstateBookingOut, **ERRORS})
def approve_hold(request, booking_id: int, payload: StepIn | None = None):
    payload = payload or StepIn()
    _visible(request, booking_id)
    services.approve_hold(tenant=request.tenant, actor=request.actor, booking_id=booking_id, version=payload.version)
    return _booking_out(request, booking_id)


@router.post("/bookings/{booking_id}/reject", response={200: EstateBookingOut, **ERRORS})
def reject_hold(request, booking_id: int, payload: StepIn | None = None):
    payload = payload or StepIn()
    _visible(request, booking_id)
    services.reject_hold(tenant=request.tenant, actor=request.actor, booking_id=booking_id, reason=payload.reason, version=payload.version)
    return _booking_out(request, booking_id)


@router.post("/bookings/{booking_id}/cancel", response={200: EstateBookingOut, **ERRORS})
def cancel_hold(request, booking_id: int, payload: StepIn | None = None):
    payload = payload or StepIn()
    _visible(request, booking_id)
    services.cancel_hold(tenant=request.tenant, actor=request.actor, booking_id=booking_id, reason=payload.reason, version=payload.version)
    return _booking_out(request, booking_id)


@router.post("/bookings/{booking_id}/complete", response={200: EstateBookingOut, **ERRORS})
def complete_booking(request, booking_id: int, payload: StepIn | None = None):
    payload = payload or StepIn()
    _visible(request, booking_id)
    services.complete_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, version=payload.version)
    return _booking_out(request, booking_id)


@router.get("/bookings/{booking_id}/payments", response={200: list[EstatePaymentOut], **ERRORS})
def booking_payments(request, booking_id: int):
    _browse(request)
    booking = _booking_out(request, booking_id)
    return list(selectors.payments(request.tenant, booking_id=booking.pk))


@router.post("/bookings/{booking_id}/payments", response={201: EstatePaymentOut, **ERRORS})
def record_payment(request, booking_id: int, payload: EstatePaymentIn):
    require_perm(request.actor, request.tenant, "estate.payment.record")
    return Status(201, services.record_payment(tenant=request.tenant, actor=request.actor, booking_id=booking_id, **payload.dict()))


@router.post("/bookings/{booking_id}/expected-payments", response={201: EstatePaymentOut, **ERRORS})
def expect_payment(request, booking_id: int, payload: ExpectedPaymentIn):
    require_perm(request.actor, request.tenant, "estate.payment.record")
    return Status(201, services.expect_payment(tenant=request.tenant, actor=request.actor, booking_id=booking_id, **payload.dict()))


@router.get("/bookings/{booking_id}/reminders", response={200: list[EstateReminderOut], **ERRORS})
def booking_reminders(request, booking_id: int):
    _browse(request)
    booking = _booking_out(request, booking_id)
    return list(selectors.reminders(request.tenant, booking_id=booking.pk))


@router.post("/payments/{payment_id}/receive", response={200: EstatePaymentOut, **ERRORS})
def receive_payment(request, payment_id: int, payload: ReceiveIn):
    require_perm(request.actor, request.tenant, "estate.payment.record")
    return services.receive_payment(tenant=request.tenant, actor=request.actor, payment_id=payment_id, **payload.dict())


@router.post("/payments/{payment_id}/void", response={200: EstatePaymentOut, **ERRORS})
def void_payment(request, payment_id: int, payload: VoidIn):
    """An expected payment that will not come (received money is refunded in billing instead)."""
    require_perm(request.actor, request.tenant, "estate.payment.record")
    return services.void_payment(tenant=request.tenant, actor=request.actor, payment_id=payment_id, reason=payload.reason)


@router.get("/payments/{payment_id}/reminders", response={200: list[EstateReminderOut], **ERRORS})
def payment_reminders(request, payment_id: int):
    require_perm(request.actor, request.tenant, "estate.view")
    payment = selectors.get_payment(request.tenant, payment_id)
    return list(selectors.reminders(request.tenant, payment_id=payment.pk))


@router.post("/payments/{payment_id}/reminders", response={201: EstateReminderOut, **ERRORS})
def create_payment_reminder(request, payment_id: int, payload: EstateReminderIn):
    """Send now (no or past send_at) or schedule; the worker sends scheduled ones when due."""
    require_perm(request.actor, request.tenant, "estate.reminder.manage")
    return Status(201, services.create_payment_reminder(tenant=request.tenant, actor=request.actor, payment_id=payment_id, **payload.dict()))


# ---------------------------------------------------------------- leads

@router.get("/leads", response={200: LeadPage, **ERRORS})
def list_leads(request, stage: str | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "estate.lead.work")
    return paginate(selectors.leads(request.tenant, request.actor, stage=stage), page, page_size)


@router.post("/leads", response={201: LeadOut, **ERRORS})
def create_lead(request, payload: LeadIn):
    return Status(201, services.create_lead(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def get_lead(request, lead_id: int):
    require_perm(request.actor, request.tenant, "estate.lead.work")
    return selectors.get_lead(request.tenant, request.actor, lead_id)


@router.get("/leads/{lead_id}/activities", response={200: list[LeadActivityOut], **ERRORS})
def lead_activities(request, lead_id: int):
    require_perm(request.actor, request.tenant, "estate.lead.work")
    return list(selectors.get_lead(request.tenant, request.actor, lead_id).activities.all())


@router.post("/leads/{lead_id}/stage", response={200: LeadOut, **ERRORS})
def move_lead(request, lead_id: int, payload: StageIn):
    return services.move_lead(tenant=request.tenant, actor=request.actor, lead_id=lead_id, stage=payload.stage, note=payload.note)


@router.post("/leads/{lead_id}/assign", response={200: LeadOut, **ERRORS})
def assign_lead(request, lead_id: int, payload: EstateAssignIn):
    return services.assign_lead(tenant=request.tenant, actor=request.actor, lead_id=lead_id, agent_id=payload.agent_id)


@router.post("/leads/{lead_id}/notes", response={201: LeadActivityOut, **ERRORS})
def add_lead_note(request, lead_id: int, payload: NoteIn):
    return Status(201, services.add_lead_note(tenant=request.tenant, actor=request.actor, lead_id=lead_id, text=payload.text))


@router.post("/leads/{lead_id}/link", response={200: LeadOut, **ERRORS})
def link_lead_customer(request, lead_id: int, payload: LinkIn):
    return services.link_lead_customer(tenant=request.tenant, actor=request.actor, lead_id=lead_id, customer_id=payload.customer_id)


@router.post("/leads/{lead_id}/convert", response={200: LeadOut, **ERRORS})
def convert_lead(request, lead_id: int):
    return services.convert_lead(tenant=request.tenant, actor=request.actor, lead_id=lead_id)


# ---------------------------------------------------------------- reviews and ratings

@router.get("/reviews", response={200: ReviewPage, **ERRORS})
def list_reviews(request, status: str | None = None, project_id: int | None = None, agent_id: int | None = None, page: int = 1, page_size: int = 50):
    """Moderators see every review (filter by status); everyone else only approved ones."""
    if has_perm(request.actor, request.tenant, "estate.review.moderate"):
        qs = selectors.reviews(request.tenant, status=status, project_id=project_id, agent_id=agent_id)
    else:
        _browse(request)
        qs = selectors.public_reviews(request.tenant, project_id=project_id, agent_id=agent_id)
    return paginate(qs, page, page_size)


@router.post("/reviews", response={201: ReviewOut, **ERRORS})
def write_review(request, payload: ReviewIn):
    return Status(201, services.write_review(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.post("/reviews/{review_id}/moderate", response={200: ReviewOut, **ERRORS})
def moderate_review(request, review_id: int, payload: ModerateIn):
    return services.moderate_review(tenant=request.tenant, actor=request.actor, review_id=review_id, approve=payload.approve, note=payload.note)


@router.get("/ratings", response={200: RatingsOut, **ERRORS})
def ratings(request):
    _browse(request)
    data = selectors.ratings(request.tenant)
    return {"projects": [{"id": r["project_id"], **r} for r in data["projects"]], "agents": [{"id": r["agent_id"], **r} for r in data["agents"]]}


@router.get("/dashboard", response={200: DashboardOut, **ERRORS})
def dashboard(request):
    require_perm(request.actor, request.tenant, "estate.view")
    return selectors.dashboard(request.tenant)

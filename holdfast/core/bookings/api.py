"""Bookings API (/api/v1/bookings): create (holding inventory), list, read, history, transitions. Thin."""
from __future__ import annotations

from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate

from . import selectors, services
from .flows import FLOWS
from .schemas import BookingIn, BookingOut, BookingPage, HistoryOut, MoveIn, NotesIn, TransitionIn

router = Router(tags=["bookings"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


@router.get("/flows", response={200: list[dict], **ERRORS})
def list_flows(request):
    require_perm(request.actor, request.tenant, "bookings.view")
    return [flow.describe() for flow in FLOWS.values()]


@router.get("", response={200: BookingPage, **ERRORS})
def list_bookings(request, status: str | None = None, flow: str | None = None, customer_id: int | None = None, resource_id: int | None = None, site_id: int | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "bookings.view")
    qs = selectors.bookings(request.tenant, status=status, flow=flow, customer_id=customer_id, resource_id=resource_id, site_id=site_id)
    return paginate(qs, page, page_size)


@router.post("", response={201: BookingOut, **ERRORS})
def create_booking(request, payload: BookingIn):
    # The flow's own create permission is checked by the service.
    services.refuse_vertical_flow(request.tenant, flow=payload.flow)
    return Status(201, services.create_booking(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/{booking_id}", response={200: BookingOut, **ERRORS})
def get_booking(request, booking_id: int):
    require_perm(request.actor, request.tenant, "bookings.view")
    return selectors.get_booking(request.tenant, booking_id)


@router.patch("/{booking_id}", response={200: BookingOut, **ERRORS})
def update_notes(request, booking_id: int, payload: NotesIn):
    require_perm(request.actor, request.tenant, "bookings.manage")
    services.refuse_vertical_flow(request.tenant, booking_id=booking_id)
    return services.update_booking_notes(tenant=request.tenant, actor=request.actor, booking_id=booking_id, version=payload.version, notes=payload.notes)


@router.get("/{booking_id}/history", response={200: list[HistoryOut], **ERRORS})
def booking_history(request, booking_id: int):
    require_perm(request.actor, request.tenant, "bookings.view")
    return list(selectors.history(request.tenant, booking_id))


@router.post("/{booking_id}/transitions/{name}", response={200: BookingOut, **ERRORS})
def transition(request, booking_id: int, name: str, payload: TransitionIn):
    # Each transition declares its permission in the flow; the service checks it.
    require_perm(request.actor, request.tenant, "bookings.view")
    services.refuse_vertical_flow(request.tenant, booking_id=booking_id)
    return services.transition(tenant=request.tenant, actor=request.actor, booking_id=booking_id, name=name, reason=payload.reason, version=payload.version)


@router.post("/{booking_id}/move", response={200: BookingOut, **ERRORS})
def move_booking(request, booking_id: int, payload: MoveIn):
    # The flow's manage permission is checked by the service.
    require_perm(request.actor, request.tenant, "bookings.view")
    services.refuse_vertical_flow(request.tenant, booking_id=booking_id)
    return services.move_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, **payload.dict())

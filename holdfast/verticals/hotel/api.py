"""Hotel API (/api/v1/hotel): thin; every rule lives in the services. POSTs accept Idempotency-Key."""
from __future__ import annotations

import datetime as dt

from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing.schemas import InvoiceDetailOut
from holdfast.kit.api import Page, ProblemSchema, paginate

from . import selectors, services
from .schemas import (
    HotelAssignIn, AvailabilityOut, HotelBlockOut, CancelIn, CheckInIn, CheckOutIn, FolioEntryIn, FolioEntryOut, FolioOut, FrontDeskOut, GuestIn, GuestOut, GuestPatch,
    NightAuditIn, NightAuditOut, OccupancyOut, HotelPaymentIn, HotelSettleIn, PriceIn, PriceOut, PropertyIn, PropertyOut, PropertyPatch, RatePlanIn, RatePlanOut, RatePlanPatch,
    ReservationIn, ReservationOut, ReservationPatch, ResizeIn, RestrictionIn, RestrictionOut, RoomBlockIn, RoomIn, RoomOut, RoomPatch, RoomStatusIn,
    RoomTypeIn, RoomTypeOut, RoomTypePatch, SegmentOut, StatusLogOut, VersionIn, WalkInIn,
)

router = Router(tags=["hotel"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


class ReservationPage(Page):
    results: list[ReservationOut]


class GuestPage(Page):
    results: list[GuestOut]


def _view(request):
    require_perm(request.actor, request.tenant, "hotel.view")


def _setup(request):
    require_perm(request.actor, request.tenant, "hotel.setup")


def _guest_dict(payload):
    return payload.guest.dict() if payload.guest else None


# ---------------------------------------------------------------- properties and setup

@router.get("/properties", response={200: list[PropertyOut], **ERRORS})
def list_properties(request, active: bool | None = None):
    _view(request)
    return list(selectors.properties(request.tenant, active=active)[:200])


@router.post("/properties", response={201: PropertyOut, **ERRORS})
def create_property(request, payload: PropertyIn):
    _setup(request)
    return Status(201, services.create_property(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/properties/{property_id}", response={200: PropertyOut, **ERRORS})
def get_property(request, property_id: int):
    _view(request)
    return selectors.get_property(request.tenant, property_id)


@router.patch("/properties/{property_id}", response={200: PropertyOut, **ERRORS})
def update_property(request, property_id: int, payload: PropertyPatch):
    _setup(request)
    services.update_property(tenant=request.tenant, actor=request.actor, property_id=property_id, **payload.dict(exclude_unset=True))
    return selectors.get_property(request.tenant, property_id)


@router.get("/properties/{property_id}/room-types", response={200: list[RoomTypeOut], **ERRORS})
def list_room_types(request, property_id: int):
    _view(request)
    return list(selectors.room_types(request.tenant, property_id=selectors.get_property(request.tenant, property_id).pk))


@router.post("/properties/{property_id}/room-types", response={201: RoomTypeOut, **ERRORS})
def create_room_type(request, property_id: int, payload: RoomTypeIn):
    _setup(request)
    return Status(201, services.create_room_type(tenant=request.tenant, actor=request.actor, property_id=property_id, **payload.dict()))


@router.patch("/room-types/{room_type_id}", response={200: RoomTypeOut, **ERRORS})
def update_room_type(request, room_type_id: int, payload: RoomTypePatch):
    _setup(request)
    return services.update_room_type(tenant=request.tenant, actor=request.actor, room_type_id=room_type_id, **payload.dict(exclude_unset=True))


@router.get("/room-types/{room_type_id}/restrictions", response={200: list[RestrictionOut], **ERRORS})
def list_restrictions(request, room_type_id: int, start: dt.date | None = None, end: dt.date | None = None):
    _view(request)
    return list(selectors.restrictions(request.tenant, room_type_id, start, end)[:400])


@router.put("/room-types/{room_type_id}/restrictions", response={200: list[RestrictionOut], **ERRORS})
def set_restrictions(request, room_type_id: int, payload: RestrictionIn):
    _setup(request)
    services.set_restriction(tenant=request.tenant, actor=request.actor, room_type_id=room_type_id, **payload.dict())
    return list(selectors.restrictions(request.tenant, room_type_id, payload.start_date, payload.end_date))


@router.get("/properties/{property_id}/rooms", response={200: list[RoomOut], **ERRORS})
def list_rooms(request, property_id: int, status: str | None = None, room_type_id: int | None = None):
    _view(request)
    return list(selectors.rooms(request.tenant, property_id=selectors.get_property(request.tenant, property_id).pk, status=status, room_type_id=room_type_id))


@router.post("/properties/{property_id}/rooms", response={201: RoomOut, **ERRORS})
def create_room(request, property_id: int, payload: RoomIn):
    _setup(request)
    return Status(201, services.create_room(tenant=request.tenant, actor=request.actor, property_id=property_id, **payload.dict()))


@router.get("/rooms/{room_id}", response={200: RoomOut, **ERRORS})
def get_room(request, room_id: int):
    _view(request)
    return selectors.get_room(request.tenant, room_id)


@router.patch("/rooms/{room_id}", response={200: RoomOut, **ERRORS})
def update_room(request, room_id: int, payload: RoomPatch):
    _setup(request)
    return services.update_room(tenant=request.tenant, actor=request.actor, room_id=room_id, **payload.dict(exclude_unset=True))


@router.post("/rooms/{room_id}/status", response={200: RoomOut, **ERRORS})
def set_room_status(request, room_id: int, payload: RoomStatusIn):
    return services.set_room_status(tenant=request.tenant, actor=request.actor, room_id=room_id, **payload.dict())


@router.post("/rooms/{room_id}/blocks", response={201: HotelBlockOut, **ERRORS})
def add_room_block(request, room_id: int, payload: RoomBlockIn):
    return Status(201, services.add_room_block(tenant=request.tenant, actor=request.actor, room_id=room_id, **payload.dict()))


@router.delete("/rooms/{room_id}/blocks/{block_id}", response={200: HotelBlockOut, **ERRORS})
def remove_room_block(request, room_id: int, block_id: int):
    return services.remove_room_block(tenant=request.tenant, actor=request.actor, room_id=room_id, block_id=block_id)


@router.get("/properties/{property_id}/rate-plans", response={200: list[RatePlanOut], **ERRORS})
def list_rate_plans(request, property_id: int):
    _view(request)
    return list(selectors.rate_plans(request.tenant, property_id=selectors.get_property(request.tenant, property_id).pk))


@router.post("/properties/{property_id}/rate-plans", response={201: RatePlanOut, **ERRORS})
def create_rate_plan(request, property_id: int, payload: RatePlanIn):
    _setup(request)
    return Status(201, services.create_rate_plan(tenant=request.tenant, actor=request.actor, property_id=property_id, **payload.dict()))


@router.patch("/rate-plans/{rate_plan_id}", response={200: RatePlanOut, **ERRORS})
def update_rate_plan(request, rate_plan_id: int, payload: RatePlanPatch):
    _setup(request)
    return services.update_rate_plan(tenant=request.tenant, actor=request.actor, rate_plan_id=rate_plan_id, **payload.dict(exclude_unset=True))


@router.get("/rate-plans/{rate_plan_id}/prices", response={200: list[PriceOut], **ERRORS})
def list_prices(request, rate_plan_id: int):
    _view(request)
    return list(selectors.rate_prices(request.tenant, rate_plan_id)[:500])


@router.put("/rate-plans/{rate_plan_id}/prices", response={200: PriceOut, **ERRORS})
def set_price(request, rate_plan_id: int, payload: PriceIn):
    _setup(request)
    return services.set_rate_price(tenant=request.tenant, actor=request.actor, rate_plan_id=rate_plan_id, **payload.dict())


# ---------------------------------------------------------------- guests

@router.get("/properties/{property_id}/guests", response={200: GuestPage, **ERRORS})
def list_guests(request, property_id: int, search: str | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    prop = selectors.get_property(request.tenant, property_id)
    return paginate(selectors.guests(request.tenant, property_id=prop.pk, search=search), page, page_size)


@router.post("/properties/{property_id}/guests", response={201: GuestOut, **ERRORS})
def create_guest(request, property_id: int, payload: GuestIn):
    require_perm(request.actor, request.tenant, "hotel.reservation.manage")
    return Status(201, services.create_guest(tenant=request.tenant, actor=request.actor, property_id=property_id, **payload.dict()))


@router.get("/guests/{guest_id}", response={200: GuestOut, **ERRORS})
def get_guest(request, guest_id: int):
    _view(request)
    return selectors.get_guest(request.tenant, guest_id)


@router.patch("/guests/{guest_id}", response={200: GuestOut, **ERRORS})
def update_guest(request, guest_id: int, payload: GuestPatch):
    require_perm(request.actor, request.tenant, "hotel.reservation.manage")
    return services.update_guest(tenant=request.tenant, actor=request.actor, guest_id=guest_id, **payload.dict())


# ---------------------------------------------------------------- availability, calendar, front desk

@router.get("/properties/{property_id}/availability", response={200: list[AvailabilityOut], **ERRORS})
def availability(request, property_id: int, check_in: dt.date, check_out: dt.date, adults: int = 1, children: int = 0, rate_plan_id: int | None = None):
    _view(request)
    prop = selectors.get_property(request.tenant, property_id)
    out = []
    for row in selectors.availability(request.tenant, prop, check_in, check_out, adults=adults, children=children, rate_plan_id=rate_plan_id):
        rt, price = row["room_type"], row["price"] or {}
        out.append({"room_type_id": rt.pk, "code": rt.code, "name": rt.name, "max_occupancy": rt.max_occupancy, "available": row["available"], "fits": row["fits"],
                    "bookable": row["bookable"], "rate_plan_id": row["rate_plan_id"], "nightly_rate_cents": price.get("nightly_rate_cents"),
                    "subtotal_cents": price.get("subtotal_cents"), "tax_cents": price.get("tax_cents"), "nights": row["nights"]})
    return out


@router.get("/properties/{property_id}/calendar", response={200: list[SegmentOut], **ERRORS})
def calendar(request, property_id: int, start: dt.date, end: dt.date):
    _view(request)
    return list(selectors.segments(request.tenant, selectors.get_property(request.tenant, property_id), start, end))


@router.get("/properties/{property_id}/occupancy", response={200: list[OccupancyOut], **ERRORS})
def occupancy(request, property_id: int, start: dt.date, end: dt.date):
    _view(request)
    return list(selectors.occupancy(request.tenant, selectors.get_property(request.tenant, property_id), start, end))


@router.get("/properties/{property_id}/front-desk", response={200: FrontDeskOut, **ERRORS})
def front_desk(request, property_id: int, date: dt.date | None = None):
    _view(request)
    prop = selectors.get_property(request.tenant, property_id)
    day = date or selectors.business_date(prop)
    return {"business_date": day, "arrivals": list(selectors.arrivals(request.tenant, prop, day)), "departures": list(selectors.departures(request.tenant, prop, day)),
            "in_house": list(selectors.in_house(request.tenant, prop)), "overdue_arrivals": list(selectors.overdue_arrivals(request.tenant, prop, day)[:200])}


@router.get("/properties/{property_id}/room-status-log", response={200: list[StatusLogOut], **ERRORS})
def room_status_log(request, property_id: int, date: dt.date | None = None):
    _view(request)
    return list(selectors.status_log(request.tenant, selectors.get_property(request.tenant, property_id), date)[:500])


@router.post("/properties/{property_id}/night-audit", response={200: NightAuditOut, **ERRORS})
def night_audit(request, property_id: int, payload: NightAuditIn):
    n = services.run_night_audit(tenant=request.tenant, actor=request.actor, property_id=property_id, business_date_=payload.business_date)
    return {"business_date": payload.business_date, "reservations_charged": n}


# ---------------------------------------------------------------- reservations

@router.get("/reservations", response={200: ReservationPage, **ERRORS})
def list_reservations(request, property_id: int | None = None, status: str | None = None, arriving: dt.date | None = None, departing: dt.date | None = None,
                      search: str | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    qs = selectors.reservations(request.tenant, property_id=property_id, status=status, arriving=arriving, departing=departing, search=search).order_by("-check_in_date", "-id")
    return paginate(qs, page, page_size)


@router.post("/reservations", response={201: ReservationOut, **ERRORS})
def create_reservation(request, payload: ReservationIn):
    data = payload.dict()
    data["guest"] = _guest_dict(payload)
    return Status(201, services.create_reservation(tenant=request.tenant, actor=request.actor, **data))


@router.post("/walk-ins", response={201: ReservationOut, **ERRORS})
def walk_in(request, payload: WalkInIn):
    data = payload.dict()
    data["guest"] = _guest_dict(payload)
    return Status(201, services.walk_in(tenant=request.tenant, actor=request.actor, **data))


@router.get("/reservations/{reservation_id}", response={200: ReservationOut, **ERRORS})
def get_reservation(request, reservation_id: int):
    _view(request)
    return selectors.get_reservation(request.tenant, reservation_id)


@router.patch("/reservations/{reservation_id}", response={200: ReservationOut, **ERRORS})
def update_reservation(request, reservation_id: int, payload: ReservationPatch):
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.update_reservation(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, version=version, **changes)


@router.post("/reservations/{reservation_id}/assign", response={200: ReservationOut, **ERRORS})
def assign_room(request, reservation_id: int, payload: HotelAssignIn):
    return services.assign_room(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/resize", response={200: ReservationOut, **ERRORS})
def resize(request, reservation_id: int, payload: ResizeIn):
    return services.resize_reservation(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/confirm", response={200: ReservationOut, **ERRORS})
def confirm(request, reservation_id: int, payload: VersionIn):
    return services.confirm_reservation(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/cancel", response={200: ReservationOut, **ERRORS})
def cancel(request, reservation_id: int, payload: CancelIn):
    return services.cancel_reservation(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/check-in", response={200: ReservationOut, **ERRORS})
def check_in(request, reservation_id: int, payload: CheckInIn):
    return services.check_in(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/check-out", response={200: ReservationOut, **ERRORS})
def check_out(request, reservation_id: int, payload: CheckOutIn):
    return services.check_out(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/settle-and-check-out", response={200: ReservationOut, **ERRORS})
def settle_and_check_out(request, reservation_id: int, payload: HotelSettleIn):
    """Take the balance due at check-out (the folio's due_at_checkout_cents, given back as expected_cents) and check out, in one step."""
    return services.pay_and_check_out(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


@router.post("/reservations/{reservation_id}/no-show", response={200: ReservationOut, **ERRORS})
def no_show(request, reservation_id: int, payload: VersionIn):
    return services.mark_no_show(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict())


# ---------------------------------------------------------------- folios

def _folio(request, reservation_id: int) -> dict:
    res = selectors.get_reservation(request.tenant, reservation_id)
    account = selectors.folio(request.tenant, res)
    preview = selectors.folio_preview(request.tenant, res, account)
    return {**preview, "id": account.pk, "reservation_id": res.pk, "status": account.status, "currency": account.currency, "subtotal_cents": account.charges_minor,
            "tax_cents": account.tax_minor, "fee_cents": account.fees_minor, "adjustments_cents": account.adjustments_minor, "payments_cents": account.payments_minor,
            "refunds_cents": account.refunds_minor, "total_cents": account.charges_minor + account.tax_minor + account.fees_minor + account.adjustments_minor,
            "balance_cents": account.balance_minor, "entries": list(selectors.folio_entries(request.tenant, account))}


@router.get("/reservations/{reservation_id}/folio", response={200: FolioOut, **ERRORS})
def get_folio(request, reservation_id: int):
    _view(request)
    return _folio(request, reservation_id)


@router.post("/reservations/{reservation_id}/folio/entries", response={201: FolioEntryOut, **ERRORS})
def post_folio_entry(request, reservation_id: int, payload: FolioEntryIn):
    return Status(201, services.post_folio_entry(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict()))


@router.post("/reservations/{reservation_id}/folio/payments", response={201: FolioEntryOut, **ERRORS})
def record_payment(request, reservation_id: int, payload: HotelPaymentIn):
    return Status(201, services.record_folio_payment(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id, **payload.dict()))


@router.post("/reservations/{reservation_id}/folio/invoice", response={201: InvoiceDetailOut, **ERRORS})
def invoice_folio(request, reservation_id: int):
    """Turn the folio's charges not invoiced yet into a billing invoice (paid from the desk payments on it)."""
    invoice = services.invoice_folio(tenant=request.tenant, actor=request.actor, reservation_id=reservation_id)
    return Status(201, billing_selectors.get_invoice(request.tenant, invoice.pk))

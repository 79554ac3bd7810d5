"""Projects, units and the estate booking flow on the engine.

Every booking step is one transaction: the engine's transition (guards, inventory, history, audit,
event, the booking's stored status and exclusive key), then the unit's status, kept in step. Lock
order is the engine's (booking -> resource -> hold) with the unit row last, also in the sweeper's
path (hold -> booking -> unit), so the two never wait on each other in a cycle.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.bookings import services as engine
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify, notify_members_with
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Site
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, PermissionDenied, ValidationFailed
from holdfast.kit.locking import translate_db_errors
from holdfast.kit.money import Money

from ..models import ACTIVE_STATES, BOOKED, CANCELLED, EXPIRED, HOLD_REQUESTED, EstateBooking, Project, Unit
from .money import void_open_payments

CONSTRAINT_MESSAGES = {
    **engine.CONSTRAINT_MESSAGES,
    "estate_unit_code_per_project": "A unit with that code already exists in this project.",
}


def _check(actor, tenant, code: str) -> None:
    if actor is not None:
        require_perm(actor, tenant, code)


# ---------------------------------------------------------------- projects and units

def _percent(value) -> Decimal:
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("The payment rule is not valid.", fields={"down_payment_percent": ["A number between 0 and 100."]}) from None
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationFailed("The payment rule is not valid.", fields={"down_payment_percent": ["A number between 0 and 100."]})
    return percent.quantize(Decimal("0.01"))


def _ttl(minutes) -> int:
    if minutes is None or not 1 <= int(minutes) <= inventory.MAX_TTL_MINUTES:
        raise ValidationFailed("The hold time is out of range.", fields={"hold_ttl_minutes": [f"Between 1 and {inventory.MAX_TTL_MINUTES} minutes."]})
    return int(minutes)


def create_project(*, tenant, actor, name: str, currency: str | None = None, down_payment_percent="10", hold_ttl_minutes: int = 3 * 24 * 60, city: str = "",
                   description: str = "", time_zone: str | None = None) -> Project:
    _check(actor, tenant, "estate.project.manage")
    percent, ttl = _percent(down_payment_percent), _ttl(hold_ttl_minutes)
    currency = (currency or tenant.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed("The project was not saved.", fields={"currency": ["A three-letter currency code."]})
    with transaction.atomic():
        site = inventory.create_site(tenant=tenant, actor=actor, name=name, time_zone=time_zone, kind=Site.PROJECT, address={"city": city} if city else {})
        project = Project.objects.create(tenant=tenant, site=site, currency=currency, down_payment_percent=percent, hold_ttl_minutes=ttl, city=city[:120], description=description)
        log_action(tenant=tenant, actor=actor, entity=project, action="estate.project.created", diff={"name": [None, name], "down_payment_percent": [None, str(percent)]})
        emit(tenant, "estate.project:created", {"project_id": project.pk})
    return project


def update_project(*, tenant, actor, project_id: int, **changes) -> Project:
    """Change the payment rule, hold time, publication or texts (the name lives on the site)."""
    _check(actor, tenant, "estate.project.manage")
    allowed = {"down_payment_percent", "hold_ttl_minutes", "is_published", "description", "city", "name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed("The project was not saved.", fields={k: ["Not an editable project field."] for k in unknown})
    if "down_payment_percent" in changes:
        changes["down_payment_percent"] = _percent(changes["down_payment_percent"])
    if "hold_ttl_minutes" in changes:
        changes["hold_ttl_minutes"] = _ttl(changes["hold_ttl_minutes"])
    with transaction.atomic():
        project = get_owned(Project.objects.select_for_update().select_related("site"), tenant, project_id, what="project")
        name = changes.pop("name", None)
        if name is not None and name != project.site.name:
            inventory.update_site(tenant=tenant, actor=actor, site_id=project.site_id, name=name)
        diff = {k: [str(getattr(project, k)), str(v)] for k, v in changes.items() if getattr(project, k) != v}
        for key, value in changes.items():
            setattr(project, key, value)
        project.save()
        log_action(tenant=tenant, actor=actor, entity=project, action="estate.project.updated", diff=diff)
        emit(tenant, "estate.project:updated", {"project_id": project.pk})
    return project


def create_unit(*, tenant, actor, project_id: int, code: str, price_minor: int, bedrooms: int = 0, floor: int | None = None, area_sqm=None) -> Unit:
    _check(actor, tenant, "estate.unit.manage")
    code = (code or "").strip()
    errors = {}
    if not code:
        errors["code"] = ["A unit code is required."]
    if not isinstance(price_minor, int) or isinstance(price_minor, bool) or price_minor < 0:
        errors["price_minor"] = ["A whole number of minor units, 0 or more."]
    if errors:
        raise ValidationFailed("The unit was not saved.", fields=errors)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        project = get_owned(Project.objects.select_related("site"), tenant, project_id, what="project")
        if Unit.objects.filter(project=project, code=code).exists():
            raise Conflict("A unit with that code already exists in this project.", code="unit_code_taken")
        resource = inventory.create_resource(tenant=tenant, actor=actor, site_id=project.site_id, name=f"{project.site.name} {code}", code=code)
        unit = Unit.objects.create(tenant=tenant, resource=resource, project=project, code=code, price_minor=price_minor, currency=project.currency,
                                   bedrooms=bedrooms or 0, floor=floor, area_sqm=area_sqm)
        log_action(tenant=tenant, actor=actor, entity=unit, action="estate.unit.created", diff={"code": [None, code], "price_minor": [None, price_minor]})
        emit(tenant, "estate.unit:created", {"unit_id": unit.pk, "project_id": project.pk})
    return unit


def update_unit(*, tenant, actor, unit_id: int, price_minor: int | None = None, bedrooms: int | None = None, floor: int | None = None) -> Unit:
    """The price of a sold unit is history and stays; a held unit's booking keeps its snapshot."""
    _check(actor, tenant, "estate.unit.manage")
    with transaction.atomic():
        unit = get_owned(Unit.objects.select_for_update(), tenant, unit_id, what="unit")
        diff = {}
        if price_minor is not None:
            if not isinstance(price_minor, int) or price_minor < 0:
                raise ValidationFailed("The unit was not saved.", fields={"price_minor": ["A whole number of minor units, 0 or more."]})
            if unit.status == Unit.SOLD:
                raise Conflict("A sold unit's price cannot change.", code="unit_sold")
            diff["price_minor"] = [unit.price_minor, price_minor]
            unit.price_minor = price_minor
        if bedrooms is not None:
            diff["bedrooms"], unit.bedrooms = [unit.bedrooms, bedrooms], bedrooms
        if floor is not None:
            diff["floor"], unit.floor = [unit.floor, floor], floor
        unit.save()
        log_action(tenant=tenant, actor=actor, entity=unit, action="estate.unit.updated", diff=diff)
        emit(tenant, "estate.unit:updated", {"unit_id": unit.pk})
    return unit


def sync_unit_status(unit_id: int) -> Unit:
    """Derive the unit's stored status from its bookings (§F: SOLD only with a BOOKED booking;
    cancelled and expired bookings never block). Called inside every booking step."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    statuses = set(EstateBooking.objects.filter(unit_id=unit_id, booking__status__in=ACTIVE_STATES).values_list("booking__status", flat=True))
    wanted = Unit.SOLD if BOOKED in statuses else Unit.HELD if statuses else Unit.AVAILABLE
    if unit.status != wanted:
        unit.status = wanted
        unit.save(update_fields=["status"])
        emit(unit.tenant, "availability:changed", {"unit_id": unit.pk, "resource_id": unit.resource_id, "status": wanted})
    return unit


# ---------------------------------------------------------------- the booking flow

def _customer_for(tenant, actor, customer_id: int | None) -> Customer:
    """Customers book for themselves; staff who may approve can request a hold for a named customer."""
    own = Customer.objects.for_tenant(tenant).filter(user=actor).first() if getattr(actor, "pk", None) else None
    if customer_id is None or (own is not None and own.pk == customer_id):
        if own is None:
            raise ValidationFailed("Say which customer the hold is for.", fields={"customer_id": ["Required for staff."]})
        return own
    if actor is not None and not has_perm(actor, tenant, "estate.booking.approve"):
        raise PermissionDenied("Customers request holds only for themselves.", code="not_own_customer")
    return get_owned(Customer, tenant, customer_id, what="customer")


def create_hold(*, tenant, actor, unit_id: int, customer_id: int | None = None, notes: str = "") -> EstateBooking:
    """§D Create Hold: the unit must be reservable; a HOLD_REQUESTED booking; the unit held."""
    _check(actor, tenant, "estate.booking.request")
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        unit = get_owned(Unit.objects.select_related("project", "resource"), tenant, unit_id, what="unit")
        customer = _customer_for(tenant, actor, customer_id)
        if not customer.is_verified:
            raise Conflict("Only verified customers can reserve units; ask the sales office to verify you.", code="customer_not_verified")
        if not unit.project.is_published:
            raise Conflict("This project is not open for reservations.", code="project_not_published")
        if unit.status == Unit.SOLD:
            raise Conflict("This unit is sold.", code="unit_sold")
        if unit.resource.status != unit.resource.AVAILABLE:
            raise Conflict("This unit is not offered at the moment.", code="unit_unavailable")
        # The engine locks the unit's resource, ignores (and expires) a lapsed hold, and refuses a live
        # one (409 resource_has_active_booking); its partial unique index on the flow's exclusive key
        # (one active estate booking per unit resource) is the last line.
        booking = engine.create_booking(tenant=tenant, actor=actor, flow="estate", customer_id=customer.pk, resource_id=unit.resource_id, starts_at=clock.now(),
                                        ends_at=None, ttl_minutes=unit.project.hold_ttl_minutes, notes=notes, reference=f"EST-{unit.code}"[:40])
        required = Money(unit.price_minor, unit.currency).percent(unit.project.down_payment_percent).minor
        estate = EstateBooking.objects.create(booking=booking, tenant=tenant, unit=unit, customer=customer, price_minor=unit.price_minor,
                                              currency=unit.currency, required_minor=required, created_at=booking.created_at)
        sync_unit_status(unit.pk)
        log_action(tenant=tenant, actor=actor, entity=estate, action="estate.booking.hold_requested", diff={"status": [None, HOLD_REQUESTED], "unit_id": [None, unit.pk]})
        emit(tenant, "estate.booking:hold_requested", {"booking_id": booking.pk, "unit_id": unit.pk, "customer_id": customer.pk})
        emit_stats_changed(tenant, "estate")
        notify_members_with(tenant, "estate.booking.approve", event_type="estate.booking:hold_requested", title=f"Hold requested on {unit.code}",
                            body=f"{customer.name} asks to hold {unit.code}.", data={"booking_id": booking.pk}, exclude=actor)
    return estate


def booking_has_ended(tenant, source: str, booking_id) -> bool:
    """Billing's cancellation check: an estate booking that is CANCELLED or EXPIRED takes no money."""
    return EstateBooking.objects.for_tenant(tenant).filter(pk=booking_id, booking__status__in=[CANCELLED, EXPIRED]).exists()


# What a customer is told when staff (or the system) move their booking.
CUSTOMER_NEWS = {"approve": "Your hold on {unit} was approved", "reject": "Your hold on {unit} was not approved", "cancel": "Your hold on {unit} was cancelled",
                 "complete": "Your booking of {unit} is complete", "expire": "Your hold on {unit} expired"}


def _step(*, tenant, actor, booking_id: int, name: str, reason: str = "", version: int | None = None) -> EstateBooking:
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        estate = get_owned(EstateBooking.objects.select_related("customer__user", "unit"), tenant, booking_id, what="booking")
        estate.booking = engine.transition(tenant=tenant, actor=actor, booking_id=estate.pk, name=name, reason=reason, version=version)
        booking = estate.booking
        if booking.status in (CANCELLED, EXPIRED):
            void_open_payments(tenant=tenant, actor=actor, booking_id=estate.pk, reason=f"booking {booking.status.lower()}")
        sync_unit_status(estate.unit_id)
        emit(tenant, f"estate.booking:{name}", {"booking_id": estate.pk, "status": booking.status, "unit_id": estate.unit_id})
        emit_stats_changed(tenant, "estate")
        customer_user = estate.customer.user
        if customer_user is not None and customer_user != actor and name in CUSTOMER_NEWS:
            notify(tenant, customer_user, event_type=f"estate.booking:{name}", title=CUSTOMER_NEWS[name].format(unit=estate.unit.code), body=reason, data={"booking_id": estate.pk})
    return estate


def approve_hold(*, tenant, actor, booking_id: int, version: int | None = None) -> EstateBooking:
    """§D Approve Hold: HOLD_REQUESTED -> HOLD_APPROVED; no other active booking; the unit stays held
    for the booking — the hold is renewed for the project's hold time from now (flows.renew_hold)."""
    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="approve", version=version)


def reject_hold(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None) -> EstateBooking:
    """§D Reject Hold (staff): CANCELLED; the unit goes back to available."""
    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="reject", reason=reason, version=version)


def cancel_hold(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None) -> EstateBooking:
    """§D Cancel Hold: a customer cancels their own hold; staff may cancel any. CANCELLED; unit released.
    Who may is the flow's: staff by `estate.booking.approve`, a customer by `estate.booking.cancel` on
    their own booking only (the engine answers 404 on someone else's)."""
    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="cancel", reason=reason, version=version)


def complete_booking(*, tenant, actor, booking_id: int, version: int | None = None) -> EstateBooking:
    """§D Complete Booking: payments meet the project's rule -> BOOKED; the unit sold."""
    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="complete", version=version)


def expire_hold(*, tenant, booking_id: int) -> EstateBooking:
    """§D Expire Hold, by the system (actor None) once the hold's time has passed."""
    return _step(tenant=tenant, actor=None, booking_id=booking_id, name="expire", reason="hold expired")


def on_hold_expired(hold, now: dt.datetime) -> None:
    """Engine hook: the sweeper (or another booking's transaction) expired a hold; the engine's handler
    moves the booking to EXPIRED (which clears its exclusive key). Release the unit in the same
    transaction. Called once per expired hold (the hold's own expiry is a conditional update)."""
    # The engine's own handler is idempotent (conditional update); calling it first makes this hook
    # independent of the order in which apps registered their handlers.
    engine.on_hold_expired(hold, now)
    for estate in EstateBooking.objects.filter(booking__hold=hold, booking__status=EXPIRED).select_related("booking"):
        void_open_payments(tenant=hold.tenant, actor=None, booking_id=estate.pk, reason="booking expired")
        sync_unit_status(estate.unit_id)
        log_action(tenant=hold.tenant, actor=None, entity=estate, action="estate.booking.expired", diff={"status": [None, EXPIRED]})
        emit(hold.tenant, "estate.booking:expire", {"booking_id": estate.pk, "status": EXPIRED, "unit_id": estate.unit_id})


"""The storage booking flow on the engine: hold, confirm, cancel, expire, extend (seed 002 S008/S009).

Every step is one transaction. Lock order (the engine's): booking row -> the facility's day rows in
date order -> hold row -> price quote -> invoices/payments (a new booking's quote is written before
its day rows are locked: nobody else can hold a row that does not exist yet), also in the sweeper's path (day rows ->
hold -> booking), so two steps never wait on each other in a cycle. A lock not had in time is 503
busy_retry; a day that is short is 409 capacity_exceeded; nothing changes either way.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.audit.services import log_action
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice, PriceQuote
from holdfast.core.bookings import services as engine
from holdfast.core.customers import services as customers
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import DailyCapacity
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, PermissionDenied, ValidationFailed
from holdfast.kit.locking import translate_db_errors
from holdfast.kit import dates

from ..models import CANCELLED, CONFIRMED, EXPIRED, HELD, NEW, SOURCE, Facility, FacilityFeature, StorageBooking
from .facilities import DAYS, business_id, check

MAX_PALLETS = 100_000
MAX_DAYS = 366


# ---------------------------------------------------------------- input rules

def _size(name: str, value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number <= 0 or number >= Decimal("100000"):
        raise ValidationFailed("The booking was not made.", fields={name: ["A positive size in centimetres."]})
    return number.quantize(Decimal("0.01"))


def clean_request(facility: Facility, *, start_date, end_date, pallets, features, pallet_height_cm=None, pallet_width_cm=None, now=None) -> dict:
    """Everything a booking request must satisfy before any row is locked (field errors, 422), and the
    facility's operating rules (409): status, same-day cut-off time, open days."""
    errors: dict[str, list[str]] = {}
    if isinstance(pallets, bool) or not isinstance(pallets, int) or not 1 <= pallets <= MAX_PALLETS:
        errors["pallets"] = [f"A whole number of pallets between 1 and {MAX_PALLETS}."]
    if not isinstance(start_date, dt.date) or not isinstance(end_date, dt.date):
        errors["start_date"] = ["Check-in and check-out dates are required."]
    elif end_date <= start_date:
        errors["end_date"] = ["Check-out must be after check-in (the last day is not stored)."]
    elif (end_date - start_date).days > MAX_DAYS:
        errors["end_date"] = [f"At most {MAX_DAYS} days in one booking."]
    height, width = _size("pallet_height_cm", pallet_height_cm), _size("pallet_width_cm", pallet_width_cm)
    if height is not None and facility.max_pallet_height_cm is not None and height > facility.max_pallet_height_cm:
        errors["pallet_height_cm"] = [f"This facility takes pallets up to {facility.max_pallet_height_cm} cm high."]
    if width is not None and facility.max_pallet_width_cm is not None and width > facility.max_pallet_width_cm:
        errors["pallet_width_cm"] = [f"This facility takes pallets up to {facility.max_pallet_width_cm} cm wide."]
    codes = []
    if not isinstance(features, list | tuple) or not all(isinstance(c, str) for c in features or []):
        errors["features"] = ["A list of feature codes."]
    else:
        codes = sorted({c.strip().upper() for c in features or [] if c.strip()})
        offered = set(FacilityFeature.objects.filter(facility=facility, is_active=True, is_deleted=False, feature__is_deleted=False).values_list("feature__code", flat=True))
        missing = [c for c in codes if c not in offered]
        if missing:
            errors["features"] = [f"Not offered at this facility: {', '.join(missing)}."]
    if errors:
        raise ValidationFailed("The booking was not made.", fields=errors)
    if facility.is_deleted or facility.status != Facility.ACTIVE:
        raise Conflict(f"This facility is not taking bookings ({facility.status.lower()}).", code="facility_not_active", extra={"status": facility.status})
    site = facility.site
    local_now = (now or clock.now()).astimezone(clock.zone(site.time_zone))
    if start_date < local_now.date():
        raise ValidationFailed("The booking was not made.", fields={"start_date": ["Check-in cannot be in the past."]})
    if start_date == local_now.date() and site.cutoff_time is not None and local_now.time() >= site.cutoff_time:
        raise Conflict(f"Same-day bookings close at {dates.clock_time(site.cutoff_time, site.tenant)} ({site.time_zone}); choose a later check-in.", code="cutoff_passed",
                       extra={"cutoff_time": site.cutoff_time.strftime("%H:%M")})
    hours = site.opening_hours or {}
    if hours and not hours.get(DAYS[start_date.weekday()]):
        raise Conflict(f"The facility is closed on {start_date:%A}s; pallets are taken in on an open day.", code="facility_closed", extra={"start_date": start_date.isoformat()})
    return {"pallets": pallets, "features": codes, "pallet_height_cm": height, "pallet_width_cm": width}


def extras_for(codes: list[str], pallets: int) -> list[dict]:
    """Feature lines for billing's quote: PALLET_PER_DAY scales with pallets, FLAT is charged once."""
    return [{"code": code, "quantity": pallets, "flat_once": True} for code in codes]


def quote_params(facility: Facility, *, start_date, end_date, pallets: int, features: list[str]) -> dict:
    return {"start_date": start_date, "end_date": end_date, "units": pallets, "extras": extras_for(features, pallets), "site_id": facility.site_id,
            "currency": facility.currency, "country": facility.country, "region": facility.region}


def preview_booking(*, tenant, facility_pk: int, start_date, end_date, pallets, features=None, pallet_height_cm=None, pallet_width_cm=None) -> dict:
    """The booking wizard's live quote: the request checked as hold_booking checks it, priced from the
    current rules (rows split at every rate and tax change), with the pallets free on every day and what
    the first day's slot asks before confirmation. Writes nothing."""
    from ..selectors import free_pallets

    facility = get_owned(Facility.objects.select_related("site").filter(is_deleted=False), tenant, facility_pk, what="facility")
    clean = clean_request(facility, start_date=start_date, end_date=end_date, pallets=pallets, features=features or [], pallet_height_cm=pallet_height_cm, pallet_width_cm=pallet_width_cm)
    result = billing.quote(tenant, **quote_params(facility, start_date=start_date, end_date=end_date, pallets=clean["pallets"], features=clean["features"]))
    first = DailyCapacity.objects.filter(pool_id=facility.pool_id, date=start_date).first()
    policy = first.policy() if first else {}
    deposit = (policy.get("deposit_minor") or 0) if policy.get("deposit_required") else 0
    return {"currency": result.currency, "lines": result.lines, "base_price_minor": sum(x["amount_minor"] for x in result.lines if x["kind"] == "BASE"),
            "features_price_minor": sum(x["amount_minor"] for x in result.lines if x["kind"] != "BASE"), "tax_minor": result.tax_minor, "total_minor": result.total_minor,
            "free_pallets": free_pallets(facility, start_date, end_date), "deposit_minor": deposit, "prepayment_required": bool(policy.get("prepayment_required"))}


def _customer_for(tenant, actor, customer_id: int | None) -> Customer:
    """Customers book for themselves (their customer record is made on first booking); staff name one."""
    own = Customer.objects.for_tenant(tenant).filter(user=actor).first() if getattr(actor, "pk", None) else None
    if customer_id is None or (own is not None and own.pk == customer_id):
        if own is None:
            if actor is None or has_perm(actor, tenant, "storage.booking.manage"):
                raise ValidationFailed("Say which customer the booking is for.", fields={"customer_id": ["Required for staff."]})
            own = customers.create_customer(tenant=tenant, actor=actor, name=actor.get_full_name() or actor.email, email=actor.email, user=actor)
        return own
    if actor is not None and not has_perm(actor, tenant, "storage.booking.manage"):
        raise PermissionDenied("Customers book only for themselves.", code="not_own_customer")
    return get_owned(Customer, tenant, customer_id, what="customer")


# ---------------------------------------------------------------- the steps

def hold_booking(*, tenant, actor, facility_pk: int, start_date: dt.date, end_date: dt.date, pallets: int, features: list[str] | None = None, customer_id: int | None = None,
                 pallet_height_cm=None, pallet_width_cm=None, notes: str = "") -> StorageBooking:
    """NEW -> HELD in one transaction: N pallets held on every day of [start_date, end_date), the first
    day's slot policy snapshotted, the price quoted (re-priced while HELD). Held until the facility's
    hold time has passed; the worker (or the next booking that needs the days) expires it."""
    check(actor, tenant, "storage.booking.create")
    facility = get_owned(Facility.objects.select_related("site").filter(is_deleted=False), tenant, facility_pk, what="facility")
    clean = clean_request(facility, start_date=start_date, end_date=end_date, pallets=pallets, features=features or [], pallet_height_cm=pallet_height_cm, pallet_width_cm=pallet_width_cm)
    params = quote_params(facility, start_date=start_date, end_date=end_date, pallets=clean["pallets"], features=clean["features"])
    billing.quote(tenant, **params)  # no price, no hold: refused before any day row is locked
    with transaction.atomic(), translate_db_errors(engine.CONSTRAINT_MESSAGES):
        customer = _customer_for(tenant, actor, customer_id)
        ref = business_id("SB")
        booking = engine.create_booking(tenant=tenant, actor=actor, flow="storage", customer_id=customer.pk, site_id=facility.site_id, reference=ref, notes=notes or "",
                                        data={"facility_id": facility.facility_id})
        # Priced before the day rows are locked: the quote is a new row nobody else can hold, and the
        # day-row lock (what every concurrent booking of these days waits on) stays as short as it can.
        billing.price_booking(tenant=tenant, actor=actor, booking_id=booking.pk, source=SOURCE, customer_id=customer.pk, **params)
        booking = engine.transition(tenant=tenant, actor=actor, booking_id=booking.pk, name="hold", pool_id=facility.pool_id, quantity=clean["pallets"],
                                    start_date=start_date, end_date=end_date, ttl_minutes=facility.hold_ttl_minutes)
        first = DailyCapacity.objects.get(pool_id=facility.pool_id, date=start_date)  # locked by the hold
        policy = first.policy()
        storage = StorageBooking.objects.create(
            booking=booking, tenant=tenant, booking_ref=ref, facility=facility, customer=customer, features=clean["features"], pallet_height_cm=clean["pallet_height_cm"],
            pallet_width_cm=clean["pallet_width_cm"], currency=facility.currency, deposit_minor=(policy["deposit_minor"] or 0) if policy["deposit_required"] else 0,
            prepayment_required=policy["prepayment_required"], policy=policy, created_at=booking.created_at,
        )
        log_action(tenant=tenant, actor=actor, entity=storage, action="storage.booking.held",
                   diff={"status": [None, HELD], "pallets": [None, clean["pallets"]], "dates": [None, [start_date.isoformat(), end_date.isoformat()]]})
        emit(tenant, "storage.booking:hold", {"booking_id": booking.pk, "facility_id": facility.pk, "pallets": clean["pallets"], "expires_at": booking.hold.expires_at})
        emit_stats_changed(tenant, "storage")
    storage.booking = booking
    return storage


def _locked_storage(tenant, booking_id: int) -> StorageBooking:
    return get_owned(StorageBooking.objects.select_related("customer__user", "facility__site"), tenant, booking_id, what="booking")


CUSTOMER_NEWS = {"confirm": "Your storage booking {ref} is confirmed", "cancel": "Your storage booking {ref} was cancelled", "expire": "Your hold {ref} expired"}


def _announce(tenant, actor, storage: StorageBooking, name: str, reason: str = "") -> None:
    emit(tenant, f"storage.booking:{name}", {"booking_id": storage.pk, "status": storage.booking.status, "facility_id": storage.facility_id})
    emit_stats_changed(tenant, "storage")
    user = storage.customer.user
    if user is not None and user != actor and name in CUSTOMER_NEWS:
        notify(tenant, user, event_type=f"storage.booking:{name}", title=CUSTOMER_NEWS[name].format(ref=storage.booking_ref), body=reason, data={"booking_id": storage.pk})


def confirm_booking(*, tenant, actor, booking_id: int, version: int | None = None) -> StorageBooking:
    """HELD -> CONFIRMED: the hold must be live and the slot's deposit / prepayment received; held ->
    occupied on every day; the price is re-priced one last time and frozen (snapshot); the booking is
    invoiced (due in the tenant's payment terms) and money already received is applied to the invoice."""
    with transaction.atomic(), translate_db_errors(engine.CONSTRAINT_MESSAGES):
        storage = _locked_storage(tenant, booking_id)
        storage.booking = engine.transition(tenant=tenant, actor=actor, booking_id=storage.pk, name="confirm", version=version)
        quote_row = PriceQuote.objects.for_tenant(tenant).get(source=SOURCE, booking_id=storage.pk)
        quote_row = billing.lock_quote(tenant=tenant, actor=actor, quote_id=quote_row.pk)
        from .money import apply_booking_money, invoice_items

        invoice = invoice_items(tenant, actor, storage, billing.items_from_quote(tenant=tenant, actor=actor, quote_id=quote_row.pk, customer_id=storage.customer_id))
        apply_booking_money(tenant, actor, storage, invoice)
        log_action(tenant=tenant, actor=actor, entity=storage, action="storage.booking.confirmed", diff={"status": [HELD, CONFIRMED], "total_minor": [None, quote_row.total_minor]})
        _announce(tenant, actor, storage, "confirm")
    return storage


def cancellation_fee(storage: StorageBooking, at: dt.datetime) -> int:
    """The fee the first day's slot policy asks when a CONFIRMED booking is cancelled at `at`.

    Free cancellation: free until the window before check-in (local midnight of the first day; window
    in HOURS or DAYS; no window = free until check-in), the cancellation amount after that. Without free
    cancellation the cancellation amount is always charged. A HELD booking is never charged: nothing
    was sold yet."""
    policy = storage.policy or {}
    amount = int(policy.get("cancellation_minor") or 0)
    if not policy.get("free_cancellation"):
        return amount
    starts = clock.local_midnight(storage.booking.start_date, storage.facility.site.time_zone)
    window = int(policy.get("cancellation_window") or 0)
    delta = dt.timedelta(hours=window) if policy.get("cancellation_unit") == DailyCapacity.HOURS else dt.timedelta(days=window)
    return 0 if at < starts - delta else amount


def cancel_booking(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None) -> StorageBooking:
    """-> CANCELLED: held or occupied pallets go back on every day. A confirmed booking is charged the
    slot policy's cancellation fee (an invoice line of its own); its unpaid, untouched invoice is voided."""
    with transaction.atomic(), translate_db_errors(engine.CONSTRAINT_MESSAGES):
        storage = _locked_storage(tenant, booking_id)
        before = storage.booking.status
        storage.booking = engine.transition(tenant=tenant, actor=actor, booking_id=storage.pk, name="cancel", reason=reason, version=version)
        fee = cancellation_fee(storage, clock.now()) if before == CONFIRMED else 0
        from .money import charge_cancellation

        charge_cancellation(tenant, actor, storage, fee, reason)
        log_action(tenant=tenant, actor=actor, entity=storage, action="storage.booking.cancelled", diff={"status": [before, CANCELLED], "cancellation_fee_minor": [None, fee]})
        _announce(tenant, actor, storage, "cancel", reason)
    return storage


def expire_booking(*, tenant, booking_id: int) -> StorageBooking:
    """HELD -> EXPIRED by the system once the hold's time has passed (the held pallets go back)."""
    with transaction.atomic(), translate_db_errors(engine.CONSTRAINT_MESSAGES):
        storage = _locked_storage(tenant, booking_id)
        storage.booking = engine.transition(tenant=tenant, actor=None, booking_id=storage.pk, name="expire", reason="hold expired")
        _announce(tenant, None, storage, "expire")
    return storage


def extend_hold(*, tenant, actor, booking_id: int, minutes: int | None = None) -> StorageBooking:
    """Push a HELD booking's hold out (explicit, at most the tenant's hold_max_extensions times)."""
    with transaction.atomic(), translate_db_errors(engine.CONSTRAINT_MESSAGES):
        storage = _locked_storage(tenant, booking_id)
        check(actor, tenant, "storage.booking.manage")
        if storage.booking.status != HELD:
            raise Conflict(f"A {storage.booking.status} booking has no hold to extend.", code="illegal_transition", extra={"status": storage.booking.status})
        inventory.extend_hold(tenant=tenant, actor=actor, hold_id=storage.booking.hold_id, minutes=minutes or storage.facility.hold_ttl_minutes)
        storage.booking.refresh_from_db()
        log_action(tenant=tenant, actor=actor, entity=storage, action="storage.booking.hold_extended", diff={"expires_at": [None, storage.booking.hold.expires_at]})
        emit(tenant, "storage.booking:extended", {"booking_id": storage.pk, "expires_at": storage.booking.hold.expires_at})
    return storage


def on_hold_expired(hold, now: dt.datetime) -> None:
    """Engine hook: the sweeper (or another booking's transaction) expired a hold. The engine's handler
    moves the booking HELD -> EXPIRED (idempotent); here the storage side is told, same transaction."""
    engine.on_hold_expired(hold, now)
    for storage in StorageBooking.objects.filter(booking__hold=hold, booking__status=EXPIRED).select_related("booking", "customer__user"):
        log_action(tenant=hold.tenant, actor=None, entity=storage, action="storage.booking.expired", diff={"status": [HELD, EXPIRED]})
        _announce(hold.tenant, None, storage, "expire")


def booking_has_ended(tenant, source: str, booking_id) -> bool:
    """Billing's cancellation check: money for an expired storage booking, or a cancelled one without a
    cancellation fee to pay, is kept and flagged for refund instead of applied."""
    if source != SOURCE:
        return False
    row = StorageBooking.objects.for_tenant(tenant).filter(pk=booking_id).values_list("booking__status", "cancellation_fee_minor").first()
    if row is None:
        return False
    status, fee = row
    return status in (EXPIRED, NEW) or (status == CANCELLED and not fee)


__all__ = ["cancel_booking", "confirm_booking", "expire_booking", "extend_hold", "hold_booking", "on_hold_expired", "Invoice"]

"""Storage reads, tenant-scoped. Soft-deleted companies, facilities, features and media are hidden
everywhere (restorable through the services)."""
from __future__ import annotations

import datetime as dt
import math

from django.db.models import Q, Sum

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing.models import Invoice, Payment, PaymentAllocation, PriceQuote
from holdfast.core.inventory.models import DailyCapacity, Hold
from holdfast.core.customers.models import Customer
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit import clock

from .models import ACTIVE_STATES, CONFIRMED, HELD, SOURCE, Company, Facility, FacilityFeature, FacilityMedia, Feature, StorageBooking

EARTH_KM = 6371.0088


def companies(tenant, *, include_deleted: bool = False):
    qs = Company.objects.for_tenant(tenant)
    return qs if include_deleted else qs.filter(is_deleted=False)


def features(tenant):
    return Feature.objects.for_tenant(tenant).filter(is_deleted=False)


def facilities(tenant, *, include_deleted: bool = False, status: str | None = None, company_pk: int | None = None, q: str | None = None):
    qs = Facility.objects.for_tenant(tenant).select_related("site", "company")
    if not include_deleted:
        qs = qs.filter(is_deleted=False)
    if status:
        qs = qs.filter(status=status)
    if company_pk:
        qs = qs.filter(company_id=company_pk)
    if q:
        qs = qs.filter(Q(site__name__icontains=q) | Q(facility_id__icontains=q) | Q(pallet_type__icontains=q))
    return qs


def get_facility(tenant, pk, *, include_deleted: bool = False) -> Facility:
    return get_owned(facilities(tenant, include_deleted=include_deleted), tenant, pk, what="facility")


def facility_features(facility: Facility, *, active_only: bool = True):
    qs = FacilityFeature.objects.filter(facility=facility, is_deleted=False, feature__is_deleted=False).select_related("feature").order_by("feature__code")
    return qs.filter(is_active=True) if active_only else qs


def facility_media(facility: Facility):
    return FacilityMedia.objects.filter(facility=facility, is_deleted=False).order_by("id")


def distance_km(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def free_pallets(facility: Facility, start_date: dt.date, end_date: dt.date, *, now=None) -> int:
    """The pallets free on EVERY day of [start_date, end_date) (a day without a slot has none).
    Holds past their expiry count as free even before the sweeper has run."""
    now = now or clock.now()
    days = (end_date - start_date).days
    rows = list(DailyCapacity.objects.filter(pool_id=facility.pool_id, date__gte=start_date, date__lt=end_date).values("date", "capacity", "occupied", "held"))
    if days <= 0 or len(rows) < days:
        return 0
    stale = _stale_held(facility.pool_id, start_date, end_date, now)
    return max(0, min(r["capacity"] - r["occupied"] - r["held"] + stale.get(r["date"], 0) for r in rows))


def _stale_held(pool_id: int, start_date, end_date, now) -> dict:
    """Per day: pallets still counted in `held` by holds that have already expired (not swept yet)."""
    out: dict = {}
    for qty, s, e in Hold.objects.filter(pool_id=pool_id, status=Hold.ACTIVE, expires_at__lte=now, start_date__lt=end_date, end_date__gt=start_date).values_list("quantity", "start_date", "end_date"):
        day = max(s, start_date)
        while day < min(e, end_date):
            out[day] = out.get(day, 0) + qty
            day += dt.timedelta(days=1)
    return out


def slots(facility: Facility, start_date: dt.date, end_date: dt.date, *, now=None) -> list[dict]:
    """One row per day of the range: capacity, occupied, held (live holds only), available, policies."""
    now = now or clock.now()
    stale = _stale_held(facility.pool_id, start_date, end_date, now)
    rows = {r.date: r for r in DailyCapacity.objects.filter(pool_id=facility.pool_id, date__gte=start_date, date__lt=end_date)}
    out, day = [], start_date
    while day < end_date:
        row = rows.get(day)
        if row is None:
            out.append({"date": day, "slot_id": None, "capacity": 0, "occupied": 0, "held": 0, "available": 0, "fill": 0.0, "open": False})
        else:
            held = row.held - stale.get(day, 0)
            available = row.capacity - row.occupied - held
            out.append({"date": day, "slot_id": row.pk, "capacity": row.capacity, "occupied": row.occupied, "held": held, "available": available,
                        "fill": (row.occupied + held) / row.capacity if row.capacity else 1.0, "open": True, **row.policy()})
        day += dt.timedelta(days=1)
    return out


def search_facilities(tenant, *, lat=None, lng=None, radius_km=None, features: list[str] | None = None, start_date=None, end_date=None, pallets: int | None = None,
                      q: str | None = None, now=None) -> list[dict]:
    """The facility finder: active facilities, optionally within `radius_km` of (lat, lng) (nearest
    first), offering every feature code asked for, with at least `pallets` free on every day of the range."""
    qs = facilities(tenant, status=Facility.ACTIVE, q=q)
    for code in sorted({c.strip().upper() for c in features or [] if c.strip()}):
        qs = qs.filter(facility_features__feature__code=code, facility_features__is_active=True, facility_features__is_deleted=False)
    results = []
    for facility in qs.distinct():
        distance = None
        if lat is not None and lng is not None:
            if facility.site.latitude is None or facility.site.longitude is None:
                continue
            distance = distance_km(lat, lng, facility.site.latitude, facility.site.longitude)
            if radius_km is not None and distance > radius_km:
                continue
        free = free_pallets(facility, start_date, end_date, now=now) if start_date and end_date else None
        if pallets and free is not None and free < pallets:
            continue
        results.append({"facility": facility, "distance_km": None if distance is None else round(distance, 2), "free_pallets": free})
    results.sort(key=lambda r: (r["distance_km"] if r["distance_km"] is not None else math.inf, not r["facility"].is_featured, r["facility"].pk))
    return results


# ---------------------------------------------------------------- bookings

def bookings_for(tenant, actor, *, status: str | None = None, facility_pk: int | None = None, customer_id: int | None = None):
    """Staff (storage.view) see every booking; a customer only their own."""
    require_owned(tenant, (Facility, facility_pk), (Customer, customer_id))
    qs = StorageBooking.objects.for_tenant(tenant).select_related("booking", "booking__hold", "facility__site", "customer")
    if actor is not None and not has_perm(actor, tenant, "storage.view"):
        qs = qs.filter(customer__user=actor)
    if status:
        qs = qs.filter(booking__status=status)
    if facility_pk:
        qs = qs.filter(facility_id=facility_pk)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def get_booking(tenant, actor, pk) -> StorageBooking:
    return get_owned(bookings_for(tenant, actor), tenant, pk, what="booking")


def quote_of(tenant, storage: StorageBooking) -> PriceQuote | None:
    return PriceQuote.objects.for_tenant(tenant).filter(source=SOURCE, booking_id=storage.pk).prefetch_related("lines").first()


def booking_invoices(tenant, storage: StorageBooking):
    return billing_selectors.with_amounts(Invoice.objects.for_tenant(tenant).filter(booking_id=storage.pk)).order_by("id")


def booking_receipts(tenant, storage: StorageBooking):
    """Receipts bound to the booking, and receipts (e.g. bulk ones) allocated to its invoices."""
    ids = set(Payment.objects.for_tenant(tenant).filter(booking_id=storage.pk, status=Payment.RECEIVED).values_list("pk", flat=True))
    ids |= set(PaymentAllocation.objects.filter(invoice__booking_id=storage.pk, invoice__tenant=tenant).values_list("payment_id", flat=True))
    return billing_selectors.with_payment_amounts(Payment.objects.for_tenant(tenant).filter(pk__in=ids)).order_by("paid_at", "id")


def paid_minor(tenant, storage: StorageBooking) -> int:
    """Money received for the booking: receipts bound to it (net of refunds and of what they paid on
    other bookings' invoices) plus what unbound receipts (bulk ones) allocated to its invoices."""
    bound = billing_selectors.with_payment_amounts(Payment.objects.for_tenant(tenant).filter(booking_id=storage.pk, status=Payment.RECEIVED, needs_refund=False))
    total = 0
    for p in bound:
        elsewhere = PaymentAllocation.objects.filter(payment=p).exclude(invoice__booking_id=storage.pk).aggregate(s=Sum("amount_minor"))["s"] or 0
        total += p.amount_minor - p.refunded_minor - elsewhere
    total += PaymentAllocation.objects.filter(invoice__booking_id=storage.pk, invoice__tenant=tenant).exclude(payment__booking_id=storage.pk).aggregate(s=Sum("amount_minor"))["s"] or 0
    return total


def total_minor(tenant, storage: StorageBooking) -> int:
    quote = quote_of(tenant, storage)
    return quote.total_minor if quote else 0


def required_before_confirmation(tenant, storage: StorageBooking) -> int:
    """The slot's deposit, or the whole total with prepayment; never more than the total (a deposit
    above a small booking's price would otherwise block it for good: pay_booking refuses more than is owed)."""
    total = total_minor(tenant, storage)
    if storage.prepayment_required:
        return total
    return min(storage.deposit_minor, total)


def owed_minor(tenant, storage: StorageBooking) -> int:
    """What the booking asks in all: its current price while HELD or CONFIRMED, the cancellation fee once cancelled."""
    if storage.booking.status in ACTIVE_STATES:
        return total_minor(tenant, storage)
    return storage.cancellation_fee_minor or 0


def outstanding_minor(tenant, storage: StorageBooking) -> int:
    return max(0, owed_minor(tenant, storage) - paid_minor(tenant, storage))


def booking_money(tenant, storage: StorageBooking) -> dict:
    total = total_minor(tenant, storage)
    paid = paid_minor(tenant, storage)
    return {"total_minor": total, "paid_minor": paid, "owed_minor": owed_minor(tenant, storage), "outstanding_minor": outstanding_minor(tenant, storage),
            "required_before_confirmation_minor": required_before_confirmation(tenant, storage) if storage.booking.status == HELD else 0}


def repricing_preview(tenant, *, effective_from: dt.date, effective_to: dt.date | None = None, product_code: str | None = None) -> dict:
    """Which bookings a price change over [effective_from, effective_to) would touch: HELD ones are
    re-priced (their quote is unlocked), CONFIRMED ones keep their snapshot."""
    qs = bookings_for(tenant, None).filter(booking__end_date__gt=effective_from, booking__status__in=[HELD, CONFIRMED])
    if effective_to:
        qs = qs.filter(booking__start_date__lt=effective_to)
    if product_code and product_code != "base":
        qs = qs.filter(features__contains=[product_code]) if _json_contains_ok() else [b for b in qs if product_code in (b.features or [])]
    rows = list(qs)
    return {"repriced": [b for b in rows if b.booking.status == HELD], "locked": [b for b in rows if b.booking.status == CONFIRMED]}


def _json_contains_ok() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# ---------------------------------------------------------------- read models for the API and the screens

def price_parts(tenant, storage: StorageBooking) -> dict:
    """The seed's aggregates from the pricing rows: base price (BookingPricing), features price, tax, total."""
    quote = quote_of(tenant, storage)
    lines = list(quote.lines.all()) if quote else []
    return {"lines": lines, "locked": bool(quote and quote.locked), "base_price_minor": sum(x.amount_minor for x in lines if x.kind == "BASE"),
            "features_price_minor": sum(x.amount_minor for x in lines if x.kind != "BASE"), "tax_minor": quote.tax_minor if quote else 0,
            "total_minor": quote.total_minor if quote else 0}


def booking_summary(tenant, storage: StorageBooking) -> dict:
    """One booking as the API and the screens show it: the stored fields, the hold, the price aggregates and the money."""
    booking, hold = storage.booking, storage.booking.hold
    parts = price_parts(tenant, storage)
    money = booking_money(tenant, storage)
    return {
        "id": storage.pk, "booking_ref": storage.booking_ref, "facility_id": storage.facility_id, "facility_name": storage.facility.name, "customer_id": storage.customer_id,
        "customer_name": storage.customer.name, "status": booking.status, "pallets": booking.quantity, "check_in": booking.start_date, "check_out": booking.end_date,
        "days": (booking.end_date - booking.start_date).days if booking.start_date and booking.end_date else 0, "features": storage.features or [],
        "pallet_height_cm": storage.pallet_height_cm, "pallet_width_cm": storage.pallet_width_cm, "currency": storage.currency, "deposit_minor": storage.deposit_minor,
        "prepayment_required": storage.prepayment_required, "policy": storage.policy or {}, "cancellation_fee_minor": storage.cancellation_fee_minor, "booking_ts": storage.booking_ts,
        "hold_status": hold.status if hold else None, "hold_expires_at": hold.expires_at if hold else None, "hold_reason": hold.reason if hold else "",
        "version": booking.version, "created_at": storage.created_at, "price_locked": parts["locked"], "base_price_minor": parts["base_price_minor"],
        "features_price_minor": parts["features_price_minor"], "tax_minor": parts["tax_minor"], "total_minor": parts["total_minor"], "paid_minor": money["paid_minor"],
        "outstanding_minor": money["outstanding_minor"], "required_before_confirmation_minor": money["required_before_confirmation_minor"],
    }


def storage_invoices(tenant, actor, *, customer_id: int | None = None, status: str | None = None):
    """Storage invoices with their amounts; a customer sees only their own."""
    require_owned(tenant, (Customer, customer_id))
    qs = Invoice.objects.for_tenant(tenant).filter(source=SOURCE).exclude(status=Invoice.DRAFT).select_related("customer")
    if actor is not None and not has_perm(actor, tenant, "storage.view"):
        qs = qs.filter(customer__user=actor)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    return billing_selectors.with_amounts(qs).order_by("-id")


def storage_receipts(tenant, actor, *, customer_id: int | None = None):
    require_owned(tenant, (Customer, customer_id))
    qs = Payment.objects.for_tenant(tenant).filter(source=SOURCE, status=Payment.RECEIVED).select_related("customer")
    if actor is not None and not has_perm(actor, tenant, "storage.view"):
        qs = qs.filter(customer__user=actor)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return billing_selectors.with_payment_amounts(qs).order_by("-paid_at", "-id")


def price_rules(tenant):
    """Storage's price rules: base (per pallet per day) and every feature code; newest first."""
    from holdfast.core.billing.models import PriceRule

    codes = ["base", *features(tenant).values_list("code", flat=True)]
    return PriceRule.objects.for_tenant(tenant).filter(product_code__in=codes).order_by("product_code", "-effective_from", "-id")


def tax_rules(tenant):
    from holdfast.core.billing.models import TaxRule

    return TaxRule.objects.for_tenant(tenant).order_by("country", "region", "-effective_from", "-id")


def calendar(facility: Facility, start_date: dt.date, days: int = 28, *, now=None) -> list[dict]:
    """The operator's capacity calendar: one cell per day, with its fill band (colour by fill)."""
    rows = slots(facility, start_date, start_date + dt.timedelta(days=days), now=now)
    for row in rows:
        fill = row["fill"]
        row["band"] = "closed" if not row["open"] else "full" if row["available"] <= 0 else "high" if fill >= 0.8 else "mid" if fill >= 0.5 else "low"
    return rows


def board(tenant, actor, *, facility_pk: int | None = None) -> dict:
    """The bookings board: bookings by status (the seed's words), newest first."""
    qs = bookings_for(tenant, actor, facility_pk=facility_pk)
    from .models import BOOKING_STATES

    return {status: list(qs.filter(booking__status=status)[:50]) for status in BOOKING_STATES if status != "NEW"}


def get_media(tenant, pk) -> FacilityMedia:
    """A shown photo or document of a facility that is not deleted."""
    return get_owned(FacilityMedia.objects.filter(is_deleted=False, facility__is_deleted=False), tenant, pk, what="file")

"""Pure reads the booking services rely on: nightly prices, free rooms per type and night, restrictions."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from django.utils import timezone

from holdfast.core.billing.services.pricing import quote
from holdfast.core.inventory.models import Block
from holdfast.core.inventory.services import live_q, overlapping
from holdfast.kit.errors import Conflict, ValidationFailed

from ..models import Property, RatePlanPrice, Reservation, Restriction, Room, RoomType
from ._common import days, period
from .expiry import expired_q


def price_for_nights(plan, room_type, start: dt.date, end: dt.date) -> dict[dt.date, int | None]:
    """Each night's base price. Precedence among covering rows: latest start_date, then the shortest
    range, then the newest row."""
    rows = list(RatePlanPrice.objects.filter(rate_plan=plan, room_type=room_type, start_date__lt=end, end_date__gt=start).values("id", "start_date", "end_date", "nightly_base_cents"))
    out = {}
    for d in days(start, end):
        covering = [r for r in rows if r["start_date"] <= d < r["end_date"]]
        best = max(covering, key=lambda r: (r["start_date"], -(r["end_date"] - r["start_date"]).days, r["id"]), default=None)
        out[d] = best["nightly_base_cents"] if best else None
    return out


def stay_price(tenant, plan, room_type, start: dt.date, end: dt.date) -> dict:
    """The stay's price night by night: each night at its own rate-plan price, priced and taxed by billing's
    `quote()` (each night at the tax rule in force that night: the property's own rule, billing tax rule on its
    site, when it has one, else the business-wide rule for the tenant's place). `nights` maps each night
    (ISO date) to {"rate": cents, "tax": cents}; a billing line's tax (rounded once per line) is spread over its
    nights, earlier nights taking the odd cents, so the nights add up to the quote exactly."""
    nightly = price_for_nights(plan, room_type, start, end)
    missing = [d.isoformat() for d, cents in nightly.items() if cents is None]
    if missing:
        raise Conflict(f"Rate plan {plan.code} has no price for {room_type.code} on {', '.join(missing[:5])}.", code="no_price", extra={"dates": missing})
    site_id = Property.objects.filter(pk=plan.property_id).values_list("site_id", flat=True).first()
    result = quote(tenant, start_date=start, end_date=end, site_id=site_id, currency=plan.currency, day_rates=nightly)
    nights: dict[str, dict] = {}
    for line in result.lines:
        share, odd = divmod(line["tax_minor"], line["days"])
        for i, d in enumerate(days(line["date_from"], line["date_to"])):
            nights[d.isoformat()] = {"rate": line["rate_minor"], "tax": share + (1 if i < odd else 0), "tax_rate": str(line["tax_rate"]), "tax_name": line["tax_name"]}
    first = nights[start.isoformat()]
    return {"nightly_rate_cents": first["rate"], "nights": len(nights), "subtotal_cents": result.subtotal_minor, "night_tax_cents": first["tax"], "tax_cents": result.tax_minor,
            "tax_rate": first["tax_rate"], "tax_name": first["tax_name"], "nightly": nightly, "night_prices": nights,
            "rates_vary": len({n["rate"] for n in nights.values()}) > 1, "min_rate_cents": min(n["rate"] for n in nights.values())}


def free_per_type(prop, start: dt.date, end: dt.date, *, room_type_ids=None, exclude_reservation_id: int | None = None) -> dict[int, dict[dt.date, int]]:
    """room_type_id -> {night: rooms still sellable}: active, in-order rooms of the type without a live block
    that night, minus reservations of the type on the books without a room yet."""
    types = RoomType.objects.filter(property=prop, is_active=True)
    if room_type_ids:
        types = types.filter(pk__in=room_type_ids)
    type_ids = list(types.values_list("pk", flat=True))
    rooms = list(Room.objects.filter(property=prop, room_type_id__in=type_ids, is_active=True, is_out_of_order=False).values("resource_id", "room_type_id"))
    type_of = {r["resource_id"]: r["room_type_id"] for r in rooms}
    nights = days(start, end)
    bounds = [(d, *period(prop, d, d + dt.timedelta(days=1))) for d in nights]
    lo, hi = period(prop, start, end)
    blocks = overlapping(Block.objects.filter(live_q(timezone.now()), resource_id__in=list(type_of)), lo, hi)
    excluded_hold = None
    if exclude_reservation_id:
        excluded_hold = Reservation.objects.filter(pk=exclude_reservation_id).values_list("hold_id", flat=True).first()
    busy: dict = defaultdict(set)
    for b in blocks.values("resource_id", "starts_at", "ends_at", "hold_id"):
        if excluded_hold and b["hold_id"] == excluded_hold:
            continue
        for d, d_lo, d_hi in bounds:
            if b["starts_at"] < d_hi and (b["ends_at"] is None or b["ends_at"] > d_lo):
                busy[(type_of[b["resource_id"]], d)].add(b["resource_id"])
    unassigned: dict = defaultdict(int)
    pending = Reservation.objects.filter(property=prop, room_type_id__in=type_ids, room__isnull=True, status__in=Reservation.ACTIVE, check_in_date__lt=end, check_out_date__gt=start)
    if exclude_reservation_id:
        pending = pending.exclude(pk=exclude_reservation_id)
    pending = pending.exclude(expired_q(timezone.now()))  # rule 4: a run-out HOLD counts for nobody, swept or not
    for r in pending.values("room_type_id", "check_in_date", "check_out_date"):
        for d in days(max(start, r["check_in_date"]), min(end, r["check_out_date"])):
            unassigned[(r["room_type_id"], d)] += 1
    total: dict = defaultdict(int)
    for r in rooms:
        total[r["room_type_id"]] += 1
    return {t: {d: total[t] - len(busy[(t, d)]) - unassigned[(t, d)] for d in nights} for t in type_ids}


def check_restrictions(room_type, check_in: dt.date, check_out: dt.date) -> None:
    """Seed §11: min stay of the arrival date, closed to arrival on check-in, closed to departure on check-out."""
    rows = {r.date: r for r in Restriction.objects.filter(room_type=room_type, date__in=[check_in, check_out])}
    arrival, departure = rows.get(check_in), rows.get(check_out)
    nights = (check_out - check_in).days
    if arrival and arrival.closed_to_arrival:
        raise Conflict(f"{room_type.code} is closed to arrival on {check_in}.", code="closed_to_arrival")
    if departure and departure.closed_to_departure:
        raise Conflict(f"{room_type.code} is closed to departure on {check_out}.", code="closed_to_departure")
    if arrival and arrival.min_stay and nights < arrival.min_stay:
        raise Conflict(f"Stays arriving on {check_in} in {room_type.code} are at least {arrival.min_stay} nights.", code="min_stay", extra={"min_stay": arrival.min_stay})


def check_occupancy(room_type, adults: int, children: int) -> None:
    errors = {}
    if adults is None or adults < 1:
        errors["adults"] = ["At least one adult."]
    elif adults > room_type.max_adults:
        errors["adults"] = [f"At most {room_type.max_adults} adults in {room_type.code}."]
    if children is None or children < 0:
        errors["children"] = ["Zero or more."]
    elif children > room_type.max_children:
        errors["children"] = [f"At most {room_type.max_children} children in {room_type.code}."]
    if not errors and adults + children > room_type.max_occupancy:
        errors["adults"] = [f"{room_type.code} sleeps at most {room_type.max_occupancy}."]
    if errors:
        raise ValidationFailed("Too many guests for this room type.", code="occupancy_exceeded", fields=errors)

"""Demo data for a hotel tenant: two properties, room types, rooms, rate plans with seasonal prices and
restrictions, and three months of reservations in every state.

History is produced by running the real services day by day with the business clock moved back
(three weeks of arrivals, check-ins, night audits, payments, check-outs, no-shows, cancellations),
then ten weeks of future bookings, and two voided folio invoices whose charges wait on "Items to invoice". Idempotent: a tenant that already has a property is left alone.
"""
from __future__ import annotations

import datetime as dt
import random
from unittest import mock

from holdfast.core.billing.services.pricing import create_tax_rule, resolve_tax
from holdfast.core.inventory.services import expire_due_holds
from holdfast.kit import clock
from holdfast.kit.errors import DomainError

from . import selectors, services
from .models import Property, Reservation
from .services._common import deferred_read_models
from .services.folio import SOURCE

PAST_DAYS, FUTURE_DAYS = 21, 70  # three months: three weeks of history, ten weeks ahead
FIRST = ["Ana", "João", "Marta", "Luís", "Emma", "Noah", "Olivia", "Liam", "Sofia", "Mateo", "Chloé", "Hugo", "Ingrid", "Kenji", "Aisha", "Tom"]
LAST = ["Silva", "Santos", "Ferreira", "Costa", "Müller", "Smith", "Dubois", "Rossi", "Jensen", "Tanaka", "Okafor", "Novak", "García", "Brown"]
PROPERTIES = [
    {"name": "Seaside Hotel Lisboa", "tz": "Europe/Lisbon", "address": {"line1": "Avenida da Ribeira 12", "city": "Lisboa", "country": "PT"},
     "types": [("STD", "Standard Double", 2, 0, 2, [{"type": "queen", "count": 1}], ["wifi", "shower"], 9500, 7),
               ("TWN", "Twin Room", 2, 1, 3, [{"type": "single", "count": 2}], ["wifi", "shower"], 9900, 4),
               ("DLX", "Deluxe King Sea View", 2, 2, 4, [{"type": "king", "count": 1}, {"type": "sofa", "count": 1}], ["wifi", "bath", "sea view", "balcony"], 16500, 4),
               ("STE", "Ocean Suite", 3, 2, 5, [{"type": "king", "count": 1}, {"type": "single", "count": 2}], ["wifi", "bath", "sea view", "lounge"], 29000, 2)]},
    {"name": "Seaside Hotel Porto", "tz": "Europe/Lisbon", "address": {"line1": "Cais da Ribeira 40", "city": "Porto", "country": "PT"},
     "types": [("STD", "Riverside Double", 2, 0, 2, [{"type": "double", "count": 1}], ["wifi"], 8200, 6),
               ("FAM", "Family Room", 2, 2, 4, [{"type": "queen", "count": 1}, {"type": "bunk", "count": 1}], ["wifi", "kitchenette"], 13500, 3)]},
]


def _at(day: dt.date):
    """The business clock at noon UTC of `day` (all properties are on Lisbon time, UTC+0/+1)."""
    moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    return mock.patch.object(clock, "now", lambda: moment)


def _setup(tenant, actor, spec, today) -> tuple[Property, list]:
    prop = services.create_property(tenant=tenant, actor=actor, name=spec["name"], time_zone=spec["tz"], currency=tenant.currency, address=spec["address"])
    bar = services.create_rate_plan(tenant=tenant, actor=actor, property_id=prop.pk, code="BAR", name="Best available rate", is_default=True)
    nrf = services.create_rate_plan(tenant=tenant, actor=actor, property_id=prop.pk, code="NRF", name="Non-refundable (-12%)", description="Paid at booking, no changes")
    start, end = today - dt.timedelta(days=PAST_DAYS + 5), today + dt.timedelta(days=FUTURE_DAYS + 40)
    types = []
    floor_of = {0: "1", 1: "2", 2: "3", 3: "4"}
    for index, (code, name, adults, children, occupancy, beds, amenities, price, count) in enumerate(spec["types"]):
        rt = services.create_room_type(tenant=tenant, actor=actor, property_id=prop.pk, code=code, name=name, max_adults=adults, max_children=children,
                                       max_occupancy=occupancy, beds=beds, amenities=amenities)
        for i in range(count):
            services.create_room(tenant=tenant, actor=actor, property_id=prop.pk, room_type_id=rt.pk, room_number=f"{index + 1}{i + 1:02d}", floor=floor_of[index],
                                 features=["accessible"] if i == 0 and code == "STD" else [])
        services.set_rate_price(tenant=tenant, actor=actor, rate_plan_id=bar.pk, room_type_id=rt.pk, start_date=start, end_date=end, nightly_base_cents=price)
        services.set_rate_price(tenant=tenant, actor=actor, rate_plan_id=nrf.pk, room_type_id=rt.pk, start_date=start, end_date=end, nightly_base_cents=price * 88 // 100)
        # A festival fortnight three weeks out: higher prices (the later, shorter range wins) and a 2-night minimum.
        peak = today + dt.timedelta(days=21)
        services.set_rate_price(tenant=tenant, actor=actor, rate_plan_id=bar.pk, room_type_id=rt.pk, start_date=peak, end_date=peak + dt.timedelta(days=14), nightly_base_cents=price * 13 // 10)
        services.set_restriction(tenant=tenant, actor=actor, room_type_id=rt.pk, start_date=peak, end_date=peak + dt.timedelta(days=14), min_stay=2)
        types.append(rt)
    return prop, [bar, nrf], types


def _guest(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {"first_name": first, "last_name": last, "email": f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.com".replace("ã", "a").replace("é", "e").replace("ü", "u").replace("í", "i"),
            "phone": f"+351 9{rng.randint(10000000, 99999999)}"}


def _book(tenant, actor, rng, prop, plans, types, arrival: dt.date, *, assign: bool, status: str | None = None):
    rt = rng.choice(types)
    nights = rng.choice([1, 2, 2, 3, 3, 4, 5, 7])
    adults = min(rt.max_adults, rng.choice([1, 2, 2]))
    room_id = None
    if assign:
        free = list(selectors.free_rooms(tenant, prop, arrival, arrival + dt.timedelta(days=nights), room_type_id=rt.pk)[:3])
        room_id = free[0].pk if free else None
    try:
        return services.create_reservation(
            tenant=tenant, actor=actor, property_id=prop.pk, room_type_id=rt.pk, check_in_date=arrival, check_out_date=arrival + dt.timedelta(days=nights),
            adults=adults, children=0, guest=_guest(rng), rate_plan_id=rng.choice(plans).pk, room_id=room_id,
            status=status or (Reservation.HOLD if rng.random() < 0.08 else Reservation.CONFIRMED),
            source_type=rng.choice(["DIRECT", "PHONE", "BOOKING_ENGINE", "OTA", "OTA"]), source_ref=f"OTA-{rng.randint(100000, 999999)}" if rng.random() < 0.3 else "",
            guest_notes=rng.choice(["", "", "Late arrival", "Quiet room please", "Anniversary"]),
        )
    except DomainError:
        return None  # full, or a restriction: a real desk would offer something else


def _day(tenant, actor, rng, prop, plans, types, day: dt.date) -> None:
    services.run_night_audit(tenant=tenant, actor=None, property_id=prop.pk, business_date_=day - dt.timedelta(days=1))
    for res in Reservation.objects.filter(property=prop, status=Reservation.CHECKED_IN, check_out_date__lte=day).order_by("pk"):
        folio = selectors.folio(tenant, res)
        owed = res.total_cents - (folio.payments_minor - folio.refunds_minor)
        if owed > 0 and rng.random() < 0.93:
            services.record_folio_payment(tenant=tenant, actor=actor, reservation_id=res.pk, amount_cents=owed, method=rng.choice(["CARD", "CARD", "CASH"]))
        services.check_out(tenant=tenant, actor=actor, reservation_id=res.pk, allow_balance=True)
    for res in Reservation.objects.filter(property=prop, status__in=[Reservation.HOLD, Reservation.CONFIRMED], check_in_date__lt=day).order_by("pk"):
        services.mark_no_show(tenant=tenant, actor=actor, reservation_id=res.pk)
    for res in Reservation.objects.filter(property=prop, status__in=[Reservation.HOLD, Reservation.CONFIRMED], check_in_date=day).order_by("pk"):
        if rng.random() < 0.06:
            continue  # will be a no-show
        try:
            if res.status == Reservation.HOLD:
                services.confirm_reservation(tenant=tenant, actor=actor, reservation_id=res.pk)
            if res.room_id is None:
                free = list(selectors.free_rooms(tenant, prop, res.check_in_date, res.check_out_date, room_type_id=res.room_type_id)[:1])
                if not free:
                    continue
                services.assign_room(tenant=tenant, actor=actor, reservation_id=res.pk, room_id=free[0].pk)
            services.check_in(tenant=tenant, actor=actor, reservation_id=res.pk)
        except DomainError:
            continue
    for res in Reservation.objects.filter(property=prop, status=Reservation.CONFIRMED, check_in_date__gt=day).order_by("?")[:1]:
        if rng.random() < 0.25:
            services.cancel_reservation(tenant=tenant, actor=actor, reservation_id=res.pk, reason=rng.choice(["Plans changed", "Found another hotel", "Illness"]))
    for _ in range(rng.randint(1, 2)):
        _book(tenant, actor, rng, prop, plans, types, day + dt.timedelta(days=rng.choice([0, 1, 2, 3, 5, 7, 10, 14])), assign=rng.random() < 0.6)


def seed(tenant, users, *, past_days: int = PAST_DAYS, future_bookings: int = 18) -> None:
    if Property.objects.for_tenant(tenant).exists():
        return
    with deferred_read_models():  # one rebuild at the end instead of one refresh per step
        _seed(tenant, users, past_days, future_bookings)


def _seed(tenant, users, past_days: int, future_bookings: int) -> None:
    actor = users.get("admin")
    rng = random.Random(f"hotel-{tenant.slug}")
    today = clock.local_today(PROPERTIES[0]["tz"])
    start = today - dt.timedelta(days=past_days)
    if resolve_tax(tenant, day=start, country=tenant.country, region=tenant.region) is None:
        create_tax_rule(tenant=tenant, actor=actor, name="IVA (accommodation)", rate="6.00", effective_from=start - dt.timedelta(days=365), country=tenant.country or "")
    with _at(start):
        built = [_setup(tenant, actor, spec, today) for spec in PROPERTIES]
    for offset in range(past_days + 1):
        day = start + dt.timedelta(days=offset)
        with _at(day):
            for prop, plans, types in built:
                _day(tenant, actor, rng, prop, plans, types, day)
    # Back to the real clock (the engine reads the same clock): holds placed on past days whose time has
    # run out are swept as the worker would, and today's bookings and holds are placed now.
    while expire_due_holds():
        pass
    for prop, plans, types in built:
        for _ in range(future_bookings):
            _book(tenant, actor, rng, prop, plans, types, today + dt.timedelta(days=rng.randint(1, FUTURE_DAYS)), assign=rng.random() < 0.5)
        for _ in range(5):  # a live HOLD on the desk, placed now (past days' holds have run out and been swept)
            if Reservation.objects.filter(property=prop, status=Reservation.HOLD).exists():
                break
            _book(tenant, actor, rng, prop, plans, types, today + dt.timedelta(days=rng.randint(1, FUTURE_DAYS)), assign=False, status=Reservation.HOLD)
        room = selectors.rooms(tenant, property_id=prop.pk).filter(status="VACANT_DIRTY").first()
        if room is not None:
            services.set_room_status(tenant=tenant, actor=actor, room_id=room.pk, status="OUT_OF_ORDER", reason="Air conditioning repair")
        free = selectors.free_rooms(tenant, prop, today + dt.timedelta(days=3), today + dt.timedelta(days=6)).first()
        if free is not None:
            services.add_room_block(tenant=tenant, actor=actor, room_id=free.pk, start_date=today + dt.timedelta(days=3), end_date=today + dt.timedelta(days=6), reason="Repainting")
    _voided_folio_invoices(tenant, actor)


def _voided_folio_invoices(tenant, actor, count: int = 2) -> None:
    """Items to invoice: the folios of guests who left without paying (or, when there are none, interim
    invoices of guests in house) were invoiced, and those invoices voided to be corrected (addressed to the
    guest's company); their charges wait to be invoiced again."""
    from holdfast.core.billing.models import LedgerAccount
    from holdfast.core.billing.services import void_invoice

    unpaid = list(LedgerAccount.objects.for_tenant(tenant).filter(source=SOURCE, payments_minor=0).values_list("booking_id", flat=True))
    left = list(Reservation.objects.filter(tenant=tenant, status=Reservation.CHECKED_OUT, booking_id__in=unpaid).order_by("-check_out_date", "pk")[:count])
    # Then guests in house (they pay at check-out): an interim invoice of their stay so far, voided the same way.
    in_house = list(Reservation.objects.filter(tenant=tenant, status=Reservation.CHECKED_IN, booking_id__in=unpaid).order_by("check_in_date", "pk")[:count])
    for res in (left + in_house)[:count]:
        invoice = services.invoice_folio(tenant=tenant, actor=actor, reservation_id=res.pk)
        void_invoice(tenant=tenant, actor=actor, invoice_id=invoice.pk, reason="The guest asked for the invoice to be addressed to their company")

"""Reservations on the engine: booking into a type, blocks on assign/move/resize, refusals, front desk."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory.models import Block
from holdfast.kit.errors import Conflict, StaleVersion, ValidationFailed
from holdfast.verticals.hotel import selectors, services
from holdfast.verticals.hotel.models import Reservation, Room
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, today

pytestmark = pytest.mark.django_db


def live_blocks(room):
    return list(Block.objects.filter(resource_id=room.resource_id, active=True).order_by("starts_at"))


def test_booking_into_a_type_fixes_the_rate_and_totals(tenant, h):
    res = book(tenant, h, nights=(1, 4))
    assert res.status == Reservation.CONFIRMED and res.room_id is None
    assert (res.nightly_rate_cents, res.subtotal_cents, res.total_cents) == (10000, 30000, 30000)
    assert res.primary_guest["last_name"] == "Marker"
    assert [h.from_status + ">" + h.to_status for h in BookingStatusHistory.objects.filter(booking=res.booking)] == [">CONFIRMED"]  # created directly CONFIRMED
    assert OutboxEvent.objects.filter(tenant=tenant, event_type="reservation:created").count() == 1


def test_type_sells_out_counting_unassigned_and_assigned_reservations(tenant, h):
    book(tenant, h, nights=(1, 3))
    book(tenant, h, nights=(2, 4), room=h.rooms["102"])
    free = selectors.availability(tenant, h.property, today() + dt.timedelta(days=1), today() + dt.timedelta(days=4))
    dbl = next(r for r in free if r["room_type"].pk == h.dbl.pk)
    assert [n["free"] for n in dbl["nights"]] == [1, 0, 1]
    with pytest.raises(Conflict) as e:
        book(tenant, h, nights=(2, 3))
    assert e.value.code == "no_availability"


def test_assigning_a_taken_room_is_refused_and_changes_nothing(tenant, h):
    first = book(tenant, h, nights=(1, 4), room=h.rooms["101"])
    second = book(tenant, h, nights=(3, 5))
    with pytest.raises(Conflict) as e:
        services.assign_room(tenant=tenant, actor=None, reservation_id=second.pk, room_id=h.rooms["101"].pk)
    assert e.value.code == "resource_unavailable"
    second.refresh_from_db()
    assert second.room_id is None and len(live_blocks(h.rooms["101"])) == 1 and first.room_id == h.rooms["101"].pk


def test_move_gives_the_old_room_back_in_the_same_step(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    res = services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["102"].pk, version=res.version)
    assert live_blocks(h.rooms["101"]) == [] and len(live_blocks(h.rooms["102"])) == 1
    assert Booking.objects.get(pk=res.booking_id).resource_id == h.rooms["102"].resource_id
    assert drift(h.property) == []


def test_stale_version_is_refused(tenant, h):
    res = book(tenant, h, nights=(1, 3))
    with pytest.raises(StaleVersion):
        services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["101"].pk, version=res.version + 5)


def test_extend_into_a_taken_night_is_refused_shorten_frees_it(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    book(tenant, h, nights=(3, 5), room=h.rooms["101"])
    with pytest.raises(Conflict):
        services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=4))
    res.refresh_from_db()
    assert res.check_out_date == today() + dt.timedelta(days=3) and len(live_blocks(h.rooms["101"])) == 2
    res = services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=2))
    assert res.subtotal_cents == 10000 and res.total_cents == 10000
    assert drift(h.property) == []


def test_cancel_releases_the_room_and_the_calendar(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    assert selectors.segments(tenant, h.property, today(), today() + dt.timedelta(days=5)).count() == 2
    services.cancel_reservation(tenant=tenant, actor=None, reservation_id=res.pk, reason="plans changed")
    assert live_blocks(h.rooms["101"]) == []
    assert selectors.segments(tenant, h.property, today(), today() + dt.timedelta(days=5)).count() == 0
    book(tenant, h, nights=(1, 3), room=h.rooms["101"])  # the room sells again


@pytest.mark.parametrize("kw, code", [
    ({"min_stay": 3}, "min_stay"),
    ({"closed_to_arrival": True}, "closed_to_arrival"),
])
def test_restrictions_on_the_arrival_date_are_enforced(tenant, h, kw, code):
    day = today() + dt.timedelta(days=1)
    services.set_restriction(tenant=tenant, actor=None, room_type_id=h.dbl.pk, start_date=day, end_date=day + dt.timedelta(days=1), **kw)
    with pytest.raises(Conflict) as e:
        book(tenant, h, nights=(1, 3))
    assert e.value.code == code
    book(tenant, h, nights=(1, 3), room_type=h.sgl, adults=1)  # another type is not restricted


def test_closed_to_departure_is_enforced(tenant, h):
    day = today() + dt.timedelta(days=3)
    services.set_restriction(tenant=tenant, actor=None, room_type_id=h.dbl.pk, start_date=day, end_date=day + dt.timedelta(days=1), closed_to_departure=True)
    with pytest.raises(Conflict) as e:
        book(tenant, h, nights=(1, 3))
    assert e.value.code == "closed_to_departure"


def test_occupancy_beyond_the_room_type_is_refused(tenant, h):
    with pytest.raises(ValidationFailed) as e:
        book(tenant, h, nights=(1, 2), room_type=h.sgl, adults=2)
    assert e.value.code == "occupancy_exceeded"


def test_check_out_must_be_after_check_in_in_the_database(tenant, h):
    res = book(tenant, h, nights=(1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.filter(pk=res.pk).update(check_out_date=res.check_in_date)


def test_check_in_needs_a_room_in_order_and_makes_it_occupied(tenant, h):
    res = book(tenant, h, nights=(0, 2))
    with pytest.raises(Conflict) as e:
        services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "room_not_assigned"
    services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["101"].pk)
    services.set_room_status(tenant=tenant, actor=None, room_id=h.rooms["101"].pk, status=Room.OUT_OF_ORDER, reason="leak")
    with pytest.raises(Conflict) as e:
        services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "room_out_of_order"
    services.set_room_status(tenant=tenant, actor=None, room_id=h.rooms["101"].pk, status=Room.VACANT_CLEAN)
    res = services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    room = Room.objects.get(pk=h.rooms["101"].pk)
    assert res.status == Reservation.CHECKED_IN and room.status == Room.OCCUPIED
    assert room.status_log.first().to_status == Room.OCCUPIED


def test_check_in_before_the_arrival_day_is_refused(tenant, h):
    res = book(tenant, h, nights=(1, 2), room=h.rooms["101"])
    with pytest.raises(Conflict) as e:
        services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "arrival_in_future"


def test_out_of_order_room_cannot_be_sold(tenant, h):
    services.set_room_status(tenant=tenant, actor=None, room_id=h.rooms["101"].pk, status=Room.OUT_OF_ORDER, reason="painting")
    room = Room.objects.get(pk=h.rooms["101"].pk)
    assert room.is_out_of_order
    with pytest.raises(Conflict) as e:
        book(tenant, h, nights=(1, 2), room=room)
    assert e.value.code == "room_out_of_order"
    book(tenant, h, nights=(1, 2))
    with pytest.raises(Conflict):
        book(tenant, h, nights=(1, 2))  # one DBL left in order, now sold


def test_ooo_flag_and_status_agree_in_the_database(tenant, h):
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.filter(pk=h.rooms["101"].pk).update(status=Room.OUT_OF_ORDER)


def test_maintenance_block_takes_the_room_out_of_sale(tenant, h):
    day = today() + dt.timedelta(days=1)
    services.add_room_block(tenant=tenant, actor=None, room_id=h.rooms["101"].pk, start_date=day, end_date=day + dt.timedelta(days=2), reason="carpets")
    with pytest.raises(Conflict):
        book(tenant, h, nights=(1, 2), room=h.rooms["101"])
    occ = {o.business_date: o for o in selectors.occupancy(tenant, h.property, day, day + dt.timedelta(days=1))}
    assert occ[day].rooms_available == 3 and drift(h.property) == []


def test_check_out_refuses_an_unsettled_folio_unless_told(tenant, h, travel):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(2)
    with pytest.raises(Conflict) as e:
        services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "folio_unsettled" and e.value.extra["balance_minor"] == 20000
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=20000, method="CARD")
    res = services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    assert res.status == Reservation.CHECKED_OUT
    assert Room.objects.get(pk=h.rooms["101"].pk).status == Room.VACANT_DIRTY
    folio = selectors.folio(tenant, res)
    assert folio.status == "CLOSED" and folio.balance_minor == 0


def test_check_out_can_leave_a_balance_explicitly(tenant, h, travel):
    res = book(tenant, h, nights=(0, 1), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(1)
    res = services.check_out(tenant=tenant, actor=None, reservation_id=res.pk, allow_balance=True)
    assert selectors.folio(tenant, res).balance_minor == 10000


def test_early_departure_shortens_the_stay_and_frees_the_nights(tenant, h, travel):
    res = book(tenant, h, nights=(0, 4), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(1)
    res = services.check_out(tenant=tenant, actor=None, reservation_id=res.pk, allow_balance=True)
    assert res.check_out_date == today() and res.total_cents == 10000
    assert selectors.folio(tenant, res).charges_minor == 10000
    book(tenant, h, nights=(0, 3), room=h.rooms["101"])  # the given-back nights sell again
    assert drift(h.property) == []


def test_no_show_only_after_the_arrival_date(tenant, h, travel):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    with pytest.raises(Conflict) as e:
        services.mark_no_show(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "arrival_not_passed"
    travel(1)
    res = services.mark_no_show(tenant=tenant, actor=None, reservation_id=res.pk)
    assert res.status == Reservation.NO_SHOW and live_blocks(h.rooms["101"]) == []


def test_walk_in_is_booked_and_checked_in_at_once(tenant, h):
    res = services.walk_in(tenant=tenant, actor=None, property_id=h.property.pk, room_id=h.rooms["201"].pk, check_out_date=today() + dt.timedelta(days=1),
                           guest={"first_name": "Walk", "last_name": "In"})
    assert (res.status, res.source_type, res.room_id) == (Reservation.CHECKED_IN, Reservation.WALKIN, h.rooms["201"].pk)


def test_night_audit_posts_each_in_house_night_once(tenant, h, travel):
    from holdfast.core.billing.services.pricing import create_tax_rule

    create_tax_rule(tenant=tenant, actor=None, name="VAT", rate="7.00", effective_from=today() - dt.timedelta(days=10))
    res = book(tenant, h, nights=(0, 3), room=h.rooms["101"])
    assert res.tax_cents == 2100
    book(tenant, h, nights=(0, 3), room=h.rooms["102"])  # not checked in: not charged
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    assert services.run_night_audit(tenant=tenant, actor=None, property_id=h.property.pk, business_date_=today()) == 1
    assert services.run_night_audit(tenant=tenant, actor=None, property_id=h.property.pk, business_date_=today()) == 0
    folio = selectors.folio(tenant, res)
    assert (folio.charges_minor, folio.tax_minor) == (10000, 700)
    assert sum(e.amount_minor for e in folio.entries.all()) == folio.balance_minor
    assert OutboxEvent.objects.filter(tenant=tenant, event_type="folio:posted").exists()


def test_one_default_rate_plan_per_property(tenant, h):
    second = services.create_rate_plan(tenant=tenant, actor=None, property_id=h.property.pk, code="NRF", name="Non refundable", is_default=True)
    h.plan.refresh_from_db()
    assert second.is_default and not h.plan.is_default
    from holdfast.verticals.hotel.models import RatePlan

    with pytest.raises(IntegrityError), transaction.atomic():
        RatePlan.objects.filter(pk=h.plan.pk).update(is_default=True)


def test_room_numbers_and_type_codes_are_unique_per_property(tenant, h):
    with pytest.raises(Conflict):
        services.create_room(tenant=tenant, actor=None, property_id=h.property.pk, room_type_id=h.dbl.pk, room_number="101")
    with pytest.raises(Conflict):
        services.create_room_type(tenant=tenant, actor=None, property_id=h.property.pk, code="dbl", name="Again")
    other = services.create_property(tenant=tenant, actor=None, name="Other", time_zone="Europe/Berlin")
    rt = services.create_room_type(tenant=tenant, actor=None, property_id=other.pk, code="DBL", name="Double")
    services.create_room(tenant=tenant, actor=None, property_id=other.pk, room_type_id=rt.pk, room_number="101")


def test_price_precedence_latest_start_then_shortest(tenant, h):
    from holdfast.verticals.hotel.services.availability import price_for_nights

    d = today() + dt.timedelta(days=10)
    services.set_rate_price(tenant=tenant, actor=None, rate_plan_id=h.plan.pk, room_type_id=h.dbl.pk, start_date=d, end_date=d + dt.timedelta(days=5), nightly_base_cents=15000)
    services.set_rate_price(tenant=tenant, actor=None, rate_plan_id=h.plan.pk, room_type_id=h.dbl.pk, start_date=d, end_date=d + dt.timedelta(days=2), nightly_base_cents=20000)
    prices = price_for_nights(h.plan, h.dbl, d - dt.timedelta(days=1), d + dt.timedelta(days=4))
    assert list(prices.values()) == [10000, 20000, 20000, 15000, 15000]


def test_guests_are_searchable_by_name_email_and_phone(tenant, h):
    services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="+44 20 1234")
    for q in ("lovel", "ada@ex", "1234"):
        assert [g.last_name for g in selectors.guests(tenant, property_id=h.property.pk, search=q)] == ["Lovelace"]


def test_read_models_match_a_recomputation_through_a_busy_day(tenant, h, travel):
    a = book(tenant, h, nights=(0, 3), room=h.rooms["101"])
    b = book(tenant, h, nights=(1, 4))
    services.assign_room(tenant=tenant, actor=None, reservation_id=b.pk, room_id=h.rooms["102"].pk)
    services.check_in(tenant=tenant, actor=None, reservation_id=a.pk)
    services.resize_reservation(tenant=tenant, actor=None, reservation_id=b.pk, check_out_date=today() + dt.timedelta(days=6))
    services.cancel_reservation(tenant=tenant, actor=None, reservation_id=b.pk)
    assert drift(h.property) == []
    from holdfast.verticals.hotel.models import CalendarSegment

    CalendarSegment.objects.filter(property=h.property).delete()
    assert drift(h.property) != []
    services.rebuild_read_models(tenant=tenant, property_id=h.property.pk)
    assert drift(h.property) == []

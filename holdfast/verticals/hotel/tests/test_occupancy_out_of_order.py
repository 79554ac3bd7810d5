"""Daily occupancy counts out-of-order rooms as unavailable; the rebuild and the doctor agree, across days."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import DailyOccupancy, Room
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, today

pytestmark = pytest.mark.django_db


def available(h, day: dt.date) -> int:
    return DailyOccupancy.objects.get(property=h.property, business_date=day).rooms_available


def out_of_order(tenant, room, reason="leak"):
    services.set_room_status(tenant=tenant, actor=None, room_id=room.pk, status=Room.OUT_OF_ORDER, reason=reason)


def test_out_of_order_room_is_not_available_today_and_blocks_still_count(tenant, h):
    book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    services.add_room_block(tenant=tenant, actor=None, room_id=h.rooms["201"].pk, start_date=today(), end_date=today() + dt.timedelta(days=1), reason="paint")
    assert available(h, today()) == 2  # 4 rooms - 1 occupied - 1 maintenance
    out_of_order(tenant, h.rooms["102"])
    assert available(h, today()) == 1
    assert drift(h.property) == []
    services.rebuild_read_models(tenant=tenant, property_id=h.property.pk)
    assert available(h, today()) == 1
    services.set_room_status(tenant=tenant, actor=None, room_id=h.rooms["102"].pk, status=Room.VACANT_CLEAN)
    assert available(h, today()) == 2 and drift(h.property) == []


def test_out_of_order_room_with_a_reservation_on_it_is_not_subtracted_twice(tenant, h):
    book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    out_of_order(tenant, h.rooms["101"])  # the reservation must move, but it counts once
    assert available(h, today()) == 3 and drift(h.property) == []


def test_a_past_day_keeps_its_out_of_order_count_after_the_room_is_back(tenant, h, travel):
    book(tenant, h, nights=(0, 3))
    out_of_order(tenant, h.rooms["202"])
    day0, day1 = today(), today() + dt.timedelta(days=1)
    assert (available(h, day0), available(h, day1)) == (2, 2)
    travel(1)
    assert drift(h.property) == []  # the doctor's recomputation agrees the next day too
    services.set_room_status(tenant=tenant, actor=None, room_id=h.rooms["202"].pk, status=Room.VACANT_CLEAN)
    assert (available(h, day0), available(h, day1)) == (2, 3)
    assert drift(h.property) == []
    services.rebuild_read_models(tenant=tenant, property_id=h.property.pk)
    assert (available(h, day0), available(h, day1)) == (2, 3)

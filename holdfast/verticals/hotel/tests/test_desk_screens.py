"""Front-desk and housekeeping form posts: a walk-in, a room status change and a room block, each
answered with a message (done, refused, or the form to correct) and a redirect."""
import datetime as dt

import pytest
from django.contrib.messages import get_messages

from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import Reservation, Room

from .factories import book, today

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    """The messages this response added (they pile up in the session until a page shows them)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _last(response) -> str:
    return _messages(response)[-1]


def test_a_walk_in_books_and_checks_in_and_a_taken_room_is_refused_with_a_message(web_as, owner, tenant, h):
    room = h.rooms["101"]
    client = web_as(owner)
    data = {"property": h.property.pk, "room": room.pk, "check_out_date": (today() + dt.timedelta(days=2)).isoformat(), "adults": 1, "first_name": "Walk", "last_name": "In"}
    done = client.post("/hotel/front-desk/walk-in/", data)
    res = Reservation.objects.get(source_type=Reservation.WALKIN)
    assert done.status_code == 302 and done["Location"] == f"/hotel/reservations/{res.pk}/"
    assert res.status == Reservation.CHECKED_IN and _last(done) == "Walk In checked in to room 101."
    again = client.post("/hotel/front-desk/walk-in/", data)
    assert again.status_code == 302 and "/hotel/front-desk/" in again["Location"]
    assert Reservation.objects.filter(source_type=Reservation.WALKIN).count() == 1 and "checked in" not in _last(again)
    broken = client.post("/hotel/front-desk/walk-in/", {**data, "first_name": ""})
    assert _last(broken) == "Please correct the walk-in form."


def test_housekeeping_changes_a_status_and_refuses_to_empty_an_occupied_room(web_as, owner, tenant, h):
    client = web_as(owner)
    free, taken = h.rooms["102"], h.rooms["101"]
    clean = client.post(f"/hotel/housekeeping/rooms/{free.pk}/", {"status": Room.VACANT_DIRTY})
    assert clean.status_code == 302 and Room.objects.get(pk=free.pk).status == Room.VACANT_DIRTY
    assert _last(clean) == "Room 102 is now vacant dirty."
    res = book(tenant, h, room=taken)
    services.check_in(tenant=tenant, actor=owner, reservation_id=res.pk)
    refused = client.post(f"/hotel/housekeeping/rooms/{taken.pk}/", {"status": Room.VACANT_CLEAN})
    assert Room.objects.get(pk=taken.pk).status == Room.OCCUPIED and "102" not in _last(refused) and "now" not in _last(refused)
    assert "Choose a status." == _last(client.post(f"/hotel/housekeeping/rooms/{free.pk}/", {"status": "SPARKLING"}))


def test_a_room_block_is_placed_and_an_overlap_is_refused_with_a_message(web_as, owner, tenant, h):
    client = web_as(owner)
    room = h.rooms["201"]
    data = {"property": h.property.pk, "room": room.pk, "start_date": (today() + dt.timedelta(days=3)).isoformat(), "end_date": (today() + dt.timedelta(days=5)).isoformat(),
            "kind": "MAINTENANCE", "reason": "paint"}
    assert _last(client.post("/hotel/housekeeping/blocks/", data)) == "Room blocked."
    overlap = client.post("/hotel/housekeeping/blocks/", data)
    assert overlap.status_code == 302 and _last(overlap) == "Already taken for that period: Room 201."
    assert "Please correct the block form." == _last(client.post("/hotel/housekeeping/blocks/", {**data, "start_date": "not a day"}))


def test_front_desk_reservation_and_tape_forms_carry_the_reservation_version(web_as, owner, tenant, h):
    res = book(tenant, h, room=h.rooms["101"])
    client = web_as(owner)
    version = f'name="version" value="{res.version}"'
    desk = client.get(f"/hotel/front-desk/?property={h.property.pk}").content.decode()
    assert version in desk  # check in (arrivals)
    detail = client.get(f"/hotel/reservations/{res.pk}/").content.decode()
    assert detail.count(version) >= 4  # check in, cancel, move, resize
    tape = client.get(f"/hotel/tape/?property={h.property.pk}").content.decode()
    assert f'data-reservation="{res.pk}" data-version="{res.version}"' in tape
    assert 'id="tape-live"' in tape and "hf:reservation-updated from:body" in tape


def test_stale_check_in_from_the_front_desk_is_refused_with_a_reload_message_and_writes_nothing(web_as, owner, tenant, h):
    from holdfast.core.audit.models import AuditEntry
    from holdfast.core.events.models import OutboxEvent

    res = book(tenant, h, room=h.rooms["101"])
    loaded = res.version
    services.assign_room(tenant=tenant, actor=owner, reservation_id=res.pk, room_id=h.rooms["102"].pk)  # a colleague moved it meanwhile
    events, audits = OutboxEvent.objects.count(), AuditEntry.objects.count()
    here = f"/hotel/front-desk/?property={h.property.pk}"
    refused = web_as(owner).post(f"/hotel/reservations/{res.pk}/check-in/", {"version": str(loaded), "next": here})
    assert refused.status_code == 302 and refused["Location"] == here
    assert _last(refused) == "Someone else changed this reservation after your page was loaded — it now shows the current state; check it and try again."
    res.refresh_from_db()
    assert res.status == Reservation.CONFIRMED and res.room_id == h.rooms["102"].pk and res.version == loaded + 1
    assert (OutboxEvent.objects.count(), AuditEntry.objects.count()) == (events, audits)
    done = web_as(owner).post(f"/hotel/reservations/{res.pk}/check-in/", {"version": str(res.version), "next": here})
    assert _last(done) == "Guest checked in." and Reservation.objects.get(pk=res.pk).status == Reservation.CHECKED_IN


def test_a_stale_drag_move_from_the_tape_chart_is_refused_and_moves_nothing(web_as, owner, tenant, h):
    res = book(tenant, h, room=h.rooms["101"], nights=(1, 3))
    loaded = res.version
    services.resize_reservation(tenant=tenant, actor=owner, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=4))
    refused = web_as(owner).post(f"/hotel/reservations/{res.pk}/move/", {"room": h.rooms["102"].pk, "version": str(loaded)})
    assert "Someone else changed this reservation" in _last(refused)
    assert Reservation.objects.get(pk=res.pk).room_id == h.rooms["101"].pk

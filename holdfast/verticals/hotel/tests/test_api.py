"""The hotel API end to end: search, book (idempotent), assign, move, check in, audit, pay, check out; refusals as problems."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.verticals.hotel.models import Reservation

from .factories import book, today

pytestmark = pytest.mark.django_db
BASE = "/api/v1/hotel"


def d(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


def booking_body(h, **kw):
    return {"property_id": h.property.pk, "room_type_id": h.dbl.pk, "check_in_date": d(0), "check_out_date": d(2), "adults": 2,
            "guest": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}, **kw}


def test_a_stay_through_the_api(owner_api, tenant, h, travel):
    found = owner_api.get(f"{BASE}/properties/{h.property.pk}/availability", {"check_in": d(0), "check_out": d(2), "adults": 2})
    assert found.status_code == 200
    dbl = next(r for r in found.json() if r["code"] == "DBL")
    assert dbl["bookable"] and dbl["available"] == 2 and dbl["subtotal_cents"] == 20000

    created = owner_api.post(f"{BASE}/reservations", booking_body(h), headers={"Idempotency-Key": "stay-1"})
    assert created.status_code == 201, created.json()
    again = owner_api.post(f"{BASE}/reservations", booking_body(h), headers={"Idempotency-Key": "stay-1"})
    assert again.json()["id"] == created.json()["id"] and Reservation.objects.count() == 1
    rid = created.json()["id"]

    assigned = owner_api.post(f"{BASE}/reservations/{rid}/assign", {"room_id": h.rooms["101"].pk})
    assert assigned.status_code == 200 and assigned.json()["room_number"] == "101"
    moved = owner_api.post(f"{BASE}/reservations/{rid}/assign", {"room_id": h.rooms["102"].pk, "version": assigned.json()["version"]})
    assert moved.json()["room_number"] == "102"
    assert owner_api.post(f"{BASE}/reservations/{rid}/check-in", {}).json()["status"] == "CHECKED_IN"
    assert owner_api.get(f"{BASE}/rooms/{h.rooms['102'].pk}").json()["status"] == "OCCUPIED"

    audit = owner_api.post(f"{BASE}/properties/{h.property.pk}/night-audit", {"business_date": d(0)})
    assert audit.json()["reservations_charged"] == 1
    travel(2)
    refused = owner_api.post(f"{BASE}/reservations/{rid}/check-out", {})
    assert refused.status_code == 409 and refused.json()["code"] == "folio_unsettled"
    paid = owner_api.post(f"{BASE}/reservations/{rid}/folio/payments", {"amount_cents": 20000, "method": "CARD"})
    assert paid.status_code == 201 and paid.json()["amount_cents"] == -20000
    out = owner_api.post(f"{BASE}/reservations/{rid}/check-out", {})
    assert out.status_code == 200 and out.json()["status"] == "CHECKED_OUT"
    folio = owner_api.get(f"{BASE}/reservations/{rid}/folio").json()
    assert folio["status"] == "CLOSED" and folio["balance_cents"] == 0
    assert sorted(e["entry_type"] for e in folio["entries"]) == ["PAYMENT", "ROOM_CHARGE", "ROOM_CHARGE"]
    assert owner_api.get(f"{BASE}/rooms/{h.rooms['102'].pk}").json()["status"] == "VACANT_DIRTY"


def test_overlapping_assignment_answers_409_with_a_code(owner_api, tenant, h):
    book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    other = book(tenant, h, nights=(2, 4))
    r = owner_api.post(f"{BASE}/reservations/{other.pk}/assign", {"room_id": h.rooms["101"].pk})
    assert r.status_code == 409 and r.json()["code"] == "resource_unavailable"
    r = owner_api.post(f"{BASE}/reservations/{other.pk}/resize", {"check_in_date": d(5), "check_out_date": d(3)})
    assert r.status_code == 422


def test_staff_can_clean_rooms_but_not_book(staff_api, tenant, h):
    assert staff_api.get(f"{BASE}/properties/{h.property.pk}/rooms").status_code == 200
    assert staff_api.post(f"{BASE}/reservations", booking_body(h)).status_code == 403
    r = staff_api.post(f"{BASE}/rooms/{h.rooms['101'].pk}/status", {"status": "VACANT_DIRTY"})
    assert r.status_code == 200 and r.json()["status"] == "VACANT_DIRTY"
    log = staff_api.get(f"{BASE}/properties/{h.property.pk}/room-status-log", {"date": d(0)}).json()
    assert [(row["from_status"], row["to_status"]) for row in log] == [("VACANT_CLEAN", "VACANT_DIRTY")]


def test_setup_through_the_api(owner_api, tenant):
    p = owner_api.post(f"{BASE}/properties", {"name": "Seaview", "time_zone": "Europe/Lisbon", "currency": "EUR"}).json()
    rt = owner_api.post(f"{BASE}/properties/{p['id']}/room-types", {"code": "KNG", "name": "King", "max_occupancy": 2, "beds": [{"type": "king", "count": 1}]})
    assert rt.status_code == 201
    dup = owner_api.post(f"{BASE}/properties/{p['id']}/room-types", {"code": "KNG", "name": "King again"})
    assert dup.status_code == 409 and dup.json()["code"] == "room_type_code_taken"
    room = owner_api.post(f"{BASE}/properties/{p['id']}/rooms", {"room_type_id": rt.json()["id"], "room_number": "1"})
    assert room.status_code == 201
    plan = owner_api.post(f"{BASE}/properties/{p['id']}/rate-plans", {"code": "BAR", "name": "Best"}).json()
    assert plan["is_default"]
    price = owner_api.put(f"{BASE}/rate-plans/{plan['id']}/prices", {"room_type_id": rt.json()["id"], "start_date": d(0), "end_date": d(30), "nightly_base_cents": 12000})
    assert price.status_code == 200
    rest = owner_api.put(f"{BASE}/room-types/{rt.json()['id']}/restrictions", {"start_date": d(1), "end_date": d(2), "min_stay": 2})
    assert rest.status_code == 200 and rest.json()[0]["min_stay"] == 2
    r = owner_api.post(f"{BASE}/reservations", {"property_id": p["id"], "room_type_id": rt.json()["id"], "check_in_date": d(1), "check_out_date": d(2), "adults": 1,
                                                 "guest": {"first_name": "A", "last_name": "B"}})
    assert r.status_code == 409 and r.json()["code"] == "min_stay"


def test_calendar_and_occupancy_read_models_via_api(owner_api, tenant, h):
    book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    segs = owner_api.get(f"{BASE}/properties/{h.property.pk}/calendar", {"start": d(0), "end": d(7)}).json()
    assert [s["business_date"] for s in segs] == [d(0), d(1)]
    occ = {o["business_date"]: o for o in owner_api.get(f"{BASE}/properties/{h.property.pk}/occupancy", {"start": d(0), "end": d(3)}).json()}
    assert occ[d(0)]["rooms_occupied"] == 1 and occ[d(0)]["arrivals"] == 1 and occ[d(2)]["departures"] == 1 and occ[d(0)]["rooms_available"] == 3
    desk = owner_api.get(f"{BASE}/properties/{h.property.pk}/front-desk").json()
    assert len(desk["arrivals"]) == 1

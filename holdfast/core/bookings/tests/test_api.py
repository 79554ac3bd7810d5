from __future__ import annotations

import pytest

from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/bookings"


@pytest.fixture
def room(tenant):
    return ResourceFactory(site=SiteFactory(tenant=tenant))


def create(api, room, customer=None):
    return api.post(BASE, {"resource_id": room.pk, "starts_at": "2030-03-01T14:00:00+01:00", "ends_at": "2030-03-04T10:00:00+01:00", "customer_id": customer.pk if customer else None})


def test_booking_lifecycle_through_the_api(owner_api, room, customer):
    created = create(owner_api, room, customer)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "HELD" and body["hold_expires_at"] and set(body["allowed_transitions"]) == {"approve", "confirm", "cancel", "expire"}
    bid = body["id"]
    assert create(owner_api, room).status_code == 409
    confirmed = owner_api.post(f"{BASE}/{bid}/transitions/confirm", {"reason": "deposit", "version": 1})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "CONFIRMED"
    illegal = owner_api.post(f"{BASE}/{bid}/transitions/approve", {})
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    history = owner_api.get(f"{BASE}/{bid}/history").json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [("", "HELD"), ("HELD", "CONFIRMED")]
    listed = owner_api.get(BASE, {"status": "CONFIRMED"}).json()
    assert listed["count"] == 1


def test_unknown_transition_is_409_and_system_only_is_403(owner_api, room):
    bid = create(owner_api, room).json()["id"]
    assert owner_api.post(f"{BASE}/{bid}/transitions/teleport", {}).json()["code"] == "illegal_transition"
    assert owner_api.post(f"{BASE}/{bid}/transitions/expire", {}).status_code == 403


def test_other_tenant_cannot_see_or_move_a_booking(owner_api, outsider_api, room):
    bid = create(owner_api, room).json()["id"]
    assert outsider_api.get(f"{BASE}/{bid}").status_code == 404
    assert outsider_api.post(f"{BASE}/{bid}/transitions/cancel", {}).status_code == 404


def test_staff_may_view_but_not_create(staff_api, room):
    assert staff_api.get(BASE).status_code == 200
    assert create(staff_api, room).status_code == 403


def test_flows_are_described(owner_api):
    flows = {f["name"]: f for f in owner_api.get(f"{BASE}/flows").json()}
    assert flows["generic"]["initial"] == "HELD"


def test_the_generic_api_refuses_to_change_bookings_of_a_flow_a_vertical_drives(owner_api, tenant, owner):
    from holdfast.core.bookings.flows import FLOWS, Flow, Transition, register_flow
    from holdfast.core.bookings.services import create_booking

    register_flow(Flow(name="test_driven", initial="NEW", states=["NEW", "DONE"], driven_by="hotel",
                       transitions=[Transition("finish", ["NEW"], "DONE", permission="bookings.manage")]))
    try:
        booking = create_booking(tenant=tenant, actor=owner, flow="test_driven")
        created = owner_api.post("/api/v1/bookings", {"flow": "test_driven"})
        moved = owner_api.post(f"/api/v1/bookings/{booking.pk}/transitions/finish", {})
        edited = owner_api.patch(f"/api/v1/bookings/{booking.pk}", {"version": 1, "notes": "x"})
        for response in (created, moved, edited):
            assert response.status_code == 409 and response.json()["code"] == "flow_driven_by_vertical"
        assert owner_api.get(f"/api/v1/bookings/{booking.pk}").json()["status"] == "NEW"
    finally:
        FLOWS.pop("test_driven")


def test_a_booking_moves_to_another_resource_through_the_api_and_overlaps_are_refused(owner_api, tenant, owner):
    import datetime as dt

    from holdfast.core.bookings.services import create_booking
    from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory

    site = SiteFactory(tenant=tenant)
    room_a, room_b = ResourceFactory(site=site), ResourceFactory(site=site)
    t0 = dt.datetime(2031, 3, 1, 14, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(days=2)
    booking = create_booking(tenant=tenant, actor=owner, resource_id=room_a.pk, starts_at=t0, ends_at=t1)
    create_booking(tenant=tenant, actor=owner, resource_id=room_b.pk, starts_at=t1, ends_at=t1 + dt.timedelta(days=2))

    moved = owner_api.post(f"/api/v1/bookings/{booking.pk}/move", {"resource_id": room_b.pk, "version": 1})
    assert moved.status_code == 200, moved.content
    assert (moved.json()["resource_id"], moved.json()["version"]) == (room_b.pk, 2)
    longer = owner_api.post(f"/api/v1/bookings/{booking.pk}/move", {"ends_at": (t1 + dt.timedelta(days=1)).isoformat()})
    assert longer.status_code == 409 and longer.json()["code"] == "resource_unavailable"
    assert owner_api.get(f"/api/v1/bookings/{booking.pk}").json()["ends_at"].startswith("2031-03-03")


def test_a_hold_moves_through_the_inventory_api(owner_api, tenant, owner):
    import datetime as dt

    from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory

    site = SiteFactory(tenant=tenant)
    room_a, room_b = ResourceFactory(site=site), ResourceFactory(site=site)
    t0 = dt.datetime(2031, 3, 1, 14, tzinfo=dt.UTC)
    hold = owner_api.post("/api/v1/inventory/holds", {"resource_ids": [room_a.pk], "starts_at": t0.isoformat(), "ends_at": (t0 + dt.timedelta(days=1)).isoformat()}).json()
    moved = owner_api.post(f"/api/v1/inventory/holds/{hold['id']}/move", {"resource_ids": [room_b.pk]})
    assert moved.status_code == 200 and moved.json()["expires_at"] == hold["expires_at"]
    blocks = owner_api.get("/api/v1/inventory/blocks", {"resource_id": room_b.pk}).json()["results"]
    assert [b["hold_id"] for b in blocks if b["active"]] == [hold["id"]]

"""The estate API: every section D flow with the right roles; customers see only their own."""
from __future__ import annotations

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db
BASE = "/api/v1/estate"


def test_hold_approve_pay_complete_through_the_api(api_as, tenant, owner, manager, agent, buyer, buyer2):
    admin_api, manager_api, agent_api = api_as(owner, tenant), api_as(manager, tenant), api_as(agent, tenant)
    customer_api, rival_api = api_as(buyer[0], tenant), api_as(buyer2[0], tenant)
    project = admin_api.post(f"{BASE}/projects", {"name": "Bayview", "down_payment_percent": "20"})
    assert project.status_code == 201, project.content
    pid = project.json()["id"]
    assert manager_api.post(f"{BASE}/projects", {"name": "Nope"}).status_code == 403  # projects are the Admin's
    unit = manager_api.post(f"{BASE}/units", {"project_id": pid, "code": "B-1", "price_minor": 100_000_00})
    assert unit.status_code == 201, unit.content
    uid = unit.json()["id"]
    assert agent_api.post(f"{BASE}/units", {"project_id": pid, "code": "B-2", "price_minor": 1}).status_code == 403

    assert [u["code"] for u in customer_api.get(f"{BASE}/units", {"project_id": pid, "status": "AVAILABLE"}).json()["results"]] == ["B-1"]
    hold = customer_api.post(f"{BASE}/bookings", {"unit_id": uid})
    assert hold.status_code == 201, hold.content
    body = hold.json()
    bid = body["id"]
    assert body["status"] == "HOLD_REQUESTED" and body["display_status"] == "APPROVAL_IN_PROGRESS" and body["required_minor"] == 20_000_00
    assert rival_api.post(f"{BASE}/bookings", {"unit_id": uid}).status_code == 409
    assert rival_api.get(f"{BASE}/bookings/{bid}").status_code == 404  # someone else's booking
    assert rival_api.get(f"{BASE}/bookings").json()["count"] == 0
    assert customer_api.post(f"{BASE}/bookings/{bid}/approve").status_code == 403  # no self-approval

    approved = agent_api.post(f"{BASE}/bookings/{bid}/approve")
    assert approved.status_code == 200 and approved.json()["display_status"] == "PAYMENT_PENDING"
    assert agent_api.post(f"{BASE}/bookings/{bid}/payments", {"amount_minor": 100}).status_code == 403
    assert manager_api.post(f"{BASE}/bookings/{bid}/complete").json()["code"] == "payment_rule_not_met"
    paid = manager_api.post(f"{BASE}/bookings/{bid}/payments", {"amount_minor": 20_000_00, "method": "CARD"})
    assert paid.status_code == 201 and paid.json()["booking_id"] == bid
    assert customer_api.get(f"{BASE}/bookings/{bid}").json()["display_status"] == "BOOKING_CONFIRMED"
    expected = manager_api.post(f"{BASE}/bookings/{bid}/expected-payments", {"amount_minor": 80_000_00, "due_date": "2031-06-01"})
    assert expected.status_code == 201
    reminder = manager_api.post(f"{BASE}/payments/{expected.json()['id']}/reminders", {"message": "Balance due"})
    assert reminder.status_code == 201 and reminder.json()["status"] == "SENT" and len(mail.outbox) == 1
    assert [r["status"] for r in customer_api.get(f"{BASE}/bookings/{bid}/reminders").json()] == ["SENT"]
    done = manager_api.post(f"{BASE}/bookings/{bid}/complete")
    assert done.status_code == 200 and done.json()["status"] == "BOOKED"
    assert admin_api.get(f"{BASE}/units/{uid}").json()["status"] == "SOLD"
    dash = manager_api.get(f"{BASE}/dashboard").json()
    assert dash["units_sold"] == 1 and dash["payments_received_minor"] == 20_000_00
    assert customer_api.get(f"{BASE}/dashboard").status_code == 403


def test_rejected_hold_releases_the_unit_and_customer_cancels_own(api_as, tenant, manager, buyer, unit):
    customer_api, manager_api = api_as(buyer[0], tenant), api_as(manager, tenant)
    bid = customer_api.post(f"{BASE}/bookings", {"unit_id": unit.pk}).json()["id"]
    rejected = manager_api.post(f"{BASE}/bookings/{bid}/reject", {"reason": "documents missing"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "CANCELLED"
    assert manager_api.get(f"{BASE}/units/{unit.pk}").json()["status"] == "AVAILABLE"
    again = customer_api.post(f"{BASE}/bookings", {"unit_id": unit.pk}).json()["id"]
    assert customer_api.post(f"{BASE}/bookings/{again}/cancel").json()["status"] == "CANCELLED"
    assert customer_api.post(f"{BASE}/bookings/{again}/cancel").status_code == 409


def test_payments_keep_their_api_shape_on_billing(api_as, tenant, owner, manager, buyer, approved):
    manager_api, customer_api = api_as(manager, tenant), api_as(buyer[0], tenant)
    paid = manager_api.post(f"{BASE}/bookings/{approved.pk}/payments", {"amount_minor": 1_000_00, "method": "CASH", "kind": "TOKEN", "reference": "R-7"}).json()
    assert {k: paid[k] for k in ("booking_id", "kind", "status", "method", "amount_minor", "currency", "reference", "reminder_count")} == {
        "booking_id": approved.pk, "kind": "TOKEN", "status": "RECEIVED", "method": "CASH", "amount_minor": 1_000_00, "currency": "USD", "reference": "R-7", "reminder_count": 0}
    assert paid["received_at"] is not None and paid["due_date"] is None
    due = manager_api.post(f"{BASE}/bookings/{approved.pk}/expected-payments", {"amount_minor": 5_000_00, "due_date": "2031-06-01", "kind": "BALANCE"}).json()
    assert (due["status"], due["received_at"], due["due_date"]) == ("EXPECTED", None, "2031-06-01")
    assert manager_api.post(f"{BASE}/bookings/{approved.pk}/expected-payments", {"amount_minor": 1, "due_date": "2031-06-01", "kind": "GIFT"}).status_code == 422
    assert customer_api.post(f"{BASE}/payments/{due['id']}/void", {"reason": "mine"}).status_code == 403
    voided = manager_api.post(f"{BASE}/payments/{due['id']}/void", {"reason": "plan changed"})
    assert voided.status_code == 200 and voided.json()["status"] == "VOID"
    assert [p["status"] for p in customer_api.get(f"{BASE}/bookings/{approved.pk}/payments").json()] == ["VOID", "RECEIVED"]
    # The same money is billing's: its own API lists it with the booking and the estate source.
    rows = api_as(owner, tenant).get("/api/v1/billing/payments", {"booking_id": approved.pk})
    assert rows.status_code == 200 and {r["id"] for r in rows.json()["results"]} == {paid["id"], due["id"]}


def test_a_customer_cannot_probe_someone_elses_booking_through_a_step(api_as, tenant, manager, buyer, buyer2, approved):
    rival_api = api_as(buyer2[0], tenant)
    for step in ("cancel", "approve", "complete", "reject"):
        response = rival_api.post(f"{BASE}/bookings/{approved.pk}/{step}")
        assert response.status_code == 404, (step, response.content)  # not a 409 telling its state
    assert api_as(manager, tenant).get(f"{BASE}/bookings/{approved.pk}").json()["status"] == "HOLD_APPROVED"


def test_leads_and_reviews_through_the_api(api_as, tenant, manager, agent, buyer, project):
    manager_api, agent_api, customer_api = api_as(manager, tenant), api_as(agent, tenant), api_as(buyer[0], tenant)
    lead = manager_api.post(f"{BASE}/leads", {"name": "Lena Lead", "email": "lena@example.com"}).json()
    assert agent_api.get(f"{BASE}/leads/{lead['id']}").status_code == 404
    assert manager_api.post(f"{BASE}/leads/{lead['id']}/assign", {"agent_id": agent.pk}).status_code == 200
    assert agent_api.post(f"{BASE}/leads/{lead['id']}/stage", {"stage": "QUALIFIED"}).json()["stage"] == "QUALIFIED"
    assert agent_api.post(f"{BASE}/leads/{lead['id']}/notes", {"text": "Second visit"}).status_code == 201
    assert [a["kind"] for a in agent_api.get(f"{BASE}/leads/{lead['id']}/activities").json()][:1] == ["NOTE"]
    assert customer_api.get(f"{BASE}/leads").status_code == 403

    review = customer_api.post(f"{BASE}/reviews", {"rating": 4, "project_id": project.pk, "text": "Lovely"})
    assert review.status_code == 201 and review.json()["status"] == "PENDING"
    assert customer_api.post(f"{BASE}/reviews", {"rating": 4, "project_id": project.pk, "agent_id": agent.pk}).status_code == 422
    assert customer_api.get(f"{BASE}/reviews").json()["count"] == 0  # not approved yet
    assert customer_api.post(f"{BASE}/reviews/{review.json()['id']}/moderate", {"approve": True}).status_code == 403
    assert manager_api.post(f"{BASE}/reviews/{review.json()['id']}/moderate", {"approve": True}).status_code == 200
    assert customer_api.get(f"{BASE}/reviews").json()["count"] == 1
    assert customer_api.get(f"{BASE}/ratings").json()["projects"][0]["average"] == 4.0


def test_outsider_gets_404_on_estate_objects(outsider_api, held):
    assert outsider_api.get(f"{BASE}/bookings/{held.pk}").status_code == 404
    assert outsider_api.post(f"{BASE}/bookings/{held.pk}/approve").status_code == 404
    assert outsider_api.get(f"{BASE}/units/{held.unit_id}").status_code == 404


def test_a_retried_payment_with_the_same_idempotency_key_is_recorded_once(api_as, tenant, manager, approved):
    manager_api = api_as(manager, tenant)
    url = f"{BASE}/bookings/{approved.pk}/payments"
    first = manager_api.post(url, {"amount_minor": 5_000_00}, headers={"Idempotency-Key": "pay-1"})
    again = manager_api.post(url, {"amount_minor": 5_000_00}, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert [p["amount_minor"] for p in manager_api.get(url).json()] == [5_000_00]


def test_bad_input_is_a_problem_not_a_500(api_as, tenant, owner, manager, project, held):
    admin_api, manager_api = api_as(owner, tenant), api_as(manager, tenant)
    assert admin_api.post(f"{BASE}/projects", {"name": "X", "down_payment_percent": "150"}).status_code == 422
    assert admin_api.post(f"{BASE}/units", {"project_id": project.pk, "code": "Z", "price_minor": -1}).status_code == 422
    assert manager_api.post(f"{BASE}/bookings/{held.pk}/payments", {"amount_minor": 100, "method": "BITCOIN"}).status_code == 422
    assert manager_api.post(f"{BASE}/leads/999999/stage", {"stage": "WON"}).status_code == 404
    duplicate = admin_api.post(f"{BASE}/units", {"project_id": project.pk, "code": "A-101", "price_minor": 1})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "unit_code_taken"


def test_the_generic_bookings_api_leaves_estate_bookings_to_the_estate_steps(owner_api, tenant, held):
    response = owner_api.post(f"/api/v1/bookings/{held.pk}/transitions/approve", {})
    assert response.status_code == 409 and response.json()["code"] == "flow_driven_by_vertical"
    assert owner_api.get(f"/api/v1/bookings/{held.pk}").json()["status"] == "HOLD_REQUESTED"

"""The apartments API end to end with the seed's roles: Admin builds the catalogue, a Customer books,
configures and confirms, Sales review, approve and take payments; problem bodies with stable codes;
a customer sees only their own bookings and invoices."""
from __future__ import annotations

import base64

import pytest

from tests.factories import CustomerFactory

from .conftest import make_buyer
from .factories import PNG

pytestmark = pytest.mark.django_db
BASE = "/api/v1/apartments"


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()[:500]
    return response.json()


def problem(response, status, code):
    assert response.status_code == status, response.content.decode()[:500]
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["title"] and body["detail"], body
    assert response["Content-Type"].startswith("application/problem+json")
    return body


def test_catalogue_booking_review_approval_and_partial_payments_through_the_api(tenant, owner, sales, buyer, api_as):
    admin, sales_api, customer = api_as(owner, tenant), api_as(sales, tenant), api_as(buyer[0], tenant)
    project = ok(admin.post(f"{BASE}/projects", {"name": "Skyline One", "location": "Berlin", "amenities": "Pool"}), 201)
    assert project["total_units"] == 0 and project["has_logo"] is False
    logo = {"content_base64": base64.b64encode(PNG).decode(), "content_type": "image/png"}
    assert ok(admin.put(f"{BASE}/projects/{project['id']}/logo", logo))["has_logo"] is True
    gold = ok(admin.post(f"{BASE}/packages", {"name": "Gold", "kind": "GOLDEN", "price_minor": 10_000_00}), 201)
    climate = ok(admin.post(f"{BASE}/categories", {"name": "Climate", "max_units": 3}), 201)
    ac = ok(admin.post(f"{BASE}/addons", {"name": "AC", "addon_type": "Air Conditioning 1.5 HP", "category_id": climate["id"], "unit_price_minor": 500_00, "max_units": 3}), 201)
    apt = ok(admin.post(f"{BASE}/apartments", {"name": "A-1", "project_id": project["id"], "space_sqm": "80.5", "package_ids": [gold["id"]], "addon_ids": [ac["id"]]}), 201)
    assert apt["status"] == "FOR_SALE" and apt["package_ids"] == [gold["id"]] and apt["space_sqm"] == "80.50"
    ok(admin.post(f"{BASE}/apartments/{apt['id']}/photos", {**logo, "caption": "Living room"}), 201)
    assert ok(admin.get(f"{BASE}/projects/{project['id']}"))["total_units"] == 1

    # Step 1: the customer sees what is for sale; steps 2-3: books it (a clone, status Booked)
    listed = ok(customer.get(f"{BASE}/apartments", {"available": "true"}))
    assert [a["id"] for a in listed["results"]] == [apt["id"]] and listed["results"][0]["photos"][0]["caption"] == "Living room"
    booking = ok(customer.post(f"{BASE}/bookings", {"listing_id": apt["id"], "payment_method": "CARD"}), 201)
    assert booking["status"] == "PENDING" and booking["apartment_id"] != apt["id"] and booking["total_minor"] == 0
    url = f"{BASE}/bookings/{booking['id']}"
    assert ok(customer.get(f"{BASE}/apartments/{booking['apartment_id']}"))["status"] == "BOOKED"
    problem(customer.post(f"{url}/confirm"), 409, "configuration_incomplete")
    # Steps 4-5 with a live preview; the limit refuses 4 units
    preview = ok(customer.post(f"{url}/preview", {"package_id": gold["id"], "addons": [{"addon_id": ac["id"], "units": 4}]}))
    assert preview["total_minor"] == 12_000_00 and any("between 1 and 3" in p for p in preview["problems"])
    body = problem(customer.post(f"{url}/configure", {"package_id": gold["id"], "addons": [{"addon_id": ac["id"], "units": 4}]}), 422, "validation_failed")
    assert "addons" in body["errors"]
    booking = ok(customer.post(f"{url}/configure", {"package_id": gold["id"], "addons": [{"addon_id": ac["id"], "units": 2}]}))
    assert booking["total_minor"] == 11_000_00 and booking["addons"] == [{"addon_id": ac["id"], "name": "AC", "units": 2, "unit_price_minor": 500_00, "amount_minor": 1_000_00}]
    # Step 7: confirm; the invoice is issued
    booking = ok(customer.post(f"{url}/confirm", {"version": booking["version"]}))
    assert booking["status"] == "IN_PROGRESS"
    invoices = ok(customer.get(f"{url}/invoices"))
    assert [(i["status"], i["total_minor"]) for i in invoices] == [("PENDING", 11_000_00)]
    # The impact of a price change, then the change itself cascades
    impact = ok(admin.get(f"{BASE}/packages/{gold['id']}/impact", {"price_minor": 9_000_00}))
    assert impact[0]["change_minor"] == -1_000_00
    changed = ok(admin.patch(f"{BASE}/packages/{gold['id']}", {"price_minor": 9_000_00, "version": gold["version"]}))
    assert changed["repriced"] == [{"booking_id": booking["id"], "before_minor": 11_000_00, "after_minor": 10_000_00}]
    problem(admin.patch(f"{BASE}/packages/{gold['id']}", {"price_minor": 1, "version": 1}), 409, "stale_version")
    # Step 8: sales review and approve; the customer may not
    problem(customer.post(f"{url}/start-review"), 403, "permission_denied")
    assert ok(sales_api.post(f"{url}/move", {"to_status": "UNDER_REVIEW"}))["assigned_to_id"] == sales.pk
    problem(sales_api.post(f"{url}/move", {"to_status": "PENDING"}), 409, "illegal_transition")
    booking = ok(sales_api.post(f"{url}/approve"))
    assert booking["status"] == "APPROVED" and booking["approved_at"]
    problem(customer.post(f"{url}/configure", {"addons": []}), 409, "booking_approved")
    # Step 9: partial payments; the remaining amount is derived to the cent
    ok(sales_api.post(f"{url}/payments", {"amount_minor": 3_333_33, "method": "CARD"}), 201)
    assert ok(customer.get(url))["remaining_minor"] == 10_000_00 - 3_333_33
    problem(sales_api.post(f"{url}/payments", {"amount_minor": 10_000_00, "method": "CASH"}), 409, "payment_exceeds_invoices")
    problem(customer.post(f"{url}/payments", {"amount_minor": 1, "method": "CASH"}), 403, "permission_denied")
    ok(sales_api.post(f"{url}/payments", {"amount_minor": 10_000_00 - 3_333_33, "method": "BANK_TRANSFER"}), 201)
    booking = ok(customer.get(url))
    assert booking["remaining_minor"] == 0 and booking["received_minor"] == 10_000_00
    assert [i["status"] for i in ok(customer.get(f"{url}/invoices"))] == ["VOID", "PAID"]
    assert [h["to_status"] for h in ok(customer.get(f"{url}/history"))] == ["PENDING", "IN_PROGRESS", "UNDER_REVIEW", "APPROVED"]
    assert len(ok(sales_api.get(f"{url}/payments"))) == 2
    dash = ok(sales_api.get(f"{BASE}/dashboard"))
    assert dash["received_minor"] == 10_000_00 and {"status": "APPROVED", "label": "Approved", "count": 1} in dash["by_status"]
    problem(customer.get(f"{BASE}/dashboard"), 403, "permission_denied")


def test_a_customer_sees_only_their_own_bookings(tenant, owner, sales, buyer, buyer2, cat, pending, api_as):
    other = api_as(buyer2[0], tenant)
    assert ok(other.get(f"{BASE}/bookings"))["count"] == 0
    for path in ("", "/invoices", "/history", "/payments"):
        problem(other.get(f"{BASE}/bookings/{pending.pk}{path}"), 404, "not_found")
    for step in ("confirm", "reject"):
        problem(other.post(f"{BASE}/bookings/{pending.pk}/{step}"), 404, "not_found")
    problem(other.get(f"{BASE}/apartments/{pending.apartment_id}"), 404, "not_found")  # someone else's clone
    assert ok(api_as(buyer[0], tenant).get(f"{BASE}/bookings"))["count"] == 1
    assert ok(api_as(sales, tenant).get(f"{BASE}/bookings"))["count"] == 1


def test_refusals_are_problem_bodies(tenant, owner, sales, buyer, buyer2, cat, pending, api_as):
    admin, other = api_as(owner, tenant), api_as(buyer2[0], tenant)
    problem(other.post(f"{BASE}/bookings", {"listing_id": cat.listing.pk}), 409, "resource_unavailable")
    problem(other.post(f"{BASE}/bookings", {"listing_id": 987654}), 404, "not_found")
    problem(admin.delete(f"{BASE}/apartments/{cat.listing.pk}"), 409, "apartment_has_live_booking")
    response = admin.post(f"{BASE}/packages", {"name": "X", "kind": "BRONZE", "price_minor": 1})
    assert response.status_code == 422
    response = admin.post(f"{BASE}/packages", {"name": "X", "kind": "GOLDEN", "price_minor": 1, "prize": 2})
    assert response.status_code == 422 and "prize" in response.content.decode()
    problem(admin.put(f"{BASE}/projects/{cat.project.pk}/logo", {"content_base64": "not base64!", "content_type": "image/png"}), 422, "validation_failed")
    problem(api_as(sales, tenant).post(f"{BASE}/packages", {"name": "X", "kind": "GOLDEN", "price_minor": 1}), 403, "permission_denied")
    staff_customer = CustomerFactory(tenant=tenant, name="Walk In", is_verified=True)
    assert ok(api_as(sales, tenant).post(f"{BASE}/bookings", {"listing_id": cat.listings[1].pk, "customer_id": staff_customer.pk}), 201)["customer_name"] == "Walk In"


def test_an_idempotent_booking_request_books_once(tenant, cat, api_as):
    user, _ = make_buyer(tenant, "idem@harbour.test", "Idem")
    client = api_as(user, tenant)
    first = client.post(f"{BASE}/bookings", {"listing_id": cat.listing.pk}, headers={"Idempotency-Key": "k-1"})
    again = client.post(f"{BASE}/bookings", {"listing_id": cat.listing.pk}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]

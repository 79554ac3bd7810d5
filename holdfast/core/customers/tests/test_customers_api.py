"""The customer API: lifecycle, search, pagination, optimistic concurrency and problem bodies."""
from __future__ import annotations

import json

import pytest

from holdfast.core.customers import services
from holdfast.core.customers.models import Customer
from holdfast.kit.api import MAX_PAGE_SIZE
from tests.factories import CustomerFactory

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    if code:
        assert body["code"] == code
    return body


@pytest.mark.django_db
class TestLifecycle:
    def test_create_update_verify_deactivate_reactivate(self, owner_api):
        created = owner_api.post("/api/v1/customers", {"name": "  Grace Hopper ", "email": "Grace@Example.com", "phone": "+1 (555) 010-0000", "address": {"city": "Arlington"}})
        assert created.status_code == 201, created.content
        customer = created.json()
        assert customer["name"] == "Grace Hopper" and customer["email"] == "grace@example.com" and customer["address"]["city"] == "Arlington"
        cid, version = customer["id"], customer["version"]

        updated = owner_api.patch(f"/api/v1/customers/{cid}", {"version": version, "notes": "prefers email"})
        assert updated.status_code == 200 and updated.json()["notes"] == "prefers email"
        version = updated.json()["version"]
        assert version == customer["version"] + 1

        verified = owner_api.post(f"/api/v1/customers/{cid}/verify")
        assert verified.status_code == 200 and verified.json()["is_verified"] is True

        no_reason = owner_api.post(f"/api/v1/customers/{cid}/deactivate", {"reason": "   "})
        assert "reason" in assert_problem(no_reason, 422)["errors"]
        missing_reason = owner_api.post(f"/api/v1/customers/{cid}/deactivate", {})
        assert "reason" in assert_problem(missing_reason, 422)["errors"]

        deactivated = owner_api.post(f"/api/v1/customers/{cid}/deactivate", {"reason": "moved away"})
        assert deactivated.status_code == 200
        assert deactivated.json()["is_active"] is False and deactivated.json()["deactivation_reason"] == "moved away"
        assert_problem(owner_api.post(f"/api/v1/customers/{cid}/deactivate", {"reason": "again"}), 409, "already_deactivated")

        reactivated = owner_api.post(f"/api/v1/customers/{cid}/reactivate")
        assert reactivated.status_code == 200 and reactivated.json()["is_active"] is True and reactivated.json()["deactivated_at"] is None

    def test_deactivation_guard_refuses_unless_overridden(self, owner_api, customer, monkeypatch):
        monkeypatch.setattr(services, "DEACTIVATION_GUARDS", [lambda tenant, c: "Ada has 2 unpaid invoices." if c.pk == customer.pk else None])
        refused = owner_api.post(f"/api/v1/customers/{customer.pk}/deactivate", {"reason": "left"})
        body = assert_problem(refused, 409, "deactivation_blocked")
        assert "unpaid invoices" in body["detail"]
        customer.refresh_from_db()
        assert customer.is_active
        forced = owner_api.post(f"/api/v1/customers/{customer.pk}/deactivate", {"reason": "left", "override": True})
        assert forced.status_code == 200 and forced.json()["is_active"] is False

    def test_stale_version_is_409_with_the_current_version(self, owner_api, customer):
        first = owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version, "name": "Ada King"})
        assert first.status_code == 200
        stale = owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version, "name": "Ada Byron"})
        body = assert_problem(stale, 409, "stale_version")
        assert body["current_version"] == customer.version + 1
        customer.refresh_from_db()
        assert customer.name == "Ada King"

    def test_patch_without_version_is_422(self, owner_api, customer):
        assert "version" in assert_problem(owner_api.patch(f"/api/v1/customers/{customer.pk}", {"name": "X"}), 422)["errors"]


@pytest.mark.django_db
class TestSearchAndPages:
    def test_search_matches_name_email_and_phone(self, owner_api, tenant):
        CustomerFactory(tenant=tenant, name="Marie Curie", email="marie@radium.test", phone="+33 1 234")
        CustomerFactory(tenant=tenant, name="Pierre Curie", email="pierre@radium.test", phone="+33 9 876")
        CustomerFactory(tenant=tenant, name="Niels Bohr", email="niels@copenhagen.test", phone="+45 555")

        def names(term):
            return sorted(r["name"] for r in owner_api.get("/api/v1/customers", {"search": term}).json()["results"])

        assert names("curie") == ["Marie Curie", "Pierre Curie"]
        assert names("COPENHAGEN") == ["Niels Bohr"]
        assert names("9 876") == ["Pierre Curie"]
        assert names("nobody") == []

    def test_filters_by_active_and_verified(self, owner_api, tenant):
        CustomerFactory(tenant=tenant, name="Active")
        gone = CustomerFactory(tenant=tenant, name="Gone")
        services.deactivate_customer(tenant=tenant, actor=None, customer_id=gone.pk, reason="test")
        rows = owner_api.get("/api/v1/customers", {"active": "false"}).json()["results"]
        assert [r["name"] for r in rows] == ["Gone"]

    def test_pages_are_bounded_and_counted(self, owner_api, tenant):
        Customer.objects.bulk_create([Customer(tenant=tenant, name=f"C{n:03d}") for n in range(7)])
        page = owner_api.get("/api/v1/customers", {"page": 2, "page_size": 3}).json()
        assert page["count"] == 7 and page["page"] == 2 and [r["name"] for r in page["results"]] == ["C003", "C004", "C005"]
        huge = owner_api.get("/api/v1/customers", {"page_size": 100000}).json()
        assert huge["page_size"] == MAX_PAGE_SIZE
        far = owner_api.get("/api/v1/customers", {"page": 10**30})
        assert far.status_code in (200, 422) and (far.status_code == 422 or far.json()["results"] == [])
        assert owner_api.get("/api/v1/customers", {"page": "two"}).status_code == 422


@pytest.mark.django_db
class TestProblems:
    def test_missing_and_invalid_fields_give_422_with_field_errors(self, owner_api):
        body = assert_problem(owner_api.post("/api/v1/customers", {"email": "x@y.test"}), 422, "validation_failed")
        assert "name" in body["errors"]
        body = assert_problem(owner_api.post("/api/v1/customers", {"name": "X", "email": "not-an-email"}), 422)
        assert body["errors"] == {"email": ["Enter a valid email address."]}
        body = assert_problem(owner_api.post("/api/v1/customers", {"name": "X", "phone": "call me"}), 422)
        assert "phone" in body["errors"]

    def test_wrong_types_are_422(self, owner_api):
        body = assert_problem(owner_api.post("/api/v1/customers", {"name": ["a"], "is_verified": "perhaps", "address": "Main St"}), 422)
        assert {"name", "is_verified", "address"} <= set(body["errors"]), body

    def test_malformed_json_is_a_problem_not_a_crash(self, owner_api):
        raw = owner_api.client.post("/api/v1/customers", "{'name': 'single quotes'", content_type="application/json", **owner_api._headers(None))
        body = assert_problem(raw, 422, "malformed_json")
        assert "body" in body["errors"]

    def test_values_the_database_cannot_hold_are_422(self, owner_api, customer):
        assert "name" in assert_problem(owner_api.post("/api/v1/customers", {"name": "nul\x00byte"}), 422, "invalid_characters")["errors"]
        assert "phone" in assert_problem(owner_api.post("/api/v1/customers", {"name": "X", "phone": "1" * 41}), 422)["errors"]
        assert "email" in assert_problem(owner_api.post("/api/v1/customers", {"name": "X", "email": "a" * 250 + "@example.com"}), 422)["errors"]
        assert_problem(owner_api.get("/api/v1/customers", {"search": "a\x00"}), 422, "invalid_characters")
        assert_problem(owner_api.get(f"/api/v1/customers/{10**30}"), 404)

    def test_patch_with_null_address_or_name_never_500(self, owner_api, customer):
        assert owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version, "address": None}).status_code == 200
        assert owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version + 1, "name": None}).status_code == 422

    def test_unknown_customer_is_404_problem(self, owner_api):
        assert_problem(owner_api.get("/api/v1/customers/987654321"), 404, "not_found")
        assert_problem(owner_api.post("/api/v1/customers/987654321/verify"), 404, "not_found")

    def test_non_object_json_bodies_are_422(self, owner_api):
        for body in ("[]", "3", '"text"', "null"):
            raw = owner_api.client.post("/api/v1/customers", body, content_type="application/json", **owner_api._headers(None))
            assert raw.status_code == 422, (body, raw.content)
            json.loads(raw.content)


@pytest.mark.django_db
def test_an_unchanged_patch_keeps_the_version_and_writes_no_audit(owner_api, customer, tenant):
    from holdfast.core.audit.models import AuditEntry

    response = owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version, "name": customer.name})
    assert response.status_code == 200 and response.json()["version"] == customer.version
    assert not AuditEntry.objects.filter(tenant=tenant, action="customers.customer.updated").exists()


@pytest.mark.django_db
def test_unknown_fields_are_refused_not_silently_dropped(owner_api, customer):
    body = assert_problem(owner_api.patch(f"/api/v1/customers/{customer.pk}", {"version": customer.version, "nmae": "Typo"}), 422)
    assert "nmae" in body["errors"]
    assert "address.planet" in assert_problem(owner_api.post("/api/v1/customers", {"name": "X", "address": {"planet": "Mars"}}), 422)["errors"]

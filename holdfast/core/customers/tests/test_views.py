"""Customer screens: same permissions as the API, readable refusals, tenant isolation."""
from __future__ import annotations

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.customers import services
from holdfast.core.customers.models import Customer
from tests.factories import CustomerFactory, member

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {"name": "Grace Hopper", "email": "grace@example.com", "phone": "+1 555 0100", "line1": "1 Navy Yard", "city": "Arlington", "postal_code": "22202", "country": "US", "notes": ""}
    data.update(overrides)
    return data


def test_list_searches_and_paginates(web_as, owner, tenant):
    CustomerFactory(tenant=tenant, name="Zelda Zebra", email="zelda@example.com")
    CustomerFactory.create_batch(30, tenant=tenant)
    c = web_as(owner)
    page1 = c.get("/customers/")
    assert page1.context["page"].paginator.count == 31
    assert len(page1.context["page"].object_list) == 25
    assert c.get("/customers/?page=2").context["page"].number == 2
    found = c.get("/customers/?q=zelda")
    assert [x.name for x in found.context["page"]] == ["Zelda Zebra"]


def test_list_filters_by_status(web_as, owner, tenant, customer):
    services.deactivate_customer(tenant=tenant, actor=owner, customer_id=customer.pk, reason="moved away")
    CustomerFactory(tenant=tenant, name="Still Here")
    c = web_as(owner)
    assert [x.name for x in c.get("/customers/").context["page"]] == ["Still Here"]
    assert [x.name for x in c.get("/customers/?status=inactive").context["page"]] == ["Ada Lovelace"]
    assert c.get("/customers/?status=all").context["page"].paginator.count == 2


def test_htmx_search_returns_only_the_results_fragment(web_as, owner, customer):
    response = web_as(owner).get("/customers/?q=ada", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results")
    body = response.content.decode()
    assert 'id="customer-results"' in body and "Ada Lovelace" in body
    assert "<html" not in body


def test_list_never_shows_another_business(web_as, outsider, customer):
    body = web_as(outsider).get("/customers/").content.decode()
    assert "Ada Lovelace" not in body


def test_staff_may_view_but_not_create(web_as, staff_member, customer):
    c = web_as(staff_member)
    assert c.get("/customers/").status_code == 200
    assert c.get(f"/customers/{customer.pk}/").status_code == 200
    response = c.post("/customers/new/", form_data())
    assert response.status_code == 403 and "customers.manage" in response.content.decode()
    assert not Customer.objects.filter(name="Grace Hopper").exists()


def test_client_role_cannot_see_the_customer_list(web_as, tenant):
    client_user = member(tenant, "customer", email="c@harbour.test")
    assert web_as(client_user).get("/customers/").status_code == 403


def test_foreign_customer_id_is_not_found(web_as, outsider, customer):
    c = web_as(outsider)
    for path in (f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", f"/customers/{customer.pk}/deactivate/"):
        assert c.get(path).status_code == 404, path
    assert c.post(f"/customers/{customer.pk}/verify/").status_code == 404
    customer.refresh_from_db()
    assert not customer.is_verified


def test_create_records_the_customer_and_its_audit_entry(web_as, owner, tenant):
    response = web_as(owner).post("/customers/new/", form_data())
    created = Customer.objects.get(tenant=tenant, name="Grace Hopper")
    assert response.status_code == 302 and response["Location"] == f"/customers/{created.pk}/"
    assert created.address == {"line1": "1 Navy Yard", "city": "Arlington", "postal_code": "22202", "country": "US"}
    assert AuditEntry.objects.filter(tenant=tenant, action="customers.customer.created", entity_id=str(created.pk)).exists()


def test_create_reports_every_field_error_in_one_round(web_as, owner):
    response = web_as(owner).post("/customers/new/", form_data(name="", email="not-an-email", phone="call me"))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["name"] == ["A name is required."]
    assert errors["email"] == ["Enter a valid email address."]
    assert "digits" in errors["phone"][0]
    assert response.content.decode().count('class="field-error"') == 3
    assert not Customer.objects.exists()


def test_detail_shows_the_audit_history(web_as, owner, tenant, customer):
    services.update_customer(tenant=tenant, actor=owner, customer_id=customer.pk, version=customer.version, phone="+44 20 7946 0000")
    body = web_as(owner).get(f"/customers/{customer.pk}/").content.decode()
    assert "Customer updated" in body and "+44 20 7946 0000" in body


def test_edit_saves_with_the_current_version(web_as, owner, customer):
    response = web_as(owner).post(f"/customers/{customer.pk}/edit/", form_data(name="Ada King", version=customer.version))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Ada King" and customer.version == 2


def test_edit_with_a_stale_version_says_someone_else_changed_it(web_as, owner, tenant, customer):
    stale = customer.version
    services.update_customer(tenant=tenant, actor=owner, customer_id=customer.pk, version=stale, notes="changed elsewhere")
    response = web_as(owner).post(f"/customers/{customer.pk}/edit/", form_data(name="Overwrite", version=stale))
    assert response.status_code == 409
    assert "changed this customer while you were editing" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace" and customer.notes == "changed elsewhere"


def test_verify_deactivate_and_reactivate(web_as, owner, customer):
    c = web_as(owner)
    assert c.post(f"/customers/{customer.pk}/verify/").status_code == 302
    customer.refresh_from_db()
    assert customer.is_verified
    assert c.post(f"/customers/{customer.pk}/deactivate/", {"reason": "asked to be removed"}).status_code == 302
    customer.refresh_from_db()
    assert not customer.is_active and customer.deactivation_reason == "asked to be removed"
    assert c.post(f"/customers/{customer.pk}/reactivate/").status_code == 302
    customer.refresh_from_db()
    assert customer.is_active


def test_deactivate_needs_a_reason(web_as, owner, customer):
    response = web_as(owner).post(f"/customers/{customer.pk}/deactivate/", {"reason": ""})
    assert response.status_code == 422
    assert "reason" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.is_active


def test_blocked_deactivation_shows_the_reason_and_override_goes_through(web_as, owner, customer, monkeypatch):
    monkeypatch.setattr(services, "DEACTIVATION_GUARDS", [lambda tenant, c: "Ada has 2 unpaid invoices."])
    c = web_as(owner)
    response = c.post(f"/customers/{customer.pk}/deactivate/", {"reason": "gone"})
    assert response.status_code == 422
    assert "Ada has 2 unpaid invoices." in response.content.decode()
    customer.refresh_from_db()
    assert customer.is_active
    assert c.post(f"/customers/{customer.pk}/deactivate/", {"reason": "gone", "override": "on"}).status_code == 302
    customer.refresh_from_db()
    assert not customer.is_active


def test_deactivating_twice_is_a_readable_refusal(web_as, owner, tenant, customer):
    services.deactivate_customer(tenant=tenant, actor=owner, customer_id=customer.pk, reason="x")
    response = web_as(owner).post(f"/customers/{customer.pk}/deactivate/", {"reason": "again"})
    assert response.status_code == 422
    assert "already deactivated" in response.content.decode()


def test_staff_cannot_verify_or_deactivate(web_as, staff_member, customer):
    c = web_as(staff_member)
    assert c.post(f"/customers/{customer.pk}/verify/").status_code == 403
    assert c.post(f"/customers/{customer.pk}/deactivate/", {"reason": "x"}).status_code == 403
    customer.refresh_from_db()
    assert customer.is_active and not customer.is_verified

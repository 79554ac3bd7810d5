"""Back office: staff users who are not superusers only see the tenants they are Admin of."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from holdfast.core.audit.models import AuditEntry
from tests.factories import AuditEntryFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def back_office_owner(owner):
    owner.is_staff = True
    owner.save()
    grant(owner, "view_customer", "change_customer", "view_auditentry", "change_auditentry", "delete_auditentry", "view_tenant")
    return owner


def test_staff_admin_sees_only_customers_of_their_tenants(web_as, back_office_owner, tenant, other_tenant):
    mine = CustomerFactory(tenant=tenant, name="Mine Customer")
    theirs = CustomerFactory(tenant=other_tenant, name="Their Customer")
    c = web_as(back_office_owner)
    body = c.get("/admin/customers/customer/").content.decode()
    assert "Mine Customer" in body and "Their Customer" not in body
    assert c.get(f"/admin/customers/customer/{mine.pk}/change/").status_code == 200
    assert c.get(f"/admin/customers/customer/{theirs.pk}/change/").status_code in (302, 404)


def test_staff_admin_sees_only_their_tenants(web_as, back_office_owner, tenant, other_tenant):
    body = web_as(back_office_owner).get("/admin/tenancy/tenant/").content.decode()
    assert "Harbour Homes" in body and "Rival Realty" not in body


def test_staff_user_who_is_not_an_admin_sees_nothing(web_as, staff_member, tenant):
    staff_member.is_staff = True
    staff_member.save()
    grant(staff_member, "view_customer")
    CustomerFactory(tenant=tenant, name="Hidden From Staff")
    response = web_as(staff_member).get("/admin/customers/customer/")
    assert response.status_code == 403 or "Hidden From Staff" not in response.content.decode()


def test_audit_entries_are_read_only_even_with_change_rights(web_as, back_office_owner, tenant):
    entry = AuditEntryFactory(tenant=tenant)
    c = web_as(back_office_owner)
    assert c.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    c.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert c.get("/admin/audit/auditentry/add/").status_code == 403


def test_superuser_sees_everything(web_as, tenant, other_tenant):
    root = UserFactory(is_staff=True, is_superuser=True)
    CustomerFactory(tenant=tenant, name="Mine Customer")
    CustomerFactory(tenant=other_tenant, name="Their Customer")
    body = web_as(root).get("/admin/customers/customer/").content.decode()
    assert "Mine Customer" in body and "Their Customer" in body


def test_back_office_login_goes_through_the_throttled_holdfast_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302 and login["Location"].startswith("/login/?next=")
    assert "admin" in login["Location"]


def test_back_office_refuses_non_staff_users_with_a_readable_page(web_as, owner):
    response = web_as(owner).get("/admin/", follow=True)
    assert response.status_code == 403
    assert "only for holdfast staff accounts" in response.content.decode()


def test_user_page_shows_only_memberships_and_roles_of_their_tenants(web_as, back_office_owner, staff_member, tenant, other_tenant):
    from holdfast.core.accounts.models import Membership, Role

    grant(back_office_owner, "view_user", "change_user", "view_membership", "change_membership")
    Membership.objects.create(user=staff_member, tenant=other_tenant, role=Role.objects.get(tenant=other_tenant, key="manager"))
    response = web_as(back_office_owner).get(f"/admin/accounts/user/{staff_member.pk}/change/")
    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]
    assert {form.instance.tenant_id for form in inline.formset.forms if form.instance.pk} == {tenant.pk}
    assert "role" not in inline.formset.forms[0].fields  # read-only: roles change on the Team screen


@pytest.mark.parametrize("path", ["accounts/role", "accounts/membership", "customers/customer", "events/webhookendpoint", "tenancy/tenant"])
def test_records_that_services_own_cannot_be_written_in_the_back_office(web_as, tenant, path):
    """Issue 14: an admin save skipped the service (no checks, no audit entry, no event); even a superuser
    only reads these records here and changes them through the screens and API."""
    root = UserFactory(is_staff=True, is_superuser=True)
    c = web_as(root)
    assert c.get(f"/admin/{path}/add/").status_code == 403
    assert c.get(f"/admin/{path}/").status_code == 200


def test_a_customer_posted_through_the_back_office_is_not_changed(web_as, tenant):
    from holdfast.core.customers.models import Customer

    root = UserFactory(is_staff=True, is_superuser=True)
    customer = CustomerFactory(tenant=tenant, name="Ada")
    c = web_as(root)
    c.post(f"/admin/customers/customer/{customer.pk}/change/", {"name": "Changed behind the service", "tenant": tenant.pk})
    assert Customer.objects.get(pk=customer.pk).name == "Ada"

"""`holdfast demo` and `holdfast doctor` as a newcomer and an operator use them."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from holdfast.core.accounts.models import Membership, Role
from holdfast.core.accounts.selectors import has_perm, is_platform_admin
from holdfast.core.customers.models import Customer
from holdfast.core.tenancy.models import Tenant
from holdfast.web.demo_data import BUSINESSES, DEMO_PASSWORD, PLATFORM_ADMIN_EMAIL


@pytest.mark.django_db
def test_demo_creates_a_business_per_vertical_with_logins_and_is_idempotent():
    out = io.StringIO()
    call_command("demo", "--quiet", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text and PLATFORM_ADMIN_EMAIL in text
    assert Tenant.objects.count() == len(BUSINESSES)
    for slug, _name, vertical, *_rest in BUSINESSES:
        tenant = Tenant.objects.get(slug=slug)
        assert tenant.enabled_verticals == [vertical]
        assert f"admin@{slug}.demo" in text
        assert Customer.objects.for_tenant(tenant).count() >= 12
    customers_before = Customer.objects.count()
    call_command("demo", "--quiet", stdout=io.StringIO())
    assert Tenant.objects.count() == len(BUSINESSES)
    assert Customer.objects.count() == customers_before


@pytest.mark.django_db
def test_demo_logins_have_the_roles_they_are_printed_with():
    call_command("demo", "--quiet", stdout=io.StringIO())
    from django.contrib.auth import authenticate

    root = authenticate(username=PLATFORM_ADMIN_EMAIL, password=DEMO_PASSWORD)
    assert root is not None and is_platform_admin(root)
    tenant = Tenant.objects.get(slug="harbour-estates")
    agent = authenticate(username="agent@harbour-estates.demo", password=DEMO_PASSWORD)
    assert Membership.objects.get(user=agent, tenant=tenant).role.key == "agent"
    assert has_perm(agent, tenant, "customers.view")
    assert not agent.is_staff
    admin = authenticate(username="admin@harbour-estates.demo", password=DEMO_PASSWORD)
    assert admin.is_staff and not admin.is_superuser  # back office, scoped to their own business
    assert not has_perm(agent, tenant, "members.manage")
    portal_customer = Customer.objects.for_tenant(tenant).get(user__email="customer@harbour-estates.demo")
    assert portal_customer.email == "customer@harbour-estates.demo"


@pytest.mark.django_db
def test_doctor_reports_ok_on_a_consistent_database(tenant, owner):
    out = io.StringIO()
    call_command("doctor", stdout=out)
    assert "0 failing" in out.getvalue()


@pytest.mark.django_db
def test_doctor_fails_with_a_readable_report_and_repairs_missing_roles(tenant, owner):
    Role.objects.filter(tenant=tenant, key="sales").delete()
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("doctor", "--only", "accounts.builtin_roles", stdout=out)
    assert excinfo.value.returncode == 1
    report = out.getvalue()
    assert "FAIL accounts.builtin_roles" in report and "sales" in report and "--repair" in report
    out = io.StringIO()
    call_command("doctor", "--only", "accounts.builtin_roles", "--repair", stdout=out)
    assert "repaired 1" in out.getvalue()
    assert Role.objects.filter(tenant=tenant, key="sales").exists()


@pytest.mark.django_db
def test_doctor_flags_a_tenant_without_an_admin(tenant, staff_member):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("doctor", "--only", "accounts.admin_present", stdout=out)
    assert tenant.slug in out.getvalue()

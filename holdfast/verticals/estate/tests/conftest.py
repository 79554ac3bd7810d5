"""Estate fixtures: a project with units, staff in each role and a verified portal customer."""
from __future__ import annotations

import pytest

from holdfast.verticals.estate import services
from tests.factories import CustomerFactory, member


@pytest.fixture
def manager(tenant):
    return member(tenant, "manager", email="manager@harbour.test")


@pytest.fixture
def agent(tenant):
    return member(tenant, "agent", email="agent@harbour.test")


def make_buyer(tenant, email, name="Buyer"):
    user = member(tenant, "customer", email=email)
    customer = CustomerFactory(tenant=tenant, name=name, email=email, user=user, is_verified=True)
    return user, customer


@pytest.fixture
def buyer(tenant):
    return make_buyer(tenant, "buyer@harbour.test", "Bea Buyer")


@pytest.fixture
def buyer2(tenant):
    return make_buyer(tenant, "buyer2@harbour.test", "Bo Second")


@pytest.fixture
def project(tenant, owner):
    return services.create_project(tenant=tenant, actor=owner, name="Marina Towers", down_payment_percent="10", city="Springfield")


@pytest.fixture
def unit(tenant, owner, project):
    return services.create_unit(tenant=tenant, actor=owner, project_id=project.pk, code="A-101", price_minor=300_000_00, bedrooms=2)


@pytest.fixture
def held(tenant, buyer, unit):
    return services.create_hold(tenant=tenant, actor=buyer[0], unit_id=unit.pk)


@pytest.fixture
def approved(tenant, manager, held):
    return services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)

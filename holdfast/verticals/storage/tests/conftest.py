"""Storage fixtures: the tenant with storage enabled, staff in each role of seed 002 (admin = the
root conftest's owner, manager, staff), a portal customer with a customer record, an outsider (root
conftest), a facility with 30 days of slots and a base rate."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import CustomerFactory, member

from .factories import FacilityFactory, today


@pytest.fixture
def tenant(tenant):
    tenant.enabled_verticals = [*tenant.enabled_verticals, "storage"]
    tenant.save(update_fields=["enabled_verticals"])
    return tenant


@pytest.fixture
def manager(tenant):
    return member(tenant, "manager", email="manager@harbour.test")


@pytest.fixture
def staff(tenant):
    return member(tenant, "staff", email="storage-staff@harbour.test")


def make_shipper(tenant, email, name="Shipper"):
    user = member(tenant, "customer", email=email)
    customer = CustomerFactory(tenant=tenant, name=name, email=email, user=user, is_verified=True)
    return user, customer


@pytest.fixture
def shipper(tenant):
    return make_shipper(tenant, "shipper@harbour.test", "Sam Shipper")


@pytest.fixture
def shipper2(tenant):
    return make_shipper(tenant, "shipper2@harbour.test", "Sue Second")


@pytest.fixture
def facility(tenant):
    return FacilityFactory(tenant=tenant, name="North Dock", capacity=10, days=30, rate_minor=150)


@pytest.fixture
def tomorrow(facility):
    return today(facility.site.time_zone) + dt.timedelta(days=1)


@pytest.fixture
def held(tenant, shipper, facility, tomorrow):
    from holdfast.verticals.storage import services

    return services.hold_booking(tenant=tenant, actor=shipper[0], facility_pk=facility.pk, start_date=tomorrow, end_date=tomorrow + dt.timedelta(days=3), pallets=4)

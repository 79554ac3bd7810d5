"""Petcare fixtures: a dog-walking business in London with services, two walkers working weekdays
08:00–18:00, an admin (owner), a client with a portal login and a dog, and an outsider business."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.kit import clock
from holdfast.verticals.petcare import services
from tests.factories import TenantFactory, member

WEEKDAYS_8_TO_18 = [{"day": d, "start": "08:00", "end": "18:00"} for d in range(5)]


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Pawtimation", slug="paw", currency="GBP", time_zone="Europe/London", country="GB", enabled_verticals=["petcare"])


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Rival Walkers", slug="rival", currency="GBP", time_zone="Europe/London", country="GB", enabled_verticals=["petcare"])


@pytest.fixture
def walk(tenant, owner):
    return services.create_service(tenant=tenant, actor=owner, name="Group walk", price_minor=1500, duration_minutes=60)


@pytest.fixture
def solo(tenant, owner):
    return services.create_service(tenant=tenant, actor=owner, name="Solo walk", price_minor=2500, duration_minutes=30)


def make_walker(tenant, owner, email, name):
    user = member(tenant, "staff", email=email, full_name=name)
    walker = services.create_walker(tenant=tenant, actor=owner, user_id=user.pk, name=name)
    services.set_availability(tenant=tenant, actor=owner, walker_id=walker.pk, windows=WEEKDAYS_8_TO_18)
    return walker


@pytest.fixture
def walker(tenant, owner):
    return make_walker(tenant, owner, "wendy@paw.test", "Wendy")


@pytest.fixture
def walker2(tenant, owner):
    return make_walker(tenant, owner, "walt@paw.test", "Walt")


def make_client(tenant, owner, email, name):
    user = member(tenant, "customer", email=email)
    customer = services.create_client(tenant=tenant, actor=owner, name=name, email=email, phone="07700 900000", address={"line1": "1 Park Lane", "city": "London"}, user=user)
    dog = services.add_dog(tenant=tenant, actor=owner, customer_id=customer.pk, name="Rex", breed="Beagle")
    return user, customer, dog


@pytest.fixture
def client_user(tenant, owner):
    return make_client(tenant, owner, "cleo@example.com", "Cleo Client")


@pytest.fixture
def client2(tenant, owner):
    return make_client(tenant, owner, "carl@example.com", "Carl Second")


def next_weekday_at(tenant, hour: int, minute: int = 0, days_ahead: int = 7, weekday: int = 1) -> dt.datetime:
    """An aware instant `hour`:`minute` local on the first `weekday` at least `days_ahead` days from now."""
    day = clock.local_today(tenant.time_zone) + dt.timedelta(days=days_ahead)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.zone(tenant.time_zone))


@pytest.fixture
def tuesday_10(tenant):
    return next_weekday_at(tenant, 10)

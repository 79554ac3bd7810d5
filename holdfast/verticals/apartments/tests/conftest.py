"""Apartments fixtures: the seed's roles (owner = Admin, sales, a customer with a portal login, an
outsider from another business), a project with a listed apartment, the three package levels and two
addon categories."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from holdfast.verticals.apartments.services import bookings, catalogue
from tests.factories import CustomerFactory, member


@pytest.fixture
def sales(tenant):
    return member(tenant, "sales", email="sales@harbour.test", full_name="Sal Sales")


def make_buyer(tenant, email, name="Buyer"):
    user = member(tenant, "customer", email=email, full_name=name)
    customer = CustomerFactory(tenant=tenant, name=name, email=email, user=user, is_verified=True)
    return user, customer


@pytest.fixture
def buyer(tenant):
    return make_buyer(tenant, "buyer@harbour.test", "Bea Buyer")


@pytest.fixture
def buyer2(tenant):
    return make_buyer(tenant, "buyer2@harbour.test", "Bo Second")


def build_catalogue(tenant, actor, *, apartments: int = 1, project_name: str = "Skyline One"):
    project = catalogue.create_project(tenant=tenant, actor=actor, name=project_name, location="Berlin", amenities="Pool, gym")
    silver = catalogue.create_package(tenant=tenant, actor=actor, name="Silver", kind="SILVER", price_minor=8_000_00)
    gold = catalogue.create_package(tenant=tenant, actor=actor, name="Gold", kind="GOLDEN", price_minor=10_000_00)
    platinum = catalogue.create_package(tenant=tenant, actor=actor, name="Platinum", kind="PLATINUM", price_minor=15_000_00)
    climate = catalogue.create_category(tenant=tenant, actor=actor, name="Climate", max_units=4)
    energy = catalogue.create_category(tenant=tenant, actor=actor, name="Energy", max_units=1)
    ac = catalogue.create_addon(tenant=tenant, actor=actor, name="AC unit", addon_type="Air Conditioning 1.5 HP", category_id=climate.pk, unit_price_minor=500_00, max_units=3)
    fan = catalogue.create_addon(tenant=tenant, actor=actor, name="Ceiling fan", addon_type="Ceiling fan", category_id=climate.pk, unit_price_minor=120_50, max_units=3)
    solar = catalogue.create_addon(tenant=tenant, actor=actor, name="Solar heating", addon_type="Solar heating", category_id=energy.pk, unit_price_minor=2_400_00, max_units=1)
    packages, addons = [silver, gold, platinum], [ac, fan, solar]
    listings = [catalogue.add_apartment(tenant=tenant, actor=actor, name=f"A-{i + 1}", project_id=project.pk, space_sqm="80.5", description="Two rooms, balcony",
                                        package_ids=[p.pk for p in packages], addon_ids=[a.pk for a in addons]) for i in range(apartments)]
    return SimpleNamespace(project=project, silver=silver, gold=gold, platinum=platinum, climate=climate, energy=energy, ac=ac, fan=fan, solar=solar,
                           packages=packages, addons=addons, listings=listings, listing=listings[0])


@pytest.fixture
def cat(tenant, owner):
    return build_catalogue(tenant, owner, apartments=2)


@pytest.fixture
def pending(tenant, buyer, cat):
    """The buyer's fresh booking of the first listing (Pending, nothing chosen)."""
    return bookings.create_booking(tenant=tenant, actor=buyer[0], listing_id=cat.listing.pk)


@pytest.fixture
def configured(tenant, buyer, cat, pending):
    """Gold + 2 AC units + solar: 10 000 + 1 000 + 2 400 = 13 400.00."""
    return bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=pending.pk, package_id=cat.gold.pk, addons={cat.ac.pk: 2, cat.solar.pk: 1})


@pytest.fixture
def in_progress(tenant, buyer, configured):
    return bookings.confirm_booking(tenant=tenant, actor=buyer[0], booking_id=configured.pk)


@pytest.fixture
def under_review(tenant, sales, in_progress):
    return bookings.start_review(tenant=tenant, actor=sales, booking_id=in_progress.pk)


@pytest.fixture
def approved(tenant, sales, under_review):
    return bookings.approve_booking(tenant=tenant, actor=sales, booking_id=under_review.pk)

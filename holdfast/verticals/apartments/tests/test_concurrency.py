"""Customers racing for one apartment under real concurrency (PostgreSQL): exactly one booking; and a
price change racing a configuration never leaves a total behind the catalogue."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from holdfast.kit.errors import DomainError
from holdfast.verticals.apartments import doctor
from holdfast.verticals.apartments.models import LIVE_STATES, Apartment, ApartmentBooking
from holdfast.verticals.apartments.services import bookings, prices

from tests.factories import member

from .conftest import build_catalogue, make_buyer

RACERS = 8


def _race(jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def run(job):
        try:
            barrier.wait()
            outcomes.append(job())
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_many_customers_racing_for_one_apartment_get_exactly_one_booking(tenant, owner):
    cat = build_catalogue(tenant, owner, apartments=1)
    buyers = [make_buyer(tenant, f"racer{i}@harbour.test", f"Racer {i}")[0] for i in range(RACERS)]
    outcomes = _race([lambda u=u: bookings.create_booking(tenant=tenant, actor=u, listing_id=cat.listing.pk) and "booked" for u in buyers])
    assert len(outcomes) == RACERS and outcomes.count("booked") == 1, outcomes
    assert set(outcomes) - {"booked"} <= {"resource_unavailable", "resource_has_active_booking", "busy_retry", "conflict_duplicate"}, outcomes
    assert ApartmentBooking.objects.filter(listing=cat.listing, booking__status__in=LIVE_STATES).count() == 1
    assert Apartment.objects.filter(kind=Apartment.INSTANCE, source=cat.listing).count() == 1  # the losers cloned nothing
    assert Apartment.objects.get(pk=cat.listing.pk).status == Apartment.IN_PROGRESS
    assert doctor.one_live_booking_per_listing() == [] and doctor.listing_status_matches_bookings() == []


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_price_change_racing_configurations_leaves_every_open_total_on_the_new_price(tenant, owner):
    cat = build_catalogue(tenant, owner, apartments=4)
    users = [make_buyer(tenant, f"cfg{i}@harbour.test", f"Cfg {i}")[0] for i in range(4)]
    ids = [bookings.create_booking(tenant=tenant, actor=u, listing_id=listing.pk).pk for u, listing in zip(users, cat.listings)]
    jobs = [lambda u=u, b=b: bookings.configure_booking(tenant=tenant, actor=u, booking_id=b, package_id=cat.gold.pk, addons={cat.ac.pk: 2}) and "configured"
            for u, b in zip(users, ids)]
    jobs.append(lambda: prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=12_345_00) and "repriced")
    outcomes = _race(jobs)
    assert outcomes.count("configured") == 4 and "repriced" in outcomes, outcomes
    assert doctor.unapproved_prices_follow_the_catalogue() == [] and doctor.total_is_the_one_function() == []
    assert set(ApartmentBooking.objects.filter(pk__in=ids).values_list("total_minor", flat=True)) == {12_345_00 + 1_000_00}


def _held_open(step, started: threading.Event, seconds: float = 1.0):
    """Run `step` in a transaction kept open `seconds` after it ran (its locks still held)."""
    from django.db import transaction

    def run():
        try:
            with transaction.atomic():
                step()
                started.set()
                threading.Event().wait(seconds)
        finally:
            started.set()
            connection.close()

    return run


def _after(started: threading.Event, step, outcome: dict):
    def run():
        try:
            started.wait(10)
            step()
            outcome["done"] = True
        except DomainError as exc:
            outcome["done"] = exc.code
        finally:
            connection.close()

    return run


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_price_change_waits_for_a_configuration_that_read_the_old_price(tenant, owner):
    """The configuration reads the package price and commits after the price change has looked for the
    bookings to reprice: without the pricing lock it was missed and kept the old price."""
    cat = build_catalogue(tenant, owner, apartments=1)
    user = make_buyer(tenant, "slow@harbour.test", "Slow")[0]
    ab = bookings.create_booking(tenant=tenant, actor=user, listing_id=cat.listing.pk)
    bookings.configure_booking(tenant=tenant, actor=user, booking_id=ab.pk, package_id=cat.silver.pk)
    started, outcome = threading.Event(), {}
    threads = [threading.Thread(target=_held_open(lambda: bookings.configure_booking(tenant=tenant, actor=user, booking_id=ab.pk, package_id=cat.gold.pk), started)),
               threading.Thread(target=_after(started, lambda: prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=12_000_00), outcome))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"done": True}
    assert ApartmentBooking.objects.get(pk=ab.pk).total_minor == 12_000_00
    assert doctor.unapproved_prices_follow_the_catalogue() == []


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_price_change_keeps_its_snapshot(tenant, owner):
    """Approval holds the booking; the cascade that had listed it as open must not reprice it once approved."""
    sales = member(tenant, "sales", email="s2@harbour.test")
    cat = build_catalogue(tenant, owner, apartments=1)
    user = make_buyer(tenant, "appr@harbour.test", "Appr")[0]
    ab = bookings.create_booking(tenant=tenant, actor=user, listing_id=cat.listing.pk)
    bookings.configure_booking(tenant=tenant, actor=user, booking_id=ab.pk, package_id=cat.gold.pk)
    bookings.confirm_booking(tenant=tenant, actor=user, booking_id=ab.pk)
    bookings.start_review(tenant=tenant, actor=sales, booking_id=ab.pk)
    started, outcome = threading.Event(), {}
    threads = [threading.Thread(target=_held_open(lambda: bookings.approve_booking(tenant=tenant, actor=sales, booking_id=ab.pk), started)),
               threading.Thread(target=_after(started, lambda: prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=1_00), outcome))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"done": True}
    assert ApartmentBooking.objects.get(pk=ab.pk).total_minor == 10_000_00
    assert doctor.invoices_ask_for_the_total() == []

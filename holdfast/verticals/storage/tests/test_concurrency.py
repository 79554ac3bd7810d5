"""Real threads on their own PostgreSQL connections race for the last free pallets of a facility with
overlapping multi-day bookings: exactly the capacity is sold on every day, never more (issue 11)."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import OperationalError, connections

from holdfast.kit.errors import Busy, Conflict
from holdfast.verticals.storage import selectors, services
from tests.factories import CustomerFactory

from .factories import FacilityFactory, today
from .helpers import counters, mismatches

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]
RACERS = 64


def race(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = (True, fn(i))
        except Exception as exc:  # asserted on below
            results[i] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def patiently(step):
    """A client's retry: 503 busy_retry (and a server out of connections) are tried again; a 409 is final."""
    for attempt in range(60):
        try:
            return step()
        except (Busy, OperationalError):
            connections.close_all()
            time.sleep(0.05 + 0.01 * attempt)
    raise AssertionError("never got through")


def test_64_concurrent_multi_day_bookings_sell_exactly_the_last_free_pallets(tenant):
    start = today() + dt.timedelta(days=2)
    facility = FacilityFactory(tenant=tenant, capacity=20, days=12)
    base = CustomerFactory(tenant=tenant)
    services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=6), pallets=12, customer_id=base.pk)
    customers = [CustomerFactory(tenant=tenant) for _ in range(RACERS)]
    free_before = selectors.free_pallets(facility, start + dt.timedelta(days=2), start + dt.timedelta(days=3))
    assert free_before == 8

    def attempt(i):
        first = start + dt.timedelta(days=i % 3)  # three overlapping ranges, all covering day start+2
        return patiently(lambda: services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=first, end_date=first + dt.timedelta(days=3),
                                                       pallets=1, customer_id=customers[i].pk))

    results = race(RACERS, attempt)
    won = [r for ok, r in results if ok]
    lost = [r for ok, r in results if not ok]
    assert all(isinstance(e, Conflict) and e.code == "capacity_exceeded" for e in lost), lost[:3]
    assert len(won) == 8, f"{len(won)} bookings of 1 pallet for 8 free pallets"
    rows = counters(facility, start, 6)
    assert all(held + occupied <= 20 for held, occupied in rows), rows
    assert rows[2] == (20, 0)  # the day every booking covers is exactly full
    assert mismatches(facility) == {}


def test_confirmations_and_cancellations_racing_new_holds_keep_the_counters_exact(tenant):
    start = today() + dt.timedelta(days=1)
    facility = FacilityFactory(tenant=tenant, capacity=6, days=10)
    customers = [CustomerFactory(tenant=tenant) for _ in range(12)]
    existing = [services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=4), pallets=1,
                                      customer_id=customers[i].pk) for i in range(4)]

    def attempt(i):
        if i < 2:
            return patiently(lambda: services.confirm_booking(tenant=tenant, actor=None, booking_id=existing[i].pk))
        if i < 4:
            return patiently(lambda: services.cancel_booking(tenant=tenant, actor=None, booking_id=existing[i].pk))
        return patiently(lambda: services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start + dt.timedelta(days=i % 2),
                                                       end_date=start + dt.timedelta(days=3), pallets=1, customer_id=customers[i].pk))

    results = race(12, attempt)
    assert all(ok or (isinstance(r, Conflict) and r.code == "capacity_exceeded") for ok, r in results), [r for ok, r in results if not ok]
    rows = counters(facility, start, 4)
    assert all(h + o <= 6 for h, o in rows), rows
    new = sum(1 for i, (ok, _) in enumerate(results) if ok and i >= 4)
    assert 2 <= new <= 4  # 2 pallets were free; the cancellations free 2 more, if they commit before the last holds try
    assert rows[1] == (new, 2) and rows[2] == (new, 2)
    assert mismatches(facility) == {}

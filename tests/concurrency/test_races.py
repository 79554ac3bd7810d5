"""Many threads, each on its own database connection, race for one resource and one capacity row.

With the engine's row locks (and the constraints behind them) exactly what exists is sold. With
the lock switched off and the last-line constraint dropped, the same race double-sells: the tests
show both, so the protection is demonstrably what prevents it. The locked races also run on
SQLite, where writes are serialised (BEGIN IMMEDIATE) and the same services stay correct.
"""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings

from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.doctor import no_overlapping_blocks
from holdfast.core.inventory.models import Block, DailyCapacity, Hold, Resource
from holdfast.core.inventory.tests.factories import CapacityPoolFactory, ResourceFactory, SiteFactory
from holdfast.kit.errors import Busy, Conflict

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10
T0 = dt.datetime(2032, 3, 1, 14, 0, tzinfo=dt.UTC)
D0, D3 = dt.date(2032, 3, 1), dt.date(2032, 3, 4)


def race(n, fn):
    """Run fn(i) in n threads released together; returns [(ok, value_or_exception)]."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = (True, fn(i))
        except Exception as exc:  # collected and asserted on by the test
            results[i] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def unlocked(monkeypatch):
    """The engine without its row lock, with a pause between check and write to widen the race."""
    monkeypatch.setattr(inventory, "LOCK_ENABLED", False)
    monkeypatch.setattr(inventory, "_PAUSE_AFTER_CHECK", 0.3)


@pytest.fixture
def paused(monkeypatch):
    """The real engine, with the same pause: the lock must make the pause harmless."""
    monkeypatch.setattr(inventory, "_PAUSE_AFTER_CHECK", 0.05)


def _without_constraint(table, name, definition):
    class Dropped:
        def __enter__(self):
            with connection.cursor() as c:
                c.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")

        def __exit__(self, *exc):
            with connection.cursor() as c:
                c.execute(f"DELETE FROM {table}")
                c.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")

    return Dropped()


EXCLUSION = "EXCLUDE USING gist (tenant_id WITH =, resource_id WITH =, tstzrange(starts_at, coalesce(ends_at, 'infinity'::timestamptz), '[)') WITH &&) WHERE (active)"
CHECK = 'CHECK ("occupied" <= ("capacity" - "held"))'


def hold_room(tenant, owner, room):
    return lambda i: inventory.place_hold(tenant=tenant, actor=owner, resource_ids=[room.pk], starts_at=T0 + dt.timedelta(hours=i), ends_at=T0 + dt.timedelta(days=2))


def hold_pallet(tenant, owner, pool):
    return lambda i: inventory.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=1, start_date=D0, end_date=D3)


def test_contested_holds_on_one_resource_sell_it_once(tenant, owner, paused):
    room = ResourceFactory(site=SiteFactory(tenant=tenant))
    results = race(THREADS, hold_room(tenant, owner, room))
    wins = [v for ok, v in results if ok]
    losses = [v for ok, v in results if not ok]
    assert len(wins) == 1
    assert all(isinstance(e, Conflict) and e.code == "resource_unavailable" for e in losses), losses
    assert Block.objects.filter(resource=room, active=True).count() == 1


@pytest.mark.pg_only
def test_without_the_row_lock_and_constraint_the_race_double_sells_a_resource(tenant, owner, unlocked):
    room = ResourceFactory(site=SiteFactory(tenant=tenant))
    with _without_constraint("inventory_block", "block_no_overlap", EXCLUSION):
        results = race(THREADS, hold_room(tenant, owner, room))
        sold = Block.objects.filter(resource=room, active=True).count()
        assert len(no_overlapping_blocks()) == sold - 1  # and the doctor sees every one of them
    assert sum(ok for ok, _ in results) == sold
    assert sold > 1  # the race the lock prevents


@pytest.mark.pg_only
def test_without_the_row_lock_the_exclusion_constraint_still_refuses_with_clear_conflicts(tenant, owner, unlocked):
    room = ResourceFactory(site=SiteFactory(tenant=tenant))
    results = race(THREADS, hold_room(tenant, owner, room))
    losses = [v for ok, v in results if not ok]
    assert sum(ok for ok, _ in results) == 1
    assert all(isinstance(e, Conflict) and e.code in {"conflict_overlap", "conflict_deadlock", "resource_unavailable"} for e in losses), losses
    assert Block.objects.filter(resource=room, active=True).count() == 1


def test_contested_capacity_holds_never_oversell(tenant, owner, paused):
    pool = CapacityPoolFactory(site=SiteFactory(tenant=tenant), default_capacity=4)
    results = race(THREADS, hold_pallet(tenant, owner, pool))
    assert sum(ok for ok, _ in results) == 4
    assert all(isinstance(v, Conflict) and v.code == "capacity_exceeded" for ok, v in results if not ok)
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("held", flat=True)) == {4}
    assert Hold.objects.filter(pool=pool, status=Hold.ACTIVE).count() == 4


@pytest.mark.pg_only
def test_without_the_row_lock_and_check_the_race_oversells_capacity(tenant, owner, unlocked):
    pool = CapacityPoolFactory(site=SiteFactory(tenant=tenant), default_capacity=4)
    inventory.set_capacity(tenant=tenant, actor=owner, pool_id=pool.pk, start_date=D0, end_date=D3, capacity=4)
    with _without_constraint("inventory_dailycapacity", "daily_capacity_not_oversold", CHECK):
        results = race(THREADS, hold_pallet(tenant, owner, pool))
        held = max(DailyCapacity.objects.filter(pool=pool).values_list("held", flat=True))
    assert sum(ok for ok, _ in results) == held
    assert held > 4  # oversold


@pytest.mark.pg_only
def test_a_lock_held_too_long_answers_busy_not_an_error(tenant, owner):
    room = ResourceFactory(site=SiteFactory(tenant=tenant))
    locked, done = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                list(Resource.objects.select_for_update().filter(pk=room.pk))
                locked.set()
                done.wait(timeout=5)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=5)
        started = time.monotonic()
        with override_settings(LOCK_TIMEOUT_MS=150), pytest.raises(Busy) as exc:
            hold_room(tenant, owner, room)(0)
        assert exc.value.code == "busy_retry" and exc.value.status == 503
        assert time.monotonic() - started < 2
    finally:
        done.set()
        holder.join()
    assert not Hold.objects.exists()

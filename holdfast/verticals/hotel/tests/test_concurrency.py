"""Real threads on their own connections race to book, assign and move into the same room: never overlapping blocks."""
from __future__ import annotations

import threading

import pytest
from django.db import connections

from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block
from holdfast.kit.errors import Busy, Conflict
from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import Reservation
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, hotel

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]
THREADS = 6


def race(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = (True, fn(i))
        except Exception as exc:  # asserted on below
            results[i] = (False, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_bookings_and_moves_into_one_room_never_overlap(tenant, monkeypatch):
    monkeypatch.setattr(inventory, "_PAUSE_AFTER_CHECK", 0.05)  # widen the window between check and write
    h = hotel(tenant, rooms_per_type=3)
    target = h.rooms["101"]
    waiting = [book(tenant, h, nights=(2 + i % 2, 4 + i % 2), room=h.rooms["102"] if i == 0 else None) for i in range(2)]

    def attempt(i):
        if i < 2:  # move / assign an existing reservation into the target room
            return services.assign_room(tenant=tenant, actor=None, reservation_id=waiting[i].pk, room_id=target.pk)
        return book(tenant, h, nights=(1 + i % 3, 4 + i % 3), room=target)

    results = race(THREADS, attempt)
    failures = [r for ok, r in results if not ok]
    assert all(isinstance(f, (Conflict, Busy)) for f in failures), failures
    assert any(ok for ok, _ in results)
    assert inventory_doctor.no_overlapping_blocks() == []
    mine = Block.objects.filter(resource_id=target.resource_id, active=True).order_by("starts_at")
    spans = [(b.starts_at, b.ends_at) for b in mine]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert Reservation.objects.filter(room=target, status__in=Reservation.ACTIVE).count() == mine.count()
    assert drift(h.property) == []


def test_concurrent_bookings_into_a_room_type_never_oversell_it(tenant):
    h = hotel(tenant, rooms_per_type=2)

    def attempt(i):
        return book(tenant, h, nights=(1, 3))  # no room yet: only the type's count protects the sale

    results = race(THREADS, attempt)
    sold = [r for ok, r in results if ok]
    assert len(sold) == 2, results
    assert all(isinstance(r, (Conflict, Busy)) for ok, r in results if not ok)
    assert drift(h.property) == []

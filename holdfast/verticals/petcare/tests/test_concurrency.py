"""32 concurrent assignments of one walker to overlapping times: exactly one job gets the walker.

Each thread assigns a different PENDING job (overlapping periods) to the same walker on its own
connection. With the engine's resource lock (and the exclusion constraint behind it) one wins and
the others answer 409 walker_busy; with the lock switched off and the constraint dropped, the same
race double-books the walker — so the protection is demonstrably what prevents it.
"""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block
from holdfast.kit.errors import Conflict
from holdfast.verticals.petcare import services
from holdfast.verticals.petcare.models import Job
from tests.concurrency.test_races import EXCLUSION, _without_constraint, race

from .conftest import next_weekday_at

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]
RACERS = 32


def _pending_jobs(tenant, owner, walk, client_user, n):
    start = next_weekday_at(tenant, 9)
    return [services.request_job(tenant=tenant, actor=client_user[0], service_id=walk.pk, starts_at=start + dt.timedelta(minutes=i)) for i in range(n)]


def test_thirty_two_concurrent_assignments_of_one_walker_book_exactly_one(tenant, owner, walk, walker, client_user, monkeypatch):
    monkeypatch.setattr(inventory, "_PAUSE_AFTER_CHECK", 0.02)
    jobs = _pending_jobs(tenant, owner, walk, client_user, RACERS)
    results = race(RACERS, lambda i: services.assign_walker(tenant=tenant, actor=owner, job_id=jobs[i].pk, walker_id=walker.pk))
    wins = [v for ok, v in results if ok]
    losses = [v for ok, v in results if not ok]
    assert len(wins) == 1, losses[:3]
    assert all(isinstance(e, Conflict) and e.code in {"walker_busy", "conflict_deadlock"} for e in losses), losses[:3]
    assert Block.objects.filter(resource=walker.resource, active=True).count() == 1
    assert Job.objects.filter(booking__resource=walker.resource).count() == 1


def test_without_the_lock_and_the_constraint_the_walker_is_double_booked(tenant, owner, walk, walker, client_user, monkeypatch):
    monkeypatch.setattr(inventory, "LOCK_ENABLED", False)
    monkeypatch.setattr(inventory, "_PAUSE_AFTER_CHECK", 0.3)
    jobs = _pending_jobs(tenant, owner, walk, client_user, 8)
    with _without_constraint("inventory_block", "block_no_overlap", EXCLUSION):
        results = race(8, lambda i: services.assign_walker(tenant=tenant, actor=owner, job_id=jobs[i].pk, walker_id=walker.pk))
        booked = Block.objects.filter(resource=walker.resource, active=True).count()
    assert sum(ok for ok, _ in results) == booked
    assert booked > 1  # the race the lock and the constraint prevent

"""Moving holds races placing holds for the same slot: exactly one of them gets it.

Same pattern as test_races.py: threads on their own connections released together, the engine's
row locks (and on PostgreSQL the exclusion constraint behind them) decide, never both.
"""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.doctor import no_overlapping_blocks
from holdfast.core.inventory.models import Block
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict

from .test_races import paused, race, unlocked  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2032, 3, 1, 14, 0, tzinfo=dt.UTC)
SLOT = (T0, T0 + dt.timedelta(days=2))
ROUNDS = 4


def _place(tenant, owner, resource, start, end):
    return inventory.place_hold(tenant=tenant, actor=owner, resource_ids=[resource.pk], starts_at=start, ends_at=end)


def _contest(tenant, owner, target, movers: int, placers: int, booked: bool = False):
    """`movers` holds elsewhere move onto SLOT of `target` while `placers` place holds there."""
    site = target.site
    held = []
    for i in range(movers):
        hold = _place(tenant, owner, ResourceFactory(site=site), T0 + dt.timedelta(days=10 + 3 * i), T0 + dt.timedelta(days=11 + 3 * i))
        if booked:
            inventory.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
        held.append(hold.pk)

    def step(i):
        if i < movers:
            return inventory.move_hold(tenant=tenant, actor=owner, hold_id=held[i], resource_ids=[target.pk], starts_at=SLOT[0], ends_at=SLOT[1])
        return _place(tenant, owner, target, *SLOT)

    return race(movers + placers, step), held


@pytest.mark.parametrize("booked", [False, True], ids=["live", "booked"])
def test_a_move_and_a_place_on_one_slot_have_exactly_one_winner(tenant, owner, paused, booked):  # noqa: F811
    for _ in range(ROUNDS):
        target = ResourceFactory(site=SiteFactory(tenant=tenant))
        results, _ = _contest(tenant, owner, target, movers=1, placers=1, booked=booked)
        losses = [v for ok, v in results if not ok]
        assert sum(ok for ok, _ in results) == 1, results
        assert all(isinstance(e, Conflict) and e.code == "resource_unavailable" for e in losses), losses
        assert Block.objects.filter(resource=target, active=True).count() == 1
    assert no_overlapping_blocks() == []


def test_many_moves_and_places_on_one_slot_sell_it_once_and_losing_moves_change_nothing(tenant, owner, paused):  # noqa: F811
    target = ResourceFactory(site=SiteFactory(tenant=tenant))
    results, movers = _contest(tenant, owner, target, movers=5, placers=5)
    losses = [v for ok, v in results if not ok]
    assert sum(ok for ok, _ in results) == 1
    assert all(isinstance(e, Conflict) and e.code == "resource_unavailable" for e in losses), losses
    assert Block.objects.filter(resource=target, active=True).count() == 1
    for (ok, _), hold_id in zip(results, movers, strict=False):
        blocks = list(Block.objects.filter(hold_id=hold_id, active=True).values_list("resource_id", "starts_at"))
        assert len(blocks) == 1 and (blocks[0][0] == target.pk) == ok  # moved onto the slot, or still where it was
    assert no_overlapping_blocks() == []


@pytest.mark.pg_only
def test_without_the_row_lock_the_exclusion_constraint_still_gives_one_winner(tenant, owner, unlocked):  # noqa: F811
    target = ResourceFactory(site=SiteFactory(tenant=tenant))
    results, _ = _contest(tenant, owner, target, movers=3, placers=3)
    losses = [v for ok, v in results if not ok]
    assert sum(ok for ok, _ in results) == 1
    assert all(isinstance(e, Conflict) and e.code in {"conflict_overlap", "conflict_deadlock", "resource_unavailable"} for e in losses), losses
    assert Block.objects.filter(resource=target, active=True).count() == 1
    assert no_overlapping_blocks() == []

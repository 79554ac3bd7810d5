"""Moving a hold (other resources and/or another period) and holds whose only claim is their expiry."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from holdfast.core.audit.models import AuditEntry
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory import selectors, services
from holdfast.core.inventory.models import Block, Hold
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed

from .factories import CapacityPoolFactory, ResourceFactory, SiteFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 5, 1, 14, 0, tzinfo=dt.UTC)


def period(days_from=0, days=2):
    start = T0 + dt.timedelta(days=days_from)
    return start, start + dt.timedelta(days=days)


@pytest.fixture
def site(tenant):
    return SiteFactory(tenant=tenant)


@pytest.fixture
def a(site):
    return ResourceFactory(site=site)


@pytest.fixture
def b(site):
    return ResourceFactory(site=site)


def hold_on(tenant, owner, unit, p=None, **kw):
    start, end = p or period()
    return services.place_hold(tenant=tenant, actor=owner, resource_ids=[unit.pk], starts_at=start, ends_at=end, **kw)


def live_blocks(unit):
    return list(Block.objects.filter(resource=unit, active=True).values_list("hold_id", "kind", "starts_at", "ends_at", "expires_at"))


def test_moving_to_another_resource_frees_the_old_one_in_the_same_step(tenant, owner, a, b):
    hold = hold_on(tenant, owner, a)
    moved = services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[b.pk])
    assert moved.pk == hold.pk and moved.status == Hold.ACTIVE
    assert live_blocks(a) == []
    assert live_blocks(b) == [(hold.pk, Block.HOLD, *period(), hold.expires_at)]
    assert Block.objects.filter(hold=hold, active=False, released_at__isnull=False).count() == 1  # the old block is history
    entry = AuditEntry.objects.get(action="inventory.hold.moved", entity_id=str(hold.pk))
    assert entry.diff["resource_ids"] == [[a.pk], [b.pk]]
    assert OutboxEvent.objects.filter(event_type="hold:moved").count() == 1


def test_moving_keeps_the_expiry_it_never_extends_a_hold(tenant, owner, a):
    hold = hold_on(tenant, owner, a, ttl_minutes=10)
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, starts_at=T0 + dt.timedelta(days=5), ends_at=T0 + dt.timedelta(days=9))
    hold.refresh_from_db()
    assert hold.status == Hold.ACTIVE and hold.extensions == 0
    assert abs(hold.expires_at - (hold.created_at + dt.timedelta(minutes=10))) < dt.timedelta(seconds=1)
    assert [row[4] for row in live_blocks(a)] == [hold.expires_at]


def test_resizing_in_place_does_not_collide_with_its_own_blocks(tenant, owner, a):
    hold = hold_on(tenant, owner, a, p=period(0, 2))
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, ends_at=T0 + dt.timedelta(days=4))  # extend over itself
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, starts_at=T0 + dt.timedelta(days=1))  # shorten the front
    assert [(s, e) for _, _, s, e, _ in live_blocks(a)] == [(T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=4))]
    assert selectors.is_resource_free(tenant, a.pk, T0, T0 + dt.timedelta(days=1))


def test_a_booked_hold_moves_as_booking_blocks(tenant, owner, a, b):
    hold = hold_on(tenant, owner, a)
    services.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    moved = services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[b.pk], starts_at=T0 + dt.timedelta(days=1), ends_at=T0 + dt.timedelta(days=3))
    assert moved.status == Hold.CONVERTED and moved.expires_at is None
    assert live_blocks(b) == [(hold.pk, Block.BOOKING, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=3), None)]


def test_a_move_onto_a_taken_period_is_refused_and_changes_nothing(tenant, owner, a, b):
    mine = hold_on(tenant, owner, a)
    theirs = hold_on(tenant, owner, b, p=period(1, 2))
    before = live_blocks(a), live_blocks(b)
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=mine.pk, resource_ids=[b.pk])
    assert exc.value.code == "resource_unavailable" and exc.value.extra["resource_ids"] == [b.pk]
    with pytest.raises(Conflict):
        services.move_hold(tenant=tenant, actor=owner, hold_id=theirs.pk, resource_ids=[a.pk], starts_at=T0 + dt.timedelta(days=1, hours=23))
    assert (live_blocks(a), live_blocks(b)) == before
    assert not AuditEntry.objects.filter(action="inventory.hold.moved").exists()


def test_a_move_onto_an_expired_hold_releases_it_first(tenant, owner, a, b):
    stale = hold_on(tenant, owner, b)
    Hold.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    Block.objects.filter(hold=stale).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    mine = hold_on(tenant, owner, a)
    services.move_hold(tenant=tenant, actor=owner, hold_id=mine.pk, resource_ids=[b.pk])
    assert Hold.objects.get(pk=stale.pk).status == Hold.EXPIRED
    assert [row[0] for row in live_blocks(b)] == [mine.pk]


def test_expired_released_and_quantity_holds_are_not_moved(tenant, owner, a, b, site):
    expired = hold_on(tenant, owner, a)
    Hold.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=expired.pk, resource_ids=[b.pk])
    assert exc.value.code == "hold_expired"
    released = hold_on(tenant, owner, a, p=period(10))
    services.release_hold(tenant=tenant, actor=owner, hold_id=released.pk)
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=released.pk, resource_ids=[b.pk])
    assert exc.value.code == "hold_not_active"
    pool = CapacityPoolFactory(site=site, default_capacity=5)
    qty = services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=1, start_date=dt.date(2030, 5, 1), end_date=dt.date(2030, 5, 2))
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=qty.pk, resource_ids=[b.pk])
    assert exc.value.code == "hold_not_movable"
    assert live_blocks(b) == []


def test_out_of_service_and_foreign_resources_are_refused(tenant, other_tenant, owner, a, b):
    hold = hold_on(tenant, owner, a)
    services.set_resource_status(tenant=tenant, actor=owner, resource_id=b.pk, status="OUT_OF_SERVICE")
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[b.pk])
    assert exc.value.code == "resource_out_of_service"
    foreign = ResourceFactory(site=SiteFactory(tenant=other_tenant))
    with pytest.raises(NotFound):
        services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[foreign.pk])
    with pytest.raises(ValidationFailed):
        services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, ends_at=T0)  # empty period
    assert [row[0] for row in live_blocks(a)] == [hold.pk]


def test_moving_nowhere_changes_nothing(tenant, owner, a):
    hold = hold_on(tenant, owner, a)
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[a.pk], starts_at=period()[0])
    assert Block.objects.filter(hold=hold).count() == 1
    assert not AuditEntry.objects.filter(action="inventory.hold.moved").exists()


# ---------------------------------------------------------------- holds whose only claim is their expiry

def test_an_expiring_hold_claims_nothing_but_expires_like_any_hold(tenant, owner, a):
    hold = services.place_expiring_hold(tenant=tenant, actor=owner, ttl_minutes=15, reason="tentative")
    assert hold.status == Hold.ACTIVE and hold.pool_id is None and not hold.blocks.exists()
    assert dt.timedelta(minutes=14) < hold.expires_at - timezone.now() <= dt.timedelta(minutes=15)
    assert selectors.is_resource_free(tenant, a.pk, *period())
    assert AuditEntry.objects.filter(action="inventory.hold.placed", entity_id=str(hold.pk)).exists()
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.expire_due_holds() == 1
    assert Hold.objects.get(pk=hold.pk).status == Hold.EXPIRED


def test_an_expiring_hold_gets_its_first_resource_by_a_move_keeping_its_expiry(tenant, owner, a, b):
    hold = services.place_expiring_hold(tenant=tenant, actor=owner)
    with pytest.raises(ValidationFailed):
        services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, starts_at=T0, ends_at=T0 + dt.timedelta(days=1))  # which resource?
    with pytest.raises(ValidationFailed):
        services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[a.pk])  # which period?
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[a.pk], starts_at=T0, ends_at=T0 + dt.timedelta(days=2))
    hold.refresh_from_db()
    assert live_blocks(a) == [(hold.pk, Block.HOLD, T0, T0 + dt.timedelta(days=2), hold.expires_at)]
    services.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    assert live_blocks(a)[0][1] == Block.BOOKING


def test_the_exclusion_constraint_backs_up_a_move(tenant, owner, a, b, monkeypatch):
    """Without the service's check, the database still refuses an overlapping move, cleanly."""
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    mine = hold_on(tenant, owner, a)
    hold_on(tenant, owner, b)
    monkeypatch.setattr(services, "_claim_periods", lambda *args, **kw: None)
    with pytest.raises(Conflict) as exc:
        services.move_hold(tenant=tenant, actor=owner, hold_id=mine.pk, resource_ids=[b.pk])
    assert exc.value.code == "conflict_overlap"
    assert [row[0] for row in live_blocks(a)] == [mine.pk]


def test_the_doctor_takes_moved_away_blocks_for_history_but_flags_a_claim_with_no_active_block(tenant, owner, a, b):
    from holdfast.core.inventory.doctor import hold_blocks_consistent

    start, end = period()
    hold = services.place_hold(tenant=tenant, actor=owner, resource_ids=[a.pk], starts_at=start, ends_at=end)
    services.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    services.move_hold(tenant=tenant, actor=owner, hold_id=hold.pk, resource_ids=[b.pk])
    assert Block.objects.filter(hold=hold, active=False).exists()
    assert hold_blocks_consistent() == []
    Block.objects.filter(hold=hold).update(active=False)  # the claim lost behind the services' back
    assert len(hold_blocks_consistent()) == 2

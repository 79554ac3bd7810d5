from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from holdfast.core.audit.models import AuditEntry
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory import selectors, services
from holdfast.core.inventory.models import Block, DailyCapacity, Hold
from holdfast.kit.errors import Conflict, ValidationFailed

from .factories import CapacityPoolFactory, ResourceFactory, SiteFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 5, 1, 14, 0, tzinfo=dt.UTC)


def period(days_from=0, days=2):
    start = T0 + dt.timedelta(days=days_from)
    return start, start + dt.timedelta(days=days)


@pytest.fixture
def unit(tenant):
    return ResourceFactory(site=SiteFactory(tenant=tenant))


@pytest.fixture
def pool(tenant):
    return CapacityPoolFactory(site=SiteFactory(tenant=tenant), default_capacity=10)


def hold_unit(tenant, owner, unit, p=None, **kw):
    start, end = p or period()
    return services.place_hold(tenant=tenant, actor=owner, resource_ids=[unit.pk], starts_at=start, ends_at=end, **kw)


def age(hold, minutes=1):
    """Make a hold expired as if time had passed."""
    past = timezone.now() - dt.timedelta(minutes=minutes)
    Hold.objects.filter(pk=hold.pk).update(expires_at=past)
    Block.objects.filter(hold=hold).update(expires_at=past)


def test_hold_takes_the_resource_with_audit_and_event(tenant, owner, unit):
    hold = hold_unit(tenant, owner, unit)
    assert hold.status == Hold.ACTIVE
    assert abs((hold.expires_at - timezone.now()) - dt.timedelta(minutes=30)) < dt.timedelta(seconds=5)
    assert not selectors.is_resource_free(tenant, unit.pk, *period())
    assert AuditEntry.objects.filter(action="inventory.hold.placed", entity_id=str(hold.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="hold:placed").exists()


def test_ttl_is_overridable_per_call_and_bounded(tenant, owner, unit):
    hold = hold_unit(tenant, owner, unit, ttl_minutes=5)
    assert hold.expires_at - hold.created_at == dt.timedelta(minutes=5)
    with pytest.raises(ValidationFailed):
        hold_unit(tenant, owner, unit, p=period(10), ttl_minutes=0)


def test_second_hold_on_held_unit_is_refused(tenant, owner, unit):
    hold_unit(tenant, owner, unit)
    with pytest.raises(Conflict) as exc:
        hold_unit(tenant, owner, unit, p=period(1))
    assert exc.value.code == "resource_unavailable"
    assert Hold.objects.count() == 1


def test_adjacent_half_open_periods_do_not_overlap(tenant, owner, unit):
    hold_unit(tenant, owner, unit, p=period(0, 2))
    hold_unit(tenant, owner, unit, p=period(2, 2))
    assert Block.objects.filter(active=True).count() == 2


def test_open_ended_block_takes_everything_after(tenant, owner, unit):
    services.place_hold(tenant=tenant, actor=owner, resource_ids=[unit.pk], starts_at=T0, ends_at=None)
    assert not selectors.is_resource_free(tenant, unit.pk, T0 + dt.timedelta(days=3000), T0 + dt.timedelta(days=3001))
    assert selectors.is_resource_free(tenant, unit.pk, T0 - dt.timedelta(days=2), T0)


def test_expired_hold_never_blocks_and_is_released_by_the_next_hold(tenant, owner, unit):
    first = hold_unit(tenant, owner, unit)
    age(first)
    assert selectors.is_resource_free(tenant, unit.pk, *period())
    second = hold_unit(tenant, owner, unit)
    first.refresh_from_db()
    assert first.status == Hold.EXPIRED
    assert list(Block.objects.filter(active=True).values_list("hold_id", flat=True)) == [second.pk]


def test_release_gives_the_resource_back_and_twice_changes_nothing(tenant, owner, unit):
    hold = hold_unit(tenant, owner, unit)
    services.release_hold(tenant=tenant, actor=owner, hold_id=hold.pk, reason="customer changed mind")
    assert selectors.is_resource_free(tenant, unit.pk, *period())
    again = services.release_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    assert again.status == Hold.RELEASED
    assert AuditEntry.objects.filter(action="inventory.hold.released").count() == 1


def test_convert_turns_blocks_into_booking_blocks(tenant, owner, unit):
    hold = hold_unit(tenant, owner, unit)
    services.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    block = Block.objects.get(hold=hold)
    assert (block.kind, block.expires_at, block.active) == (Block.BOOKING, None, True)
    with pytest.raises(Conflict) as exc:
        services.release_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    assert exc.value.code == "hold_not_active"


def test_expired_hold_cannot_be_converted_or_extended(tenant, owner, unit):
    hold = hold_unit(tenant, owner, unit)
    age(hold)
    for call in (services.convert_hold, services.extend_hold):
        with pytest.raises(Conflict) as exc:
            call(tenant=tenant, actor=owner, hold_id=hold.pk)
        assert exc.value.code == "hold_expired"


def test_extending_is_explicit_and_bounded_by_the_tenant_setting(tenant, owner, unit):
    tenant.settings = {**tenant.settings, "hold_max_extensions": 1}
    tenant.save()
    hold = hold_unit(tenant, owner, unit)
    before = hold.expires_at
    extended = services.extend_hold(tenant=tenant, actor=owner, hold_id=hold.pk, minutes=10)
    assert extended.expires_at == before + dt.timedelta(minutes=10)
    assert Block.objects.get(hold=hold).expires_at == extended.expires_at
    with pytest.raises(Conflict) as exc:
        services.extend_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    assert exc.value.code == "hold_extension_limit"


def test_sweeper_expires_due_holds_once(tenant, owner, unit, pool):
    hold = hold_unit(tenant, owner, unit)
    qhold = services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=4, start_date=dt.date(2030, 5, 1), end_date=dt.date(2030, 5, 3))
    live = hold_unit(tenant, owner, unit, p=period(5))
    age(hold)
    age(qhold)
    assert services.expire_due_holds() == 2
    assert services.expire_due_holds() == 0
    assert Hold.objects.get(pk=hold.pk).status == Hold.EXPIRED
    assert Hold.objects.get(pk=live.pk).status == Hold.ACTIVE
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("held", flat=True)) == {0}
    assert AuditEntry.objects.filter(action="inventory.hold.expired").count() == 2


def test_maintenance_block_refused_over_a_hold_and_removable(tenant, owner, unit):
    hold_unit(tenant, owner, unit)
    with pytest.raises(Conflict):
        services.add_block(tenant=tenant, actor=owner, resource_id=unit.pk, starts_at=T0, ends_at=T0 + dt.timedelta(hours=1))
    block = services.add_block(tenant=tenant, actor=owner, resource_id=unit.pk, starts_at=T0 + dt.timedelta(days=10), ends_at=T0 + dt.timedelta(days=11), reason="paint")
    services.remove_block(tenant=tenant, actor=owner, block_id=block.pk)
    assert selectors.is_resource_free(tenant, unit.pk, T0 + dt.timedelta(days=10), T0 + dt.timedelta(days=11))


def test_out_of_service_resource_cannot_be_held(tenant, owner, unit):
    services.set_resource_status(tenant=tenant, actor=owner, resource_id=unit.pk, status="OUT_OF_SERVICE")
    with pytest.raises(Conflict) as exc:
        hold_unit(tenant, owner, unit)
    assert exc.value.code == "resource_out_of_service"


def test_hold_on_other_tenants_resource_is_not_found(tenant, other_tenant, owner):
    foreign = ResourceFactory(site=SiteFactory(tenant=other_tenant))
    from holdfast.kit.errors import NotFound

    with pytest.raises(NotFound):
        hold_unit(tenant, owner, foreign)


def test_empty_or_naive_periods_are_refused(tenant, owner, unit):
    with pytest.raises(ValidationFailed):
        services.place_hold(tenant=tenant, actor=owner, resource_ids=[unit.pk], starts_at=T0, ends_at=T0)
    with pytest.raises(ValidationFailed):
        services.place_hold(tenant=tenant, actor=owner, resource_ids=[unit.pk], starts_at=dt.datetime(2030, 1, 1), ends_at=None)


# ---------------------------------------------------------------- capacity

D1, D4 = dt.date(2030, 5, 1), dt.date(2030, 5, 4)


def test_capacity_hold_counts_held_and_refuses_overselling(tenant, owner, pool):
    services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=7, start_date=D1, end_date=D4)
    with pytest.raises(Conflict) as exc:
        services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=4, start_date=dt.date(2030, 5, 3), end_date=dt.date(2030, 5, 6))
    assert exc.value.code == "capacity_exceeded"
    assert exc.value.extra["dates"] == ["2030-05-03"]
    days = selectors.remaining_capacity(tenant, pool.pk, D1, dt.date(2030, 5, 6), quantity=4)
    assert [d["remaining"] for d in days] == [3, 3, 3, 10, 10]
    assert [d["fits"] for d in days] == [False, False, False, True, True]


def test_converting_and_releasing_a_capacity_hold_moves_the_counters(tenant, owner, pool):
    hold = services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=3, start_date=D1, end_date=D4)
    services.convert_hold(tenant=tenant, actor=owner, hold_id=hold.pk)
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("occupied", "held")) == {(3, 0)}
    services.release_hold(tenant=tenant, actor=owner, hold_id=hold.pk, include_converted=True)
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("occupied", "held")) == {(0, 0)}


def test_expired_capacity_hold_is_ignored_by_reads_and_released_by_the_next_hold(tenant, owner, pool):
    stale = services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=10, start_date=D1, end_date=D4)
    age(stale)
    assert [d["remaining"] for d in selectors.remaining_capacity(tenant, pool.pk, D1, D4)] == [10, 10, 10]
    services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=10, start_date=D1, end_date=D4)
    assert Hold.objects.get(pk=stale.pk).status == Hold.EXPIRED
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("held", flat=True)) == {10}


def test_capacity_cannot_drop_below_usage(tenant, owner, pool):
    services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=6, start_date=D1, end_date=D4)
    with pytest.raises(Conflict) as exc:
        services.set_capacity(tenant=tenant, actor=owner, pool_id=pool.pk, start_date=D1, end_date=D4, capacity=5)
    assert exc.value.code == "capacity_below_usage"
    rows = services.set_capacity(tenant=tenant, actor=owner, pool_id=pool.pk, start_date=D1, end_date=D4, capacity=20)
    assert [r.remaining for r in rows] == [14, 14, 14]


def test_statements_per_hold_stay_within_budget(tenant, owner, unit, pool):
    with CaptureQueriesContext(connection) as resource_hold:
        hold_unit(tenant, owner, unit)
    DailyCapacity.objects.bulk_create([DailyCapacity(tenant=tenant, pool=pool, date=D1 + dt.timedelta(days=i), capacity=10) for i in range(3)])
    with CaptureQueriesContext(connection) as capacity_hold:
        services.place_hold(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=1, start_date=D1, end_date=D4)
    statements = lambda ctx: [q for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN"))]  # noqa: E731
    assert len(statements(resource_hold)) <= 8
    assert len(statements(capacity_hold)) <= 8


def test_doctor_finds_overlapping_active_blocks(tenant, owner, unit):
    from holdfast.core.inventory.doctor import no_overlapping_blocks

    from .factories import BlockFactory

    BlockFactory(resource=unit, starts_at=T0, ends_at=T0 + dt.timedelta(days=2))
    BlockFactory(resource=unit, starts_at=T0 + dt.timedelta(days=2), ends_at=None)
    assert no_overlapping_blocks() == []
    if connection.vendor == "postgresql":
        pytest.skip("the exclusion constraint refuses the overlapping row itself")
    BlockFactory(resource=unit, starts_at=T0 + dt.timedelta(days=1), ends_at=T0 + dt.timedelta(days=3))
    assert len(no_overlapping_blocks()) >= 1

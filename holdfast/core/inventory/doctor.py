"""Engine invariants of the inventory (run by `holdfast doctor`, and after every step of the state-machine test)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction

from holdfast.kit import clock
from holdfast.kit.doctor import Finding, check, repair

from .models import Block, DailyCapacity, Hold
from .selectors import capacity_sums

# The sweeper runs every 30 s: a hold this long past expiry means the sweep is not running.
SWEEP_GRACE = dt.timedelta(minutes=2)

# One pass per resource in start order: a block overlaps when it starts before the latest end of
# the active blocks that started before it (linear, unlike a self-join, on a million blocks).
OVERLAP_SQL = """
SELECT id, resource_id, tenant_id, prev_id FROM (
    SELECT id, resource_id, tenant_id, starts_at,
           max(coalesce(ends_at, {infinity})) OVER w AS prev_end,
           lag(id) OVER (PARTITION BY resource_id ORDER BY starts_at, id) AS prev_id
    FROM inventory_block WHERE active
    WINDOW w AS (PARTITION BY resource_id ORDER BY starts_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
) s WHERE prev_end > starts_at
"""
INFINITY = {"postgresql": "'infinity'::timestamptz", "sqlite": "'9999-12-31 23:59:59'"}


@check("inventory.no_overlapping_blocks", "No two active blocks of one resource overlap")
def no_overlapping_blocks():
    with connection.cursor() as cursor:
        cursor.execute(OVERLAP_SQL.format(infinity=INFINITY.get(connection.vendor, "'9999-12-31 23:59:59'")))
        rows = cursor.fetchall()
    return [Finding(f"block {a} overlaps an earlier active block (e.g. {p}) of resource {r}", tenant_id=t, data={"block": a}) for a, r, t, p in rows]


@check("inventory.capacity_counters", "Daily capacity counters equal the sum of their live holds and bookings, within capacity")
def capacity_counters():
    """Two queries for the whole database: every counted hold, every day row."""
    held: dict = defaultdict(int)
    occupied: dict = defaultdict(int)
    for h in Hold.objects.filter(pool__isnull=False, status__in=[Hold.ACTIVE, Hold.CONVERTED]).values_list("pool_id", "status", "quantity", "start_date", "end_date"):
        pool_id, status, quantity, day, end = h
        while day < end:
            (held if status == Hold.ACTIVE else occupied)[(pool_id, day)] += quantity
            day += dt.timedelta(days=1)
    findings, seen = [], set()
    for pk, tenant_id, pool_id, day, capacity, row_held, row_occ in DailyCapacity.objects.values_list("pk", "tenant_id", "pool_id", "date", "capacity", "held", "occupied"):
        key = (pool_id, day)
        seen.add(key)
        want_held, want_occ = held.get(key, 0), occupied.get(key, 0)
        if (row_held, row_occ) != (want_held, want_occ):
            findings.append(Finding(
                f"pool {pool_id} {day}: held {row_held} occupied {row_occ}, holds say {want_held}/{want_occ}",
                tenant_id=tenant_id, data={"row": pk, "held": want_held, "occupied": want_occ},
            ))
        if row_held < 0 or row_occ < 0 or row_held + row_occ > capacity:
            findings.append(Finding(f"pool {pool_id} {day}: {row_occ}+{row_held} > {capacity}", tenant_id=tenant_id))
    for pool_id, day in sorted((set(held) | set(occupied)) - seen):
        findings.append(Finding(f"pool {pool_id} {day}: holds count on a day without a capacity row"))
    return findings


@repair("inventory.capacity_counters")
def recount_capacity(findings):
    fixed = 0
    for finding in findings:
        row_id = finding.data.get("row")
        if row_id is None:
            continue
        with transaction.atomic():
            row = DailyCapacity.objects.select_for_update().get(pk=row_id)
            sums = capacity_sums(row.pool_id)
            row.held, row.occupied = sums["held"].get(row.date, 0), sums["occupied"].get(row.date, 0)
            if row.held + row.occupied <= row.capacity:
                row.save(update_fields=["held", "occupied"])
                fixed += 1
    return fixed


@check("inventory.no_stale_holds", "No hold stays active long past its expiry (the sweeper runs)")
def no_stale_holds(grace: dt.timedelta = SWEEP_GRACE):
    cutoff = clock.now() - grace
    return [Finding(f"hold {h.pk} expired at {h.expires_at:%Y-%m-%d %H:%M} UTC but is still active", tenant_id=h.tenant_id) for h in Hold.objects.filter(status=Hold.ACTIVE, expires_at__lt=cutoff)[:500]]


@repair("inventory.no_stale_holds")
def sweep_stale_holds(findings):
    from .services import expire_due_holds

    return expire_due_holds(limit=10_000)


@check("inventory.hold_blocks_consistent", "Blocks follow their hold: live holds keep active blocks, ended holds none")
def hold_blocks_consistent():
    findings = []
    wrong = (
        Block.objects.filter(active=True, hold__status__in=[Hold.RELEASED, Hold.EXPIRED])
        # A live or booked hold keeps inactive blocks only as the history of a move (move_hold); with no
        # active block left at all, its claim was lost.
        | Block.objects.filter(active=False, hold__status__in=[Hold.ACTIVE, Hold.CONVERTED]).exclude(hold__blocks__active=True)
        | Block.objects.filter(active=True, kind=Block.HOLD).exclude(hold__status=Hold.ACTIVE)
        | Block.objects.filter(active=True, kind=Block.BOOKING).exclude(hold__status=Hold.CONVERTED)
    )
    for block in wrong.select_related("hold")[:500]:
        findings.append(Finding(f"block {block.pk} ({block.kind}, active={block.active}) disagrees with hold {block.hold_id} ({block.hold.status if block.hold else None})", tenant_id=block.tenant_id))
    return findings

"""(h) Contested multi-day pallet bookings (issue 11): many clients hold pallets for overlapping
3-day stays of one facility over HTTP (POST /api/v1/storage/bookings: engine booking, quantity hold on
every day in date order, price quote, audit, outbox — one transaction), beside the same day-row work
as raw psycopg (lock the days in date order, check, add to `held`, insert the hold, audit, outbox)."""
from __future__ import annotations

import datetime as dt
import json
import random

import psycopg

from . import load

FIRST_DAY = dt.date(2035, 3, 1)
WINDOW_DAYS = 7  # every stay falls in one week: the same day rows are fought over


def seed_facility(tenant, user, capacity: int):
    from holdfast.core.customers.models import Customer
    from holdfast.verticals.storage import services

    company = services.create_company(tenant=tenant, actor=user, name="Bench Pallets", address_line1="1 Bench Road")
    facility = services.create_facility(tenant=tenant, actor=user, company_pk=company.pk, name="Bench Dock", address_line1="1 Bench Road", time_zone="Europe/Berlin",
                                        hold_ttl_minutes=30)
    services.open_slots(tenant=tenant, actor=user, facility_pk=facility.pk, start_date=FIRST_DAY, end_date=FIRST_DAY + dt.timedelta(days=WINDOW_DAYS + 4), capacity=capacity)
    services.set_base_price(tenant=tenant, actor=user, facility_pk=facility.pk, name="Bench rate", rate_minor=500, effective_from=FIRST_DAY - dt.timedelta(days=1))
    customers = [Customer.objects.create(tenant=tenant, name=f"Bench shipper {i}", email=f"shipper{i}@bench.test").pk for i in range(64)]
    return facility, customers


def _stay(rng: random.Random):
    start = FIRST_DAY + dt.timedelta(days=rng.randrange(WINDOW_DAYS - 2))
    return start, start + dt.timedelta(days=3), rng.randint(1, 3)


def http_worker(port: int, token: str, facility_pk: int, customers: list[int], seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    customer = customers[seed % len(customers)]

    def call():
        start, end, pallets = _stay(rng)
        body = json.dumps({"facility_pk": facility_pk, "start_date": start.isoformat(), "end_date": end.isoformat(), "pallets": pallets, "customer_id": customer})
        return load.post(port, "/api/v1/storage/bookings", body, headers, timeout=60)

    return call


def raw_worker(url: str, tenant_id: int, pool_id: int, seed: int):
    rng = random.Random(seed)
    conn = psycopg.connect(url)

    def call():
        start, end, pallets = _stay(rng)
        now = dt.datetime.now(dt.UTC)
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SET LOCAL lock_timeout = '2s'")
            cur.execute("SELECT id, capacity - occupied - held FROM inventory_dailycapacity WHERE pool_id = %s AND date >= %s AND date < %s ORDER BY date FOR UPDATE",
                        [pool_id, start, end])
            rows = cur.fetchall()
            if len(rows) < (end - start).days or any(free < pallets for _, free in rows):
                return "409:capacity_exceeded"
            cur.execute("UPDATE inventory_dailycapacity SET held = held + %s WHERE id = ANY(%s)", [pallets, [r[0] for r in rows]])
            cur.execute("INSERT INTO inventory_hold (tenant_id, status, expires_at, extensions, pool_id, quantity, start_date, end_date, reason, created_at) "
                        "VALUES (%s, 'ACTIVE', %s, 0, %s, %s, %s, %s, '', %s) RETURNING id", [tenant_id, now + dt.timedelta(minutes=30), pool_id, pallets, start, end, now])
            hold_id = cur.fetchone()[0]
            cur.execute("INSERT INTO audit_auditentry (tenant_id, actor_id, actor_label, entity_type, entity_id, action, diff, correlation_id, occurred_at) "
                        "VALUES (%s, NULL, 'bench', 'inventory.hold', %s, 'inventory.hold.placed', '{}', '', %s)", [tenant_id, str(hold_id), now])
            cur.execute("INSERT INTO events_outboxevent (tenant_id, event_type, payload, occurred_at, attempts, last_error) VALUES (%s, 'hold:placed', %s, %s, 0, '')",
                        [tenant_id, json.dumps({"hold_id": hold_id}), now])
        return True

    return call


def oversold_days(pool_id: int) -> int:
    from django.db.models import F

    from holdfast.core.inventory.models import DailyCapacity

    return DailyCapacity.objects.filter(pool_id=pool_id, occupied__gt=F("capacity") - F("held")).count()


def run(url: str, tenant, user, token: str, seconds: float, start_server, free_port) -> dict:
    """Both sides at c=16 and c=64, each on its own facility (capacity generous enough to keep selling)."""
    from django.db import connection

    if not tenant.has_vertical("storage"):  # else every request is a 404 and the phase measures nothing
        raise RuntimeError("the bench tenant must have the storage vertical enabled")
    out = {}
    port = free_port()
    server = start_server(url, port)
    try:
        for c in (16, 64):
            svc_facility, customers = seed_facility(tenant, user, capacity=1_000_000)
            raw_facility, _ = seed_facility(tenant, user, capacity=1_000_000)
            connection.close()
            load.run_threads(4, 1, lambda i: http_worker(port, token, svc_facility.pk, customers, seed=i))  # warm the workers
            s = load.run_threads(c, seconds, lambda i, c=c: http_worker(port, token, svc_facility.pk, customers, seed=7000 * c + i))
            r = load.run_threads(c, seconds, lambda i, c=c: raw_worker(url, tenant.pk, raw_facility.pool_id, seed=7000 * c + i))
            out[str(c)] = {"http": s, "raw_sql": r, "ratio_to_raw": round(s["per_second"] / r["per_second"], 2) if r["per_second"] else None,
                           "oversold_days": oversold_days(svc_facility.pool_id) + oversold_days(raw_facility.pool_id)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["oversold_days_total"] = sum(v["oversold_days"] for v in out.values())
    return out

"""Bench phase (g): contested walker assignments — many clients at once book jobs for 8 walkers at
random overlapping hours; each job must get its walker's time or a 409 walker_busy, never both.

HTTP: POST /api/v1/petcare/jobs (the full service: permission, service, client, availability check,
engine booking with the walker's block, job row, history, audits, events, notification). Raw SQL: the
same transaction's writes by hand over one psycopg connection (lock the walker's resource, check the
overlap, insert hold + block + booking + job + history + audit + outbox). The ratio is HTTP / raw.
"""
from __future__ import annotations

import datetime as dt
import json
import random

import psycopg

from . import load

# Jobs are booked at most two years ahead (the service refuses later ones): start two months out.
BASE = (dt.datetime.now(dt.UTC) + dt.timedelta(days=60)).replace(hour=7, minute=0, second=0, microsecond=0)
DAYS, SLOTS = 20, 24  # 20 days x 24 half-hour starts: plenty of overlap between 1-hour jobs


def seed(tenant, user, walkers: int = 8) -> dict:
    from holdfast.core.accounts.models import Membership, Role
    from holdfast.core.accounts.services import create_user
    from holdfast.verticals.petcare import services

    tenant.enabled_verticals = sorted(set(tenant.enabled_verticals or []) | {"petcare"})
    tenant.save(update_fields=["enabled_verticals"])
    service = services.create_service(tenant=tenant, actor=user, name="Bench walk", price_minor=1500, duration_minutes=60)
    staff_role = Role.objects.get(tenant=tenant, key="staff")
    ids = []
    for n in range(walkers):
        staff = create_user(email=f"walker{n}@bench.test", password="bench-password-123", validate=False)
        Membership.objects.create(user=staff, tenant=tenant, role=staff_role)
        w = services.create_walker(tenant=tenant, actor=user, user_id=staff.pk, name=f"Walker {n}")
        services.set_availability(tenant=tenant, actor=user, walker_id=w.pk, windows=[{"day": d, "start": "06:00", "end": "22:00"} for d in range(7)])
        ids.append((w.pk, w.resource_id, w.resource.site_id))
    client = services.create_client(tenant=tenant, actor=user, name="Bench Client", email="client@bench.test")
    return {"service_id": service.pk, "walkers": ids, "customer_id": client.pk}


def _slot(rng):
    return BASE + dt.timedelta(days=rng.randrange(DAYS), minutes=30 * rng.randrange(SLOTS))


def http_worker(port: int, token: str, world: dict, seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call():
        walker = rng.choice(world["walkers"])[0]
        body = json.dumps({"customer_id": world["customer_id"], "service_id": world["service_id"], "start": _slot(rng).isoformat(), "staff_id": walker})
        return load.post(port, "/api/v1/petcare/jobs", body, headers, timeout=30)

    return call


def raw_worker(url: str, tenant_id: int, world: dict, seed: int):
    rng = random.Random(seed)
    conn = psycopg.connect(url)

    def call():
        _, resource_id, site_id = rng.choice(world["walkers"])
        start = _slot(rng)
        end = start + dt.timedelta(hours=1)
        now = dt.datetime.now(dt.UTC)
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SELECT set_config('lock_timeout', '2000ms', true)")
            cur.execute("SELECT id, status, site_id FROM inventory_resource WHERE tenant_id = %s AND id = %s FOR UPDATE", [tenant_id, resource_id])
            cur.fetchone()
            cur.execute("SELECT id, expires_at FROM inventory_block WHERE resource_id = %s AND active AND (ends_at IS NULL OR ends_at > %s) AND starts_at < %s", [resource_id, start, end])
            if any(row[1] is None or row[1] > now for row in cur.fetchall()):
                return "409:walker_busy"
            cur.execute("INSERT INTO inventory_hold (tenant_id, status, expires_at, extensions, quantity, reason, created_at) VALUES (%s, 'CONVERTED', NULL, 0, 0, '', %s) RETURNING id", [tenant_id, now])
            hold_id = cur.fetchone()[0]
            cur.execute("INSERT INTO inventory_block (tenant_id, resource_id, starts_at, ends_at, kind, active, expires_at, hold_id, reason, created_at) VALUES (%s, %s, %s, %s, 'BOOKING', true, NULL, %s, '', %s)",
                        [tenant_id, resource_id, start, end, hold_id, now])
            cur.execute(
                "INSERT INTO bookings_booking (tenant_id, flow, status, reference, customer_id, site_id, resource_id, starts_at, ends_at, quantity, hold_id, notes, data, version, created_at, updated_at) "
                "VALUES (%s, 'petcare', 'BOOKED', 'bench', %s, %s, %s, %s, %s, 0, %s, '', '{}', 1, %s, %s) RETURNING id",
                [tenant_id, world["customer_id"], site_id, resource_id, start, end, hold_id, now, now])
            booking_id = cur.fetchone()[0]
            cur.execute("INSERT INTO petcare_job (tenant_id, booking_id, service_id, currency, walk_route, staff_response, cancellation_reason, created_at, updated_at) VALUES (%s, %s, %s, 'EUR', '[]', '', '', %s, %s)",
                        [tenant_id, booking_id, world["service_id"], now, now])
            cur.execute("INSERT INTO bookings_bookingstatushistory (tenant_id, booking_id, from_status, to_status, transition, actor_label, reason, at) VALUES (%s, %s, '', 'BOOKED', 'create', 'bench', '', %s)",
                        [tenant_id, booking_id, now])
            for action in ("bookings.booking.created", "petcare.job.created"):
                cur.execute("INSERT INTO audit_auditentry (tenant_id, actor_id, actor_label, entity_type, entity_id, action, diff, correlation_id, occurred_at) VALUES (%s, NULL, 'bench', 'petcare.job', %s, %s, '{}', '', %s)",
                            [tenant_id, str(booking_id), action, now])
            for event in ("booking:created", "stats:changed"):
                cur.execute("INSERT INTO events_outboxevent (tenant_id, event_type, payload, occurred_at, attempts, last_error) VALUES (%s, %s, %s, %s, 0, '')",
                            [tenant_id, event, json.dumps({"booking_id": booking_id}), now])
        return True

    return call


def double_bookings() -> int:
    """Walker time sold twice: pairs of overlapping active blocks on one walker's resource."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("""SELECT count(*) FROM inventory_block a JOIN inventory_block b ON a.resource_id = b.resource_id AND a.id < b.id
                     JOIN petcare_walker w ON w.resource_id = a.resource_id
                     WHERE a.active AND b.active AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)""")
        return c.fetchone()[0]


def seed_raw_walkers(tenant, user, walkers: int = 8) -> list[tuple[int, int, int]]:
    """A second set of walkers for the raw-SQL phase, so both start from empty schedules."""
    from holdfast.core.accounts.models import Membership, Role
    from holdfast.core.accounts.services import create_user
    from holdfast.verticals.petcare import services

    staff_role = Role.objects.get(tenant=tenant, key="staff")
    out = []
    for n in range(walkers):
        staff = create_user(email=f"rawwalker{n}@bench.test", password="bench-password-123", validate=False)
        Membership.objects.create(user=staff, tenant=tenant, role=staff_role)
        w = services.create_walker(tenant=tenant, actor=user, user_id=staff.pk, name=f"Raw walker {n}")
        out.append((w.pk, w.resource_id, w.resource.site_id))
    return out

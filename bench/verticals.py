"""(i) Each vertical's hot write under contention (issue 13 item 2), at c=64 for BENCH_SECONDS each.

- estate: POST /api/v1/estate/bookings (a hold on one unit: engine booking with the unit's open-ended
  hold, estate booking row, unit status, audits, events, notifications) for a random unit; a unit
  already held is a 409. Raw-SQL twin: the same writes by hand on other units.
- hotel: POST /api/v1/hotel/reservations for a random room and random 1–3 nights in the next 300
  days (property lock, restrictions, pricing, guest, engine booking with the room's blocks, folio,
  read models, audit, events). No raw-SQL twin: the pricing/folio/read-model writes are too many to
  copy by hand honestly in this pass.
- apartments: POST /api/v1/apartments/bookings for a random listing (engine booking, the customer's
  clone of the listing with its packages and addons, booking row, status, audit, events); a listing
  already booked is a 409. No raw-SQL twin (the clone and its many-to-many copies), HTTP only.

Estate units and apartment listings are sold once each, so the pools are sized to stay far from
selling out in a short phase (the raw twin gets more units: it commits several times as fast).
Double sales for each: overlapping active blocks on the phase's own resources afterwards.
"""
from __future__ import annotations

import datetime as dt
import json
import random

import psycopg

from . import load

C = 64
HTTP_UNITS, RAW_UNITS, LISTINGS, ROOMS = 4000, 20000, 3000, 60
HOTEL_DAYS = 300


def overlapping_blocks(resource_ids: list[int]) -> int:
    """Pairs of overlapping active blocks on these resources (an open end counts as infinite)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("""SELECT count(*) FROM inventory_block a JOIN inventory_block b ON a.resource_id = b.resource_id AND a.id < b.id
                     WHERE a.resource_id = ANY(%s) AND a.active AND b.active
                       AND (a.expires_at IS NULL OR a.expires_at > now()) AND (b.expires_at IS NULL OR b.expires_at > now())
                       AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)""", [resource_ids])
        return c.fetchone()[0]


def verified_customer(tenant, name: str):
    from holdfast.core.customers.models import Customer

    return Customer.objects.create(tenant=tenant, name=name, email=f"{name.lower().replace(' ', '.')}@bench.test", is_verified=True)


# --- estate -----------------------------------------------------------------------------------

def seed_estate_units(tenant, user, name: str, count: int):
    """One project through the service, its units in bulk (the service would take minutes for 20,000)."""
    from holdfast.core.inventory.models import Resource
    from holdfast.verticals.estate.models import Unit
    from holdfast.verticals.estate.services import sales

    project = sales.create_project(tenant=tenant, actor=user, name=name, hold_ttl_minutes=60 * 24)
    resources = Resource.objects.bulk_create([Resource(tenant=tenant, site_id=project.site_id, name=f"{name} U{i:05d}", code=f"U{i:05d}") for i in range(count)])
    units = Unit.objects.bulk_create([Unit(tenant=tenant, resource=r, project=project, code=r.code, price_minor=250_000_00, currency=project.currency) for r in resources])
    return project, [(u.pk, u.resource_id) for u in units]


def estate_http_worker(port: int, token: str, units: list, customer_id: int, seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call():
        body = json.dumps({"unit_id": rng.choice(units)[0], "customer_id": customer_id})
        return load.post(port, "/api/v1/estate/bookings", body, headers)

    return call


def estate_raw_worker(url: str, tenant_id: int, world: dict, seed: int):
    """The estate hold's writes by hand: lock the unit's resource, check, hold + block + booking +
    history + estate booking + unit status + two audits + three outbox events."""
    rng = random.Random(seed)
    conn = psycopg.connect(url)

    def call():
        unit_id, resource_id = rng.choice(world["units"])
        now = dt.datetime.now(dt.UTC)
        expires = now + dt.timedelta(days=1)
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SELECT set_config('lock_timeout', '2000ms', true)")
            cur.execute("SELECT id, status, site_id FROM inventory_resource WHERE tenant_id = %s AND id = %s FOR UPDATE", [tenant_id, resource_id])
            site_id = cur.fetchone()[2]
            cur.execute("SELECT id, expires_at FROM inventory_block WHERE resource_id = %s AND active AND (ends_at IS NULL OR ends_at > %s)", [resource_id, now])
            if any(row[1] is None or row[1] > now for row in cur.fetchall()):
                return "409:resource_has_active_booking"
            cur.execute("INSERT INTO inventory_hold (tenant_id, status, expires_at, extensions, quantity, reason, created_at) VALUES (%s, 'ACTIVE', %s, 0, 0, '', %s) RETURNING id", [tenant_id, expires, now])
            hold_id = cur.fetchone()[0]
            cur.execute("INSERT INTO inventory_block (tenant_id, resource_id, starts_at, ends_at, kind, active, expires_at, hold_id, reason, created_at) VALUES (%s, %s, %s, NULL, 'HOLD', true, %s, %s, '', %s)",
                        [tenant_id, resource_id, now, expires, hold_id, now])
            cur.execute(
                "INSERT INTO bookings_booking (tenant_id, flow, status, reference, customer_id, site_id, resource_id, starts_at, ends_at, quantity, hold_id, notes, data, version, exclusive_key, created_at, updated_at) "
                "VALUES (%s, 'estate', 'HOLD_REQUESTED', 'bench', %s, %s, %s, %s, NULL, 0, %s, '', '{}', 1, %s, %s, %s) RETURNING id",
                [tenant_id, world["customer_id"], site_id, resource_id, now, hold_id, f"resource:{resource_id}", now, now])
            booking_id = cur.fetchone()[0]
            cur.execute("INSERT INTO bookings_bookingstatushistory (tenant_id, booking_id, from_status, to_status, transition, actor_label, reason, at) VALUES (%s, %s, '', 'HOLD_REQUESTED', 'create', 'bench', '', %s)",
                        [tenant_id, booking_id, now])
            cur.execute("INSERT INTO estate_estatebooking (booking_id, tenant_id, unit_id, customer_id, price_minor, currency, required_minor, created_at) VALUES (%s, %s, %s, %s, 25000000, 'EUR', 2500000, %s)",
                        [booking_id, tenant_id, unit_id, world["customer_id"], now])
            cur.execute("UPDATE estate_unit SET status = 'HELD' WHERE id = %s", [unit_id])
            for action in ("bookings.booking.created", "estate.booking.hold_requested"):
                cur.execute("INSERT INTO audit_auditentry (tenant_id, actor_id, actor_label, entity_type, entity_id, action, diff, correlation_id, occurred_at) VALUES (%s, NULL, 'bench', 'estate.booking', %s, %s, '{}', '', %s)",
                            [tenant_id, str(booking_id), action, now])
            for event in ("booking:created", "estate.booking:hold_requested", "stats:changed"):
                cur.execute("INSERT INTO events_outboxevent (tenant_id, event_type, payload, occurred_at, attempts, last_error) VALUES (%s, %s, %s, %s, 0, '')",
                            [tenant_id, event, json.dumps({"booking_id": booking_id}), now])
        return True

    return call


# --- hotel ------------------------------------------------------------------------------------

def seed_hotel(tenant, user, rooms: int = ROOMS):
    from holdfast.kit import clock
    from holdfast.verticals.hotel import services

    prop = services.create_property(tenant=tenant, actor=user, name="Bench Hotel", time_zone="Europe/Berlin", currency="EUR")
    rtype = services.create_room_type(tenant=tenant, actor=user, property_id=prop.pk, code="DBL", name="Double", max_adults=2, max_children=1, max_occupancy=3)
    room_rows = [services.create_room(tenant=tenant, actor=user, property_id=prop.pk, room_type_id=rtype.pk, room_number=f"{100 + i}") for i in range(rooms)]
    plan = services.create_rate_plan(tenant=tenant, actor=user, property_id=prop.pk, code="BAR", name="Best available", is_default=True)
    today = clock.local_today("Europe/Berlin")
    services.set_rate_price(tenant=tenant, actor=user, rate_plan_id=plan.pk, room_type_id=rtype.pk, start_date=today, end_date=today + dt.timedelta(days=HOTEL_DAYS + 10), nightly_base_cents=10000)
    return {"property_id": prop.pk, "room_type_id": rtype.pk, "rooms": [r.pk for r in room_rows], "resources": [r.resource_id for r in room_rows], "today": today}


def hotel_http_worker(port: int, token: str, world: dict, seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call():
        check_in = world["today"] + dt.timedelta(days=1 + rng.randrange(HOTEL_DAYS))
        body = json.dumps({"property_id": world["property_id"], "room_type_id": world["room_type_id"], "room_id": rng.choice(world["rooms"]),
                           "check_in_date": check_in.isoformat(), "check_out_date": (check_in + dt.timedelta(days=rng.randint(1, 3))).isoformat(),
                           "adults": 2, "guest": {"first_name": "Bench", "last_name": f"Guest {seed}"}})
        return load.post(port, "/api/v1/hotel/reservations", body, headers)

    return call


# --- apartments -------------------------------------------------------------------------------

def seed_listings(tenant, user, count: int = LISTINGS):
    """A project and one listing through the services (packages and addons attached), the rest in bulk like it."""
    from holdfast.core.inventory.models import Resource
    from holdfast.verticals.apartments.models import Apartment
    from holdfast.verticals.apartments.services import catalogue

    project = catalogue.create_project(tenant=tenant, actor=user, name="Bench Towers", location="Berlin")
    package = catalogue.create_package(tenant=tenant, actor=user, name="Silver", kind="SILVER", price_minor=8_000_00)
    first = catalogue.add_apartment(tenant=tenant, actor=user, name="B-00000", project_id=project.pk, space_sqm="80.5", package_ids=[package.pk])
    resources = Resource.objects.bulk_create([Resource(tenant=tenant, site_id=first.resource.site_id, name=f"B-{i:05d}", code=f"B-{i:05d}") for i in range(1, count)])
    rest = Apartment.objects.bulk_create([Apartment(tenant=tenant, name=r.name, kind=first.kind, project=project, space_sqm=first.space_sqm, status=first.status, resource=r) for r in resources])
    through = Apartment.packages.through
    through.objects.bulk_create([through(apartment_id=a.pk, package_id=package.pk) for a in rest])
    listings = [first, *rest]
    return [a.pk for a in listings], [a.resource_id for a in listings]


def apartments_http_worker(port: int, token: str, listings: list[int], customer_id: int, seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call():
        return load.post(port, "/api/v1/apartments/bookings", json.dumps({"listing_id": rng.choice(listings), "customer_id": customer_id}), headers)

    return call


# --- the phase --------------------------------------------------------------------------------

def ratio(http: dict, raw: dict | None):
    return round(http["per_second"] / raw["per_second"], 2) if raw and raw["per_second"] else None


def run(url: str, tenant, user, token: str, seconds: float, start_server, free_port) -> dict:
    from django.db import connection

    for vertical in ("estate", "hotel", "apartments"):
        if not tenant.has_vertical(vertical):  # else every request is a 404 and the phase measures nothing
            raise RuntimeError(f"the bench tenant must have the {vertical} vertical enabled")
    customer = verified_customer(tenant, "Bench Buyer")
    _, http_units = seed_estate_units(tenant, user, "Bench Estate HTTP", HTTP_UNITS)
    _, raw_units = seed_estate_units(tenant, user, "Bench Estate raw", RAW_UNITS)
    hotel = seed_hotel(tenant, user)
    listing_ids, listing_resources = seed_listings(tenant, user)
    connection.close()
    out = {}
    port = free_port()
    server = start_server(url, port)
    try:
        # Warm every worker on each endpoint (imports, connections, first query compilations) so start-up is not measured.
        for warm in (lambda i: estate_http_worker(port, token, http_units, customer.pk, seed=8000 + i), lambda i: hotel_http_worker(port, token, hotel, seed=8100 + i),
                     lambda i: apartments_http_worker(port, token, listing_ids, customer.pk, seed=8200 + i)):
            load.run_threads(16, 1, warm)
        h = load.run_threads(C, seconds, lambda i: estate_http_worker(port, token, http_units, customer.pk, seed=9000 + i))
        r = load.run_threads(C, seconds, lambda i: estate_raw_worker(url, tenant.pk, {"units": raw_units, "customer_id": customer.pk}, seed=9000 + i))
        out["estate"] = {"http": h, "raw_sql": r, "ratio_to_raw": ratio(h, r), "units": {"http": HTTP_UNITS, "raw_sql": RAW_UNITS},
                         "double_sales": overlapping_blocks([u[1] for u in http_units + raw_units])}
        h = load.run_threads(C, seconds, lambda i: hotel_http_worker(port, token, hotel, seed=9100 + i))
        out["hotel"] = {"http": h, "raw_sql": None, "rooms": len(hotel["rooms"]), "double_sales": overlapping_blocks(hotel["resources"])}
        h = load.run_threads(C, seconds, lambda i: apartments_http_worker(port, token, listing_ids, customer.pk, seed=9200 + i))
        out["apartments"] = {"http": h, "raw_sql": None, "listings": len(listing_ids), "double_sales": overlapping_blocks(listing_resources)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out

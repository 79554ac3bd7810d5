"""A fresh, separate benchmark database (never the one DATABASE_URL names) and its seed data."""
from __future__ import annotations

import os
from urllib.parse import urlparse, urlunparse

import psycopg


def bench_url(base_url: str) -> str:
    parts = urlparse(base_url)
    name = (parts.path.lstrip("/") or "holdfast") + "_bench"
    return urlunparse(parts._replace(path="/" + name))


def recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: never in a benchmark
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "holdfast.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_tenant():
    from holdfast.core.accounts.services import create_user, issue_api_token, provision_tenant
    from holdfast.core.tenancy.models import VERTICALS

    user = create_user(email="bench@holdfast.test", password="bench-password-123", validate=False)
    tenant = provision_tenant(name="Bench Hotels", slug="bench", time_zone="Europe/Berlin", owner=user, settings_overrides={"hold_ttl_minutes": 30},
                              enabled_verticals=list(VERTICALS))  # a vertical the tenant has not enabled answers 404 to every request
    _, token = issue_api_token(tenant=tenant, actor=user, name="bench")
    return tenant, user, token


def seed_resources(tenant, name: str, count: int, types: int = 1):
    from holdfast.core.inventory.models import Resource, ResourceType, Site

    site = Site.objects.create(tenant=tenant, name=name, kind=Site.PROPERTY, time_zone="Europe/Berlin")
    rtypes = [ResourceType.objects.create(tenant=tenant, site=site, name=f"{name} type {i}") for i in range(types)]
    Resource.objects.bulk_create([Resource(tenant=tenant, site=site, resource_type=rtypes[i % types], name=f"{name} {i:04d}") for i in range(count)])
    ids = list(Resource.objects.filter(site=site).order_by("pk").values_list("pk", flat=True))
    return site, ids


def seed_blocks(tenant_id: int, resource_ids: list[int], per_resource: int, start: str, every_days: int = 5, length_days: int = 3) -> int:
    """Non-overlapping booking blocks, generated in SQL (fast enough for a million)."""
    from django.db import connection

    sql = """
    INSERT INTO inventory_block (tenant_id, resource_id, starts_at, ends_at, kind, active, reason, created_at)
    SELECT %s, r, ts, ts + make_interval(days => %s), 'BOOKING', true, '', now()
    FROM unnest(%s::bigint[]) AS r,
         LATERAL (SELECT %s::timestamptz + make_interval(days => k * %s) AS ts FROM generate_series(0, %s - 1) AS k) g
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant_id, length_days, resource_ids, start, every_days, per_resource])
        cursor.execute("ANALYZE inventory_block")
    return len(resource_ids) * per_resource

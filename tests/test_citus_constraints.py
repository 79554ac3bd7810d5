"""Scale-out check (docs/scaling.md): tenants are distributed by `tenant_id` (Citus), and Citus needs
every unique and exclusion constraint of a distributed table to include the distribution column.

This walks the migrated PostgreSQL schema: every unique constraint, unique index and exclusion
constraint of a table with a `tenant_id` column must include it, or be
- a *same-tenant link*: one of its columns is a foreign key to another tenant table (a one-to-one
  link such as Unit.resource, or a pair such as (payment, invoice)). The referenced row belongs to one
  tenant, so the index is unique exactly when (tenant_id, …) is; distributing rewrites it so; or
- named in SAFE with the reason.
Primary keys (`id`) are rewritten as (tenant_id, id) when a table is distributed. A new constraint
that is none of these fails the test.
"""
from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db]

SAFE = {
    "accounts_apitoken.accounts_apitoken_prefix_key": "a token is looked up by prefix before its tenant is known: tokens stay a coordinator (reference) table",
    "accounts_membership.membership_unique_platform": "platform memberships have tenant_id NULL and live on the coordinator",
    "billing_providerevent.providerevent_unique_id": "provider event ids are global (Stripe's); the webhook ledger stays on the coordinator, its rows point at the tenant",
    "accounts_role.platform_role_key_unique": "platform roles have tenant_id NULL and live on the coordinator; tenant roles are unique per (tenant, key)",
}

SQL = """
WITH tenant_tables AS (
    SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind = 'r'
)
SELECT t.relname, i.relname, x.indisprimary,
       EXISTS (SELECT 1 FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k WHERE a.attname = 'tenant_id'),
       EXISTS (SELECT 1 FROM pg_constraint f JOIN tenant_tables ref ON ref.oid = f.confrelid
               WHERE f.conrelid = t.oid AND f.contype = 'f' AND f.conkey[1] = ANY (x.indkey::int2[]))
FROM tenant_tables t
JOIN pg_index x ON x.indrelid = t.oid
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.conrelid = t.oid
WHERE x.indisunique OR con.contype = 'x'
ORDER BY 1, 2
"""


def _rows():
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        return cursor.fetchall()


def test_every_unique_and_exclusion_constraint_of_a_tenant_table_can_be_distributed():
    rows = _rows()
    assert rows, "the walk found no tenant table; is the schema migrated?"
    unexplained = [f"{t}.{i}" for t, i, primary, has_tenant, same_tenant_link in rows if not primary and not has_tenant and not same_tenant_link and f"{t}.{i}" not in SAFE]
    assert unexplained == [], "constraints Citus cannot enforce per tenant (fix them or explain why they are safe):\n" + "\n".join(unexplained)


def test_the_no_overlap_exclusion_names_the_tenant():
    """Citus enforces an exclusion constraint only with `tenant_id WITH =` (inventory migration 0004)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'block_no_overlap'")
        definition = cursor.fetchone()[0]
    assert "tenant_id WITH =" in definition


def test_safe_list_names_only_constraints_that_exist():
    names = {f"{t}.{i}" for t, i, *_ in _rows()}
    assert set(SAFE) <= names, sorted(set(SAFE) - names)

"""PostgreSQL: the no-overlap exclusion constraint names the tenant too (tenant_id WITH =).

A resource belongs to one tenant, so the rule is unchanged; but Citus (docs/scaling.md) can only
enforce an exclusion constraint of a table distributed by tenant_id when it includes tenant_id.
"""
from django.db import migrations

CREATE = """
ALTER TABLE inventory_block DROP CONSTRAINT IF EXISTS block_no_overlap;
ALTER TABLE inventory_block ADD CONSTRAINT block_no_overlap EXCLUDE USING gist (
    tenant_id WITH =,
    resource_id WITH =,
    tstzrange(starts_at, coalesce(ends_at, 'infinity'::timestamptz), '[)') WITH &&
) WHERE (active);
"""
PREVIOUS = """
ALTER TABLE inventory_block DROP CONSTRAINT IF EXISTS block_no_overlap;
ALTER TABLE inventory_block ADD CONSTRAINT block_no_overlap EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(starts_at, coalesce(ends_at, 'infinity'::timestamptz), '[)') WITH &&
) WHERE (active);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_daily_capacity_policies")]
    operations = [migrations.RunPython(forwards, backwards)]

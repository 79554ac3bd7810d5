"""PostgreSQL: no two active blocks of one resource may overlap (half-open, NULL end = for good).

Written as SQL in a vendor-checked RunPython so the same model works on SQLite, where the
service checks overlaps under the serialised write lock instead.
"""
from django.db import migrations

CREATE = """
ALTER TABLE inventory_block ADD CONSTRAINT block_no_overlap EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(starts_at, coalesce(ends_at, 'infinity'::timestamptz), '[)') WITH &&
) WHERE (active);
"""
DROP = "ALTER TABLE inventory_block DROP CONSTRAINT IF EXISTS block_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("tenancy", "0002_btree_gist")]
    operations = [migrations.RunPython(forwards, backwards)]

"""PostgreSQL refuses any change to a locked (snapshotted) price line, whoever writes it."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_priceline_locked_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.locked THEN
        RAISE EXCEPTION 'price line % is locked (snapshot) and cannot change', OLD.id USING ERRCODE = '23514';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS billing_priceline_locked_guard ON billing_priceline;
CREATE TRIGGER billing_priceline_locked_guard BEFORE UPDATE OR DELETE ON billing_priceline
    FOR EACH ROW EXECUTE FUNCTION billing_priceline_locked_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS billing_priceline_locked_guard ON billing_priceline;
DROP FUNCTION IF EXISTS billing_priceline_locked_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""A lead's activity log is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE are refused (holdfast.kit.append_only)."""
from django.db import migrations

from holdfast.kit import append_only

TABLE = "estate_leadactivity"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.install(TABLE, rows=True))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.uninstall(TABLE))


class Migration(migrations.Migration):
    dependencies = [("estate", "0003_money_on_billing")]
    operations = [migrations.RunPython(forwards, backwards)]

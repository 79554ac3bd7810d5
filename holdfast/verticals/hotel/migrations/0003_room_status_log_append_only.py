"""A room's housekeeping status log is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE are refused (holdfast.kit.append_only)."""
from django.db import migrations

from holdfast.kit import append_only

TABLE = "hotel_roomstatuslog"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.install(TABLE, rows=True))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.uninstall(TABLE))


class Migration(migrations.Migration):
    dependencies = [("hotel", "0002_guest_customer")]
    operations = [migrations.RunPython(forwards, backwards)]

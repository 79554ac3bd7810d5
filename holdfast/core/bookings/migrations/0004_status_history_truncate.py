"""Booking status history (row trigger since 0003; this adds TRUNCATE) is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE are refused (holdfast.kit.append_only)."""
from django.db import migrations

from holdfast.kit import append_only

TABLE = "bookings_bookingstatushistory"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.install(TABLE, rows=False))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.uninstall(TABLE))


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_status_history_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]

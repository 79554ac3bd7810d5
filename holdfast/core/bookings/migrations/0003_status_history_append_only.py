"""Booking status history is append-only (seed 002 ADR-S010): on PostgreSQL a trigger refuses UPDATE
and DELETE of its rows, like the audit trail. (SQLite relies on the services: its test flush deletes rows.)"""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION holdfast_booking_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'booking status history is append-only (%% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS booking_history_append_only ON bookings_bookingstatushistory;
CREATE TRIGGER booking_history_append_only BEFORE UPDATE OR DELETE ON bookings_bookingstatushistory
    FOR EACH ROW EXECUTE FUNCTION holdfast_booking_history_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS booking_history_append_only ON bookings_bookingstatushistory;
DROP FUNCTION IF EXISTS holdfast_booking_history_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_booking_exclusive_key")]
    operations = [migrations.RunPython(forwards, backwards)]

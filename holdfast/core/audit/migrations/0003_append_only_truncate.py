"""The audit trail (its row trigger exists since 0002; this adds TRUNCATE) is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE are refused (holdfast.kit.append_only)."""
from django.db import migrations

from holdfast.kit import append_only

TABLE = "audit_auditentry"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.install(TABLE, rows=False))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.uninstall(TABLE))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forwards, backwards)]

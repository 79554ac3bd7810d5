"""A ledger's entries (corrections are new ADJUSTMENT entries) is append-only on PostgreSQL: UPDATE, DELETE and TRUNCATE are refused (holdfast.kit.append_only)."""
from django.db import migrations

from holdfast.kit import append_only

TABLE = "billing_ledgerentry"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.install(TABLE, rows=True))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(append_only.uninstall(TABLE))


class Migration(migrations.Migration):
    dependencies = [("billing", "0009_alter_invoice_status")]
    operations = [migrations.RunPython(forwards, backwards)]

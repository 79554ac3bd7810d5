"""Invoice items, invoices, invoice lines and ledgers point at real bookings (they held plain ids).

The column stays `booking_id`; ids that name no booking of the row's tenant are cleared first on the
nullable fields (they were never a booking). A ledger must have its booking: a dangling one stops the
migration with the rows to look at, rather than losing money records.
"""
import django.db.models.deletion
from django.db import migrations, models

NULLABLE = ("invoiceitem", "invoice", "invoiceline")


def clear_dangling_booking_ids(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    for name in NULLABLE:
        Model = apps.get_model("billing", name)
        for row in Model.objects.filter(booking_id__isnull=False).only("id", "tenant_id", "booking_id"):
            if not Booking.objects.filter(pk=row.booking_id, tenant_id=row.tenant_id).exists():
                Model.objects.filter(pk=row.pk).update(booking_id=None)
    LedgerAccount = apps.get_model("billing", "LedgerAccount")
    dangling = [a.pk for a in LedgerAccount.objects.only("id", "tenant_id", "booking_id") if not Booking.objects.filter(pk=a.booking_id, tenant_id=a.tenant_id).exists()]
    if dangling:
        raise RuntimeError(f"billing ledgers {dangling} name no booking of their tenant; fix or remove them by hand, then migrate again")


def to_foreign_key(model, related_name, *, null=True):
    plain = models.BigIntegerField(null=null, blank=null, db_index=True, db_column="booking_id")
    return [
        migrations.AlterField(model_name=model, name="booking_id", field=plain),
        migrations.RenameField(model_name=model, old_name="booking_id", new_name="booking"),
        migrations.AlterField(
            model_name=model, name="booking",
            field=models.ForeignKey(null=null, blank=null, db_column="booking_id", on_delete=django.db.models.deletion.PROTECT, related_name=related_name, to="bookings.booking"),
        ),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0007_payment_ordering"),
        ("bookings", "0002_booking_exclusive_key"),
    ]

    operations = [
        migrations.RunPython(clear_dangling_booking_ids, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="ledgeraccount", name="ledger_one_per_booking"),
        *to_foreign_key("invoiceitem", "invoice_items"),
        *to_foreign_key("invoice", "invoices"),
        *to_foreign_key("invoiceline", "+"),
        *to_foreign_key("ledgeraccount", "ledgers", null=False),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.UniqueConstraint(fields=("tenant", "source", "booking"), name="ledger_one_per_booking"),
        ),
    ]

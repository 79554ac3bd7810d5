import django.db.models.deletion
from django.db import migrations, models


def link_guests(apps, schema_editor):
    """Every existing guest gets its core customer: the tenant's customer with the same email, or a new one."""
    Guest, Customer = apps.get_model("hotel", "Guest"), apps.get_model("customers", "Customer")
    for guest in Guest.objects.filter(customer__isnull=True).order_by("id"):
        email = (guest.email or "").strip().lower()
        customer = Customer.objects.filter(tenant_id=guest.tenant_id, email__iexact=email, is_active=True).order_by("id").first() if email else None
        if customer is None:
            name = f"{guest.first_name} {guest.last_name}".strip() or "Guest"
            customer = Customer.objects.create(tenant_id=guest.tenant_id, name=name[:200], email=email, phone=(guest.phone or "")[:40])
        Guest.objects.filter(pk=guest.pk).update(customer=customer)


def code_room_charges(apps, schema_editor):
    """Folio charges posted before entries had codes were all room charges (staff post FEE/ADJUSTMENT)."""
    LedgerEntry = apps.get_model("billing", "LedgerEntry")
    LedgerEntry.objects.filter(account__source="hotel.reservation", entry_type="CHARGE", code__in=["", "CHARGE"]).update(code="ROOM_CHARGE")


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0005_expected_payments_reminders_sites"),
        ("customers", "0001_initial"),
        ("hotel", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="guest",
            name="customer",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="hotel_guests", to="customers.customer"),
        ),
        migrations.RunPython(link_guests, migrations.RunPython.noop),
        migrations.RunPython(code_room_charges, migrations.RunPython.noop),
    ]

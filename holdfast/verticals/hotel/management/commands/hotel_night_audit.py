"""Run the nightly audit by hand (idempotent per business date)."""
import datetime as dt

from django.core.management.base import BaseCommand

from holdfast.verticals.hotel.models import Property
from holdfast.verticals.hotel.services import run_night_audit


class Command(BaseCommand):
    help = "Post each in-house night's room charge and tax for a business date (default: each property's yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--property", type=int, default=None)
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, property=None, date=None, **options):
        qs = Property.objects.select_related("tenant").filter(is_active=True)
        if property:
            qs = qs.filter(pk=property)
        for prop in qs:
            n = run_night_audit(tenant=prop.tenant, actor=None, property_id=prop.pk, business_date_=date)
            self.stdout.write(f"{prop.tenant.slug}/{prop.name}: {n} reservations charged")

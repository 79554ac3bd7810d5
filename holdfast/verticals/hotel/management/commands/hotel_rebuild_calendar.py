"""Rebuild the hotel calendar read models (segments, daily occupancy) from reservations and blocks."""
from django.core.management.base import BaseCommand

from holdfast.verticals.hotel.models import Property
from holdfast.verticals.hotel.services import rebuild_read_models


class Command(BaseCommand):
    help = "Rebuild hotel calendar segments and daily occupancy (all properties, or --property ID)."

    def add_arguments(self, parser):
        parser.add_argument("--property", type=int, default=None)

    def handle(self, *args, property=None, **options):
        qs = Property.objects.select_related("tenant")
        if property:
            qs = qs.filter(pk=property)
        for prop in qs:
            days = rebuild_read_models(tenant=prop.tenant, property_id=prop.pk)
            self.stdout.write(f"{prop.tenant.slug}/{prop.name}: {days} days rebuilt")

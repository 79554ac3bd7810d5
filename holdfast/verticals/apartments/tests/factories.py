"""Factories for apartments models (discovered by the tenant-isolation matrix). Prefer the services
(catalogue.add_apartment, bookings.create_booking, …) where the flow's side effects matter: these make
rows only, without the engine's hold, invoices, audit entries or events."""
from __future__ import annotations

from decimal import Decimal

import factory

from holdfast.core.bookings.tests.factories import BookingFactory
from holdfast.core.inventory.models import Site
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.verticals.apartments.models import (
    LIVE_STATES, REJECTED, Addon, AddonCategory, Apartment, ApartmentBooking, ApartmentPhoto, BookingAddon, Package, Project,
)
from tests.factories import CustomerFactory, TenantFactory

# The smallest PNG there is (1×1, transparent): what a photo or logo factory stores.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    tenant = factory.SubFactory(TenantFactory)
    site = factory.SubFactory(SiteFactory, kind=Site.PROJECT, tenant=factory.SelfAttribute("..tenant"))
    location = "Friedrichshain, Berlin"
    amenities = "Pool, gym, roof garden"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Package {n}")
    kind = Package.GOLDEN
    price_minor = 10_000_00
    currency = "EUR"


class AddonCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AddonCategory

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    max_units = 3


class AddonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Addon

    tenant = factory.SubFactory(TenantFactory)
    category = factory.SubFactory(AddonCategoryFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"Addon {n}")
    addon_type = "Air Conditioning 1.5 HP"
    unit_price_minor = 500_00
    max_units = 3
    currency = "EUR"


class ApartmentFactory(factory.django.DjangoModelFactory):
    """A listing for sale in a project, with its inventory resource (the engine keys its booking on it)."""

    class Meta:
        model = Apartment

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"A-{n:03d}")
    kind = Apartment.PROJECT
    project = factory.SubFactory(ProjectFactory, tenant=factory.SelfAttribute("..tenant"))
    resource = factory.LazyAttribute(lambda o: ResourceFactory(tenant=o.tenant, site=o.project.site) if o.kind in (Apartment.PROJECT, Apartment.STANDALONE) else None)
    space_sqm = Decimal("80.00")
    status = factory.LazyAttribute(lambda o: Apartment.TEMPLATE_STATUS if o.kind == Apartment.TEMPLATE else Apartment.FOR_SALE)


class ApartmentPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApartmentPhoto

    tenant = factory.SubFactory(TenantFactory)
    apartment = factory.SubFactory(ApartmentFactory, tenant=factory.SelfAttribute("..tenant"))
    image = PNG
    content_type = "image/png"
    caption = "Living room"


def _clone(o) -> Apartment:
    listing = o.listing
    return Apartment.objects.create(tenant=o.tenant, name=listing.name, kind=Apartment.INSTANCE, project=listing.project, space_sqm=listing.space_sqm,
                                    status=Apartment.BOOKED, customer=o.customer, source=listing)


class ApartmentBookingFactory(factory.django.DjangoModelFactory):
    """A booking row and its clone, without hold or invoices (lists, permissions); use
    bookings.create_booking for the real flow. `status` is the engine booking's; a live one carries the
    flow's exclusive key, as the engine sets it (so a second live one of the listing is refused)."""

    class Meta:
        model = ApartmentBooking

    class Params:
        status = REJECTED

    tenant = factory.SubFactory(TenantFactory)
    listing = factory.SubFactory(ApartmentFactory, tenant=factory.SelfAttribute("..tenant"))
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"), is_verified=True)
    apartment = factory.LazyAttribute(_clone)
    booking = factory.LazyAttribute(lambda o: BookingFactory(tenant=o.tenant, flow="apartments", status=o.status, resource=o.listing.resource, customer=o.customer,
                                                             exclusive_key=f"resource:{o.listing.resource_id}" if o.status in LIVE_STATES else None))
    currency = "EUR"


class BookingAddonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingAddon

    tenant = factory.SubFactory(TenantFactory)
    booking = factory.SubFactory(ApartmentBookingFactory, tenant=factory.SelfAttribute("..tenant"))
    addon = factory.SubFactory(AddonFactory, tenant=factory.SelfAttribute("..tenant"))
    units = 1
    unit_price_minor = factory.LazyAttribute(lambda o: o.addon.unit_price_minor)

"""Factories for inventory models (sites, resource types, resources, pools, blocks, holds)."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from holdfast.core.inventory.models import Block, CapacityPool, DailyCapacity, Hold, Resource, ResourceType, Site
from tests.factories import TenantFactory


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    tenant = factory.SubFactory(TenantFactory)
    kind = Site.PROPERTY
    name = factory.Sequence(lambda n: f"Site {n}")
    time_zone = "Europe/Berlin"
    address = factory.LazyFunction(lambda: {"city": "Berlin", "country": "DE"})


class ResourceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceType

    tenant = factory.LazyAttribute(lambda o: o.site.tenant)
    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Type {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    tenant = factory.LazyAttribute(lambda o: o.site.tenant)
    site = factory.SubFactory(SiteFactory)
    resource_type = None
    name = factory.Sequence(lambda n: f"Unit {n}")


class CapacityPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapacityPool

    tenant = factory.LazyAttribute(lambda o: o.site.tenant)
    site = factory.SubFactory(SiteFactory, kind=Site.FACILITY)
    name = factory.Sequence(lambda n: f"Pallet positions {n}")
    unit = "pallets"
    default_capacity = 10


class DailyCapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyCapacity

    pool = factory.SubFactory(CapacityPoolFactory)
    tenant = factory.LazyAttribute(lambda o: o.pool.tenant)
    date = factory.LazyFunction(lambda: timezone.now().date())
    capacity = 10


class HoldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hold

    tenant = factory.SubFactory(TenantFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(minutes=30))


class BlockFactory(factory.django.DjangoModelFactory):
    """A maintenance block by default (hold/booking blocks come from the services)."""

    class Meta:
        model = Block

    resource = factory.SubFactory(ResourceFactory)
    tenant = factory.LazyAttribute(lambda o: o.resource.tenant)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=2))
    kind = Block.MAINTENANCE

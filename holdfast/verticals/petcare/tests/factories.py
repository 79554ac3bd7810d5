"""Factories for petcare models (discovered by the tenant-isolation matrix). Prefer the services
(create_job, complete_job, …) where a flow's side effects matter."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from holdfast.core.bookings.tests.factories import BookingFactory
from holdfast.core.inventory.models import Site
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.verticals.petcare.models import PENDING, Availability, ClientProfile, Dog, Feedback, Job, RecurringSeries, Service, TimeOff, Walker
from tests.factories import CustomerFactory, TenantFactory, UserFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Walk {n}")
    price_minor = 1500
    currency = "GBP"
    duration_minutes = 60


class WalkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Walker

    tenant = factory.SubFactory(TenantFactory)
    resource = factory.LazyAttribute(lambda o: ResourceFactory(tenant=o.tenant, site=SiteFactory(tenant=o.tenant, kind=Site.SERVICE_AREA)))
    user = factory.SubFactory(UserFactory)


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Availability

    tenant = factory.SubFactory(TenantFactory)
    walker = factory.SubFactory(WalkerFactory, tenant=factory.SelfAttribute("..tenant"))
    weekday = 0
    start_time = dt.time(8)
    end_time = dt.time(18)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    tenant = factory.SubFactory(TenantFactory)
    walker = factory.SubFactory(WalkerFactory, tenant=factory.SelfAttribute("..tenant"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=4))


class ClientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientProfile

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))


class DogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dog

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"Dog {n}")


class RecurringSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurringSeries

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    service = factory.SubFactory(ServiceFactory, tenant=factory.SelfAttribute("..tenant"))
    weekdays = [0, 2]
    local_time = dt.time(9)
    duration_minutes = 60
    starts_on = factory.LazyFunction(lambda: timezone.now().date())
    count = 4
    time_zone = "Europe/London"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    tenant = factory.SubFactory(TenantFactory)
    booking = factory.LazyAttribute(lambda o: BookingFactory(tenant=o.tenant, flow="petcare", status=PENDING, customer=CustomerFactory(tenant=o.tenant),
                                                             starts_at=timezone.now() + dt.timedelta(days=2), ends_at=timezone.now() + dt.timedelta(days=2, hours=1)))
    service = factory.SubFactory(ServiceFactory, tenant=factory.SelfAttribute("..tenant"))
    currency = "GBP"


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    tenant = factory.SubFactory(TenantFactory)
    message = "The calendar is great."

"""Factories for estate models (discovered by the tenant-isolation matrix). Prefer the services
(create_hold, record_payment, …) where the flow's side effects matter. Estate payments and reminders
are billing's models (billing's factories)."""
from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from holdfast.core.billing.models import Payment
from holdfast.core.bookings.tests.factories import BookingFactory
from holdfast.core.inventory.models import Site
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.verticals.estate.models import ACTIVE_STATES, EstateBooking, Lead, LeadActivity, Project, Review, Unit
from tests.factories import CustomerFactory, TenantFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    tenant = factory.SubFactory(TenantFactory)
    site = factory.SubFactory(SiteFactory, kind=Site.PROJECT, tenant=factory.SelfAttribute("..tenant"))
    currency = "USD"
    down_payment_percent = Decimal("10.00")
    city = "Springfield"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    tenant = factory.SubFactory(TenantFactory)
    project = factory.SubFactory(ProjectFactory, tenant=factory.SelfAttribute("..tenant"))
    resource = factory.LazyAttribute(lambda o: ResourceFactory(tenant=o.tenant, site=o.project.site))
    code = factory.Sequence(lambda n: f"U-{n:03d}")
    price_minor = 250_000_00
    currency = "USD"


class EstateBookingFactory(factory.django.DjangoModelFactory):
    """A booking row without a hold (lists, permissions); use services.create_hold for the real flow.
    `status` is the engine booking's; an active one carries the flow's exclusive key, as the engine sets it."""

    class Meta:
        model = EstateBooking

    class Params:
        status = "CANCELLED"

    tenant = factory.SubFactory(TenantFactory)
    unit = factory.SubFactory(UnitFactory, tenant=factory.SelfAttribute("..tenant"))
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"), is_verified=True)
    booking = factory.LazyAttribute(lambda o: BookingFactory(tenant=o.tenant, flow="estate", status=o.status, resource=o.unit.resource, customer=o.customer,
                                                             exclusive_key=f"resource:{o.unit.resource_id}" if o.status in ACTIVE_STATES else None))
    price_minor = 250_000_00
    currency = "USD"
    required_minor = 25_000_00


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Lead {n}")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")


class LeadActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadActivity

    tenant = factory.SubFactory(TenantFactory)
    lead = factory.SubFactory(LeadFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = "NOTE"
    text = "Called back."


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    project = factory.SubFactory(ProjectFactory, tenant=factory.SelfAttribute("..tenant"))
    rating = 4
    text = "Good location."



class EstatePaymentFactory(factory.django.DjangoModelFactory):
    """An estate payment: billing's Payment of an estate booking (source estate.booking); the isolation
    matrix uses it for the estate API's /payments/{id} paths."""

    class Meta:
        model = Payment

    class Params:
        estate_booking = factory.LazyAttribute(lambda o: EstateBookingFactory(tenant=o.tenant))

    tenant = factory.SubFactory(TenantFactory)
    booking = factory.LazyAttribute(lambda o: o.estate_booking.booking)
    customer = factory.LazyAttribute(lambda o: o.estate_booking.customer)
    source = "estate.booking"
    kind = "DOWN_PAYMENT"
    method = "BANK_TRANSFER"
    status = "RECEIVED"
    paid_at = factory.LazyFunction(timezone.now)
    amount_minor = 25_000_00
    currency = "USD"

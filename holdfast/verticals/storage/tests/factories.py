"""Factories for storage models (discovered by the tenant-isolation matrix by model name). They build
through the services (actor=None: the system), so the engine site, capacity pool, slots, hold, quote
and history exist as in production. Storage invoices and receipts are billing's models."""
from __future__ import annotations

import datetime as dt
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from holdfast.kit import clock
from holdfast.verticals.storage import services
from holdfast.verticals.storage.models import Company, Facility, FacilityFeature, FacilityMedia, Feature, StorageBooking
from tests.factories import CustomerFactory, TenantFactory

TZ = "Europe/Berlin"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def today(tz: str = TZ) -> dt.date:
    return clock.local_today(tz)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"PalletCo {n}")

    @classmethod
    def _create(cls, model_class, tenant, name, **kwargs):
        return services.create_company(tenant=tenant, actor=None, name=name, address_line1="1 Dock Road", city="Berlin", country="DE", **kwargs)


class FacilityFactory(factory.django.DjangoModelFactory):
    """An ACTIVE facility with slots of `capacity` pallets for `days` days from today and a base rate."""

    class Meta:
        model = Facility

    tenant = factory.SubFactory(TenantFactory)
    company = factory.SubFactory(CompanyFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"Dock {n}")
    capacity = 10
    days = 30
    rate_minor = 100
    policy = None

    @classmethod
    def _create(cls, model_class, tenant, company, name, capacity=10, days=30, rate_minor=100, policy=None, **kwargs):
        kwargs.setdefault("time_zone", TZ)
        kwargs.setdefault("country", "DE")
        kwargs.setdefault("latitude", 52.52)
        kwargs.setdefault("longitude", 13.405)
        facility = services.create_facility(tenant=tenant, actor=None, company_pk=company.pk, name=name, address_line1="2 Dock Road", currency=kwargs.pop("currency", "USD"), **kwargs)
        start = today(kwargs["time_zone"])
        if days:
            services.open_slots(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=days), capacity=capacity, policy=policy)
        if rate_minor is not None:
            services.set_base_price(tenant=tenant, actor=None, facility_pk=facility.pk, name="Standard", rate_minor=rate_minor, effective_from=start - dt.timedelta(days=365))
        return Facility.objects.select_related("site", "pool").get(pk=facility.pk)


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"FEATURE_{n}")
    name = factory.Sequence(lambda n: f"Feature {n}")

    @classmethod
    def _create(cls, model_class, tenant, code, name, **kwargs):
        return services.create_feature(tenant=tenant, actor=None, code=code, name=name, **kwargs)


class FacilityFeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilityFeature

    tenant = factory.SubFactory(TenantFactory)
    facility = factory.SubFactory(FacilityFactory, tenant=factory.SelfAttribute("..tenant"))
    feature = factory.SubFactory(FeatureFactory, tenant=factory.SelfAttribute("..tenant"))
    is_active = True

    @classmethod
    def _create(cls, model_class, tenant, facility, feature, is_active=True):
        return services.set_facility_feature(tenant=tenant, actor=None, facility_pk=facility.pk, feature_pk=feature.pk, is_active=is_active)


class FacilityMediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilityMedia

    tenant = factory.SubFactory(TenantFactory)
    facility = factory.SubFactory(FacilityFactory, tenant=factory.SelfAttribute("..tenant"))
    caption = "Loading bay"

    @classmethod
    def _create(cls, model_class, tenant, facility, caption="", **kwargs):
        upload = SimpleUploadedFile("bay.png", PNG, content_type="image/png")
        return services.add_media(tenant=tenant, actor=None, facility_pk=facility.pk, upload=upload, caption=caption)


class StorageBookingFactory(factory.django.DjangoModelFactory):
    """A HELD booking of `pallets` pallets from tomorrow for `nights` days (the real hold_booking step)."""

    class Meta:
        model = StorageBooking

    tenant = factory.SubFactory(TenantFactory)
    facility = factory.SubFactory(FacilityFactory, tenant=factory.SelfAttribute("..tenant"))
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    pallets = 2
    nights = 3
    offset = 1

    @classmethod
    def _create(cls, model_class, tenant, facility, customer, pallets=2, nights=3, offset=1, **kwargs):
        start = today(facility.site.time_zone) + dt.timedelta(days=offset)
        return services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=nights), pallets=pallets,
                                     customer_id=customer.pk, **kwargs)


__all__ = ["CompanyFactory", "FacilityFactory", "FacilityFeatureFactory", "FacilityMediaFactory", "FeatureFactory", "StorageBookingFactory", "io"]

"""Factories for hotel models. They build through the services (so engine rows, folios and read models
exist as in production) and are discovered by the isolation matrix by model name."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factory

from holdfast.kit import clock
from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import Guest, Property, RatePlan, Reservation, Room, RoomType
from tests.factories import TenantFactory

TZ = "Europe/Berlin"


def today() -> dt.date:
    return clock.local_today(TZ)


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Harbour Hotel {n}")

    @classmethod
    def _create(cls, model_class, tenant, name, **kwargs):
        return services.create_property(tenant=tenant, actor=None, name=name, time_zone=TZ, currency="EUR")


class RoomTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoomType

    property = factory.SubFactory(PropertyFactory)
    tenant = factory.LazyAttribute(lambda o: o.property.tenant)
    code = factory.Sequence(lambda n: f"DBL{n}")
    name = "Double room"

    @classmethod
    def _create(cls, model_class, tenant, property, code, name, **kwargs):
        return services.create_room_type(tenant=tenant, actor=None, property_id=property.pk, code=code, name=name, max_adults=2, max_children=1, max_occupancy=3)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    room_type = factory.SubFactory(RoomTypeFactory)
    tenant = factory.LazyAttribute(lambda o: o.room_type.tenant)
    room_number = factory.Sequence(lambda n: f"{100 + n}")

    @classmethod
    def _create(cls, model_class, tenant, room_type, room_number, **kwargs):
        return services.create_room(tenant=tenant, actor=None, property_id=room_type.property_id, room_type_id=room_type.pk, room_number=room_number)


class RatePlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RatePlan

    property = factory.SubFactory(PropertyFactory)
    tenant = factory.LazyAttribute(lambda o: o.property.tenant)
    code = factory.Sequence(lambda n: f"BAR{n}")
    name = "Best available rate"

    @classmethod
    def _create(cls, model_class, tenant, property, code, name, **kwargs):
        return services.create_rate_plan(tenant=tenant, actor=None, property_id=property.pk, code=code, name=name, is_default=kwargs.get("is_default", False))


class GuestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guest

    property = factory.SubFactory(PropertyFactory)
    tenant = factory.LazyAttribute(lambda o: o.property.tenant)
    first_name = "Alpha"
    last_name = factory.Sequence(lambda n: f"Marker {n}")

    @classmethod
    def _create(cls, model_class, tenant, property, first_name, last_name, **kwargs):
        return services.create_guest(tenant=tenant, actor=None, property_id=property.pk, first_name=first_name, last_name=last_name, email="alpha-marker@harbour.test")


def hotel(tenant, *, rooms_per_type: int = 2, price: int = 10000, name: str = "Harbour Hotel") -> SimpleNamespace:
    """A small property: two room types (DBL sleeps 3, SGL sleeps 1) with rooms, a default plan priced for a year."""
    prop = services.create_property(tenant=tenant, actor=None, name=name, time_zone=TZ, currency="EUR")
    dbl = services.create_room_type(tenant=tenant, actor=None, property_id=prop.pk, code="DBL", name="Double", max_adults=2, max_children=1, max_occupancy=3)
    sgl = services.create_room_type(tenant=tenant, actor=None, property_id=prop.pk, code="SGL", name="Single", max_adults=1, max_children=0, max_occupancy=1)
    rooms = {}
    for i in range(rooms_per_type):
        rooms[f"10{i + 1}"] = services.create_room(tenant=tenant, actor=None, property_id=prop.pk, room_type_id=dbl.pk, room_number=f"10{i + 1}")
        rooms[f"20{i + 1}"] = services.create_room(tenant=tenant, actor=None, property_id=prop.pk, room_type_id=sgl.pk, room_number=f"20{i + 1}")
    plan = services.create_rate_plan(tenant=tenant, actor=None, property_id=prop.pk, code="BAR", name="Best available")
    start = today() - dt.timedelta(days=30)
    services.set_rate_price(tenant=tenant, actor=None, rate_plan_id=plan.pk, room_type_id=dbl.pk, start_date=start, end_date=start + dt.timedelta(days=400), nightly_base_cents=price)
    services.set_rate_price(tenant=tenant, actor=None, rate_plan_id=plan.pk, room_type_id=sgl.pk, start_date=start, end_date=start + dt.timedelta(days=400), nightly_base_cents=price // 2)
    return SimpleNamespace(property=prop, dbl=dbl, sgl=sgl, rooms=rooms, plan=plan)


def book(tenant, h, *, nights=(0, 2), room=None, room_type=None, actor=None, **kw) -> Reservation:
    start = today() + dt.timedelta(days=nights[0])
    return services.create_reservation(
        tenant=tenant, actor=actor, property_id=h.property.pk, room_type_id=(room_type or h.dbl).pk, check_in_date=start,
        check_out_date=today() + dt.timedelta(days=nights[1]), guest=kw.pop("guest", {"first_name": "Alpha", "last_name": "Marker"}),
        room_id=room.pk if room else None, **kw,
    )


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reservation

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, tenant, **kwargs):
        h = hotel(tenant, rooms_per_type=1)
        return book(tenant, h, nights=(1, 3), room=h.rooms["101"])

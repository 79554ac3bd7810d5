"""Setting a hotel up: properties, room types, rooms, rate plans and prices, restrictions, guests."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from holdfast.core.audit.services import diff_of, log_action
from holdfast.core.customers.models import Customer
from holdfast.core.customers.services import create_customer, update_customer
from holdfast.core.events.services import emit
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Resource
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import is_valid_zone
from holdfast.kit.errors import Conflict, ValidationFailed

from ..models import Guest, Property, RatePlan, RatePlanPrice, Restriction, Room, RoomType
from ._common import lock_property, refresh_all_rows, user_or_none


def _required(data: dict, *names) -> None:
    errors = {n: ["Required."] for n in names if n in data and not str(data[n] or "").strip()}
    if errors:
        raise ValidationFailed("Some required fields are empty.", fields=errors)


def _currency(value: str) -> str:
    value = (value or "").upper()
    if len(value) != 3 or not value.isalpha():
        raise ValidationFailed("Use a three-letter ISO currency code.", fields={"currency": ["Three letters, e.g. USD."]})
    return value


def _apply(obj, changes: dict) -> dict:
    before = {k: getattr(obj, k) for k in changes}
    for k, v in changes.items():
        setattr(obj, k, v)
    return diff_of(before, changes)


# ---------------------------------------------------------------- properties

def create_property(*, tenant, actor, name: str, time_zone: str | None = None, currency: str | None = None, address: dict | None = None, code: str = "") -> Property:
    _required({"name": name}, "name")
    zone = time_zone or tenant.time_zone
    if not is_valid_zone(zone):
        raise ValidationFailed("Use an IANA time zone such as Europe/Berlin.", fields={"time_zone": ["Unknown time zone."]})
    cur = _currency(currency or tenant.currency)
    with transaction.atomic():
        site = inventory.create_site(tenant=tenant, actor=actor, name=name.strip(), time_zone=zone, kind="PROPERTY", address=address or {}, code=code)
        prop = Property.objects.create(tenant=tenant, site=site, name=site.name, currency=cur, created_by=user_or_none(actor), updated_by=user_or_none(actor))
        log_action(tenant=tenant, actor=actor, entity=prop, action="hotel.property.created", diff={"name": [None, prop.name], "currency": [None, cur]})
        emit(tenant, "property:created", {"property_id": prop.pk})
    return prop


def update_property(*, tenant, actor, property_id: int, **changes) -> Property:
    allowed = {k: v for k, v in changes.items() if k in ("name", "currency", "is_active", "time_zone", "address")}
    _required(allowed, "name")
    if "currency" in allowed:
        allowed["currency"] = _currency(allowed["currency"])
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        site_changes = {k: allowed.pop(k) for k in ("time_zone", "address") if k in allowed}
        if "name" in allowed:
            site_changes["name"] = allowed["name"]
        if site_changes:
            inventory.update_site(tenant=tenant, actor=actor, site_id=prop.site_id, **site_changes)
        diff = _apply(prop, allowed)
        diff.update({k: [None, v] for k, v in site_changes.items() if k != "name"})
        prop.updated_by = user_or_none(actor)
        prop.save()
        log_action(tenant=tenant, actor=actor, entity=prop, action="hotel.property.updated", diff=diff)
        emit(tenant, "property:updated", {"property_id": prop.pk})
    return prop


# ---------------------------------------------------------------- room types and rooms

def _occupancy(data: dict) -> None:
    for key in ("max_adults", "max_children", "max_occupancy"):
        if key in data and (data[key] is None or data[key] < 0):
            raise ValidationFailed("Occupancy limits are zero or more.", fields={key: ["Zero or more."]})
    if data.get("max_occupancy") is not None and data["max_occupancy"] < 1:
        raise ValidationFailed("A room type sleeps at least one.", fields={"max_occupancy": ["At least 1."]})
    if data.get("max_adults") is not None and data["max_adults"] < 1:
        raise ValidationFailed("A room type takes at least one adult.", fields={"max_adults": ["At least 1."]})


def create_room_type(*, tenant, actor, property_id: int, code: str, name: str, description: str = "", max_adults: int = 2, max_children: int = 0,
                     max_occupancy: int = 2, beds: list | None = None, amenities: list | None = None) -> RoomType:
    _required({"code": code, "name": name}, "code", "name")
    _occupancy({"max_adults": max_adults, "max_children": max_children, "max_occupancy": max_occupancy})
    code = code.strip().upper()
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        if RoomType.objects.filter(property=prop, code=code).exists():
            raise Conflict(f"Room type code {code} is already used at this property.", code="room_type_code_taken")
        rtype = inventory.create_resource_type(tenant=tenant, actor=actor, name=name.strip(), site_id=prop.site_id, code=code, max_occupancy=max_occupancy)
        rt = RoomType.objects.create(
            tenant=tenant, property=prop, resource_type=rtype, code=code, name=name.strip(), description=description, max_adults=max_adults,
            max_children=max_children, max_occupancy=max_occupancy, beds=beds or [], amenities=amenities or [], created_by=user_or_none(actor), updated_by=user_or_none(actor),
        )
        log_action(tenant=tenant, actor=actor, entity=rt, action="hotel.room_type.created", diff={"code": [None, code], "name": [None, rt.name]})
        emit(tenant, "room_type:created", {"room_type_id": rt.pk, "property_id": prop.pk})
    return rt


def update_room_type(*, tenant, actor, room_type_id: int, **changes) -> RoomType:
    allowed = {k: v for k, v in changes.items() if k in ("name", "description", "max_adults", "max_children", "max_occupancy", "beds", "amenities", "is_active")}
    _required(allowed, "name")
    _occupancy(allowed)
    with transaction.atomic():
        rt = get_owned(RoomType, tenant, room_type_id, what="room type")
        lock_property(tenant, rt.property_id)
        rt = RoomType.objects.select_for_update().get(pk=rt.pk)
        diff = _apply(rt, allowed)
        rt.updated_by = user_or_none(actor)
        rt.save()
        log_action(tenant=tenant, actor=actor, entity=rt, action="hotel.room_type.updated", diff=diff)
        emit(tenant, "room_type:updated", {"room_type_id": rt.pk})
    return rt


def create_room(*, tenant, actor, property_id: int, room_type_id: int, room_number: str, floor: str = "", name: str = "", features: list | None = None) -> Room:
    _required({"room_number": room_number}, "room_number")
    number = room_number.strip()
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        rt = get_owned(RoomType.objects.filter(property=prop), tenant, room_type_id, what="room type")
        if Room.objects.filter(property=prop, room_number=number).exists():
            raise Conflict(f"Room {number} already exists at this property.", code="room_number_taken")
        resource = inventory.create_resource(tenant=tenant, actor=actor, site_id=prop.site_id, name=f"Room {number}", resource_type_id=rt.resource_type_id, code=number)
        room = Room.objects.create(tenant=tenant, property=prop, room_type=rt, resource=resource, room_number=number, floor=floor, name=name,
                                   features=features or [], created_by=user_or_none(actor), updated_by=user_or_none(actor))
        log_action(tenant=tenant, actor=actor, entity=room, action="hotel.room.created", diff={"room_number": [None, number], "room_type_id": [None, rt.pk]})
        emit(tenant, "room:created", {"room_id": room.pk, "property_id": prop.pk})
        refresh_all_rows(prop)
    return room


def update_room(*, tenant, actor, room_id: int, **changes) -> Room:
    """Descriptive fields and activity; the housekeeping status changes through housekeeping services."""
    allowed = {k: v for k, v in changes.items() if k in ("floor", "name", "features", "is_active")}
    with transaction.atomic():
        room = get_owned(Room, tenant, room_id, what="room")
        prop = lock_property(tenant, room.property_id)
        room = Room.objects.select_for_update().get(pk=room.pk)
        diff = _apply(room, allowed)
        room.updated_by = user_or_none(actor)
        room.save()
        if "is_active" in diff:
            inventory.set_resource_status(tenant=tenant, actor=actor, resource_id=room.resource_id,
                                          status=Resource.AVAILABLE if room.is_active and not room.is_out_of_order else Resource.OUT_OF_SERVICE)
            refresh_all_rows(prop)
        log_action(tenant=tenant, actor=actor, entity=room, action="hotel.room.updated", diff=diff)
        emit(tenant, "room:updated", {"room_id": room.pk})
    return room


# ---------------------------------------------------------------- rate plans and prices

def create_rate_plan(*, tenant, actor, property_id: int, code: str, name: str, description: str = "", currency: str | None = None, is_default: bool = False) -> RatePlan:
    _required({"code": code, "name": name}, "code", "name")
    code = code.strip().upper()
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        if RatePlan.objects.filter(property=prop, code=code).exists():
            raise Conflict(f"Rate plan code {code} is already used at this property.", code="rate_plan_code_taken")
        if is_default:
            RatePlan.objects.filter(property=prop, is_default=True).update(is_default=False)
        elif not RatePlan.objects.filter(property=prop, is_default=True).exists():
            is_default = True  # the first plan of a property is its default
        plan = RatePlan.objects.create(tenant=tenant, property=prop, code=code, name=name.strip(), description=description, currency=_currency(currency or prop.currency),
                                       is_default=is_default, created_by=user_or_none(actor), updated_by=user_or_none(actor))
        log_action(tenant=tenant, actor=actor, entity=plan, action="hotel.rate_plan.created", diff={"code": [None, code], "is_default": [None, is_default]})
        emit(tenant, "rate_plan:created", {"rate_plan_id": plan.pk})
    return plan


def update_rate_plan(*, tenant, actor, rate_plan_id: int, **changes) -> RatePlan:
    allowed = {k: v for k, v in changes.items() if k in ("name", "description", "is_default", "is_active")}
    _required(allowed, "name")
    with transaction.atomic():
        plan = get_owned(RatePlan, tenant, rate_plan_id, what="rate plan")
        prop = lock_property(tenant, plan.property_id)
        plan = RatePlan.objects.select_for_update().get(pk=plan.pk)
        if allowed.get("is_default") is True and not plan.is_default:
            RatePlan.objects.filter(property=prop, is_default=True).update(is_default=False)
        if allowed.get("is_default") is False and plan.is_default:
            raise Conflict("Make another plan the default instead.", code="default_rate_plan_required")
        diff = _apply(plan, allowed)
        plan.updated_by = user_or_none(actor)
        plan.save()
        log_action(tenant=tenant, actor=actor, entity=plan, action="hotel.rate_plan.updated", diff=diff)
        emit(tenant, "rate_plan:updated", {"rate_plan_id": plan.pk})
    return plan


def set_rate_price(*, tenant, actor, rate_plan_id: int, room_type_id: int, start_date: dt.date, end_date: dt.date, nightly_base_cents: int) -> RatePlanPrice:
    """A nightly price over [start_date, end_date); the same range again replaces its amount."""
    if end_date is None or start_date is None or end_date <= start_date:
        raise ValidationFailed("The end date must be after the start date.", fields={"end_date": ["Must be after start_date (exclusive end)."]})
    if nightly_base_cents is None or nightly_base_cents < 0:
        raise ValidationFailed("A price is zero or more.", fields={"nightly_base_cents": ["Zero or more."]})
    with transaction.atomic():
        plan = get_owned(RatePlan, tenant, rate_plan_id, what="rate plan")
        prop = lock_property(tenant, plan.property_id)
        rt = get_owned(RoomType.objects.filter(property=prop), tenant, room_type_id, what="room type")
        price = RatePlanPrice.objects.filter(rate_plan=plan, room_type=rt, start_date=start_date, end_date=end_date).first()
        before = price.nightly_base_cents if price else None
        if price:
            price.nightly_base_cents, price.updated_by = nightly_base_cents, user_or_none(actor)
            price.save()
        else:
            price = RatePlanPrice.objects.create(tenant=tenant, property=prop, rate_plan=plan, room_type=rt, start_date=start_date, end_date=end_date,
                                                 nightly_base_cents=nightly_base_cents, created_by=user_or_none(actor), updated_by=user_or_none(actor))
        log_action(tenant=tenant, actor=actor, entity=plan, action="hotel.rate_plan.price_set",
                   diff={"room_type_id": [None, rt.pk], "range": [None, f"{start_date}..{end_date}"], "nightly_base_cents": [before, nightly_base_cents]})
        emit(tenant, "rate_plan:updated", {"rate_plan_id": plan.pk, "room_type_id": rt.pk})
    return price


def set_restriction(*, tenant, actor, room_type_id: int, start_date: dt.date, end_date: dt.date, min_stay: int | None = None,
                    closed_to_arrival: bool = False, closed_to_departure: bool = False) -> int:
    """Restrictions for each date of [start_date, end_date) (replacing what was there)."""
    if end_date is None or start_date is None or end_date <= start_date or (end_date - start_date).days > 366:
        raise ValidationFailed("Give a date range of up to a year.", fields={"end_date": ["After start_date, at most 366 days."]})
    if min_stay is not None and min_stay < 1:
        raise ValidationFailed("A minimum stay is at least one night.", fields={"min_stay": ["At least 1."]})
    with transaction.atomic():
        rt = get_owned(RoomType, tenant, room_type_id, what="room type")
        prop = lock_property(tenant, rt.property_id)
        Restriction.objects.filter(room_type=rt, date__gte=start_date, date__lt=end_date).delete()
        rows = []
        if min_stay or closed_to_arrival or closed_to_departure:
            d = start_date
            while d < end_date:
                rows.append(Restriction(tenant=tenant, property=prop, room_type=rt, date=d, min_stay=min_stay, closed_to_arrival=closed_to_arrival,
                                        closed_to_departure=closed_to_departure, created_by=user_or_none(actor), updated_by=user_or_none(actor)))
                d += dt.timedelta(days=1)
            Restriction.objects.bulk_create(rows)
        log_action(tenant=tenant, actor=actor, entity=rt, action="hotel.restriction.set",
                   diff={"range": [None, f"{start_date}..{end_date}"], "min_stay": [None, min_stay], "cta": [None, closed_to_arrival], "ctd": [None, closed_to_departure]})
        emit(tenant, "availability:changed", {"room_type_id": rt.pk})
    return len(rows)


# ---------------------------------------------------------------- guests

GUEST_FIELDS = ("first_name", "last_name", "email", "phone", "notes", "preferences")


def _clean_guest(data: dict) -> dict:
    _required(data, "first_name", "last_name")
    for key in ("email", "phone"):
        if key in data:
            data[key] = (data[key] or "").strip() or None
    if data.get("email") and "@" not in data["email"]:
        raise ValidationFailed("That is not an email address.", fields={"email": ["Invalid email."]})
    return {k: (v.strip() if isinstance(v, str) and k in ("first_name", "last_name") else v) for k, v in data.items() if k in GUEST_FIELDS}


_PHONE_CHARS = set("0123456789+-() .")


def _customer_for(tenant, actor, *, first_name: str, last_name: str, email: str | None, phone: str | None) -> Customer:
    """The business's customer for a guest: the active one with the same email, else a new one.
    (No email: always a new customer — two guests named alike are not assumed to be one person.)"""
    email = (email or "").strip().lower()
    if email:
        known = Customer.objects.for_tenant(tenant).filter(email__iexact=email, is_active=True).order_by("id").first()
        if known is not None:
            return known
        try:
            validate_email(email)
        except DjangoValidationError:
            email = ""  # the guest keeps what was typed; the shared record only takes a valid address
    phone = (phone or "").strip()
    return create_customer(tenant=tenant, actor=actor, name=f"{first_name} {last_name}".strip()[:200] or "Guest", email=email,
                           phone=phone[:40] if phone and set(phone) <= _PHONE_CHARS else "")


def create_guest(*, tenant, actor, property_id: int, first_name: str, last_name: str, customer_id: int | None = None, **fields) -> Guest:
    """A guest of a property, linked to the business's core customer (`customer_id`, or the customer
    with the guest's email, or a new one) so billing payments and invoices have someone to belong to."""
    data = _clean_guest({"first_name": first_name, "last_name": last_name, **fields})
    with transaction.atomic():
        prop = get_owned(Property, tenant, property_id, what="property")
        customer = (get_owned(Customer, tenant, customer_id, what="customer") if customer_id
                    else _customer_for(tenant, actor, first_name=data["first_name"], last_name=data["last_name"], email=data.get("email"), phone=data.get("phone")))
        guest = Guest.objects.create(tenant=tenant, property=prop, customer=customer, created_by=user_or_none(actor), updated_by=user_or_none(actor), **data)
        log_action(tenant=tenant, actor=actor, entity=guest, action="hotel.guest.created", diff={"name": [None, guest.full_name], "customer_id": [None, customer.pk]})
        emit(tenant, "guest:created", {"guest_id": guest.pk})
    return guest


def guest_customer(tenant, actor, guest: Guest) -> Customer:
    """The guest's customer, linking one first for a guest created before guests had customers."""
    if guest.customer_id is None:
        guest.customer = _customer_for(tenant, actor, first_name=guest.first_name, last_name=guest.last_name, email=guest.email, phone=guest.phone)
        guest.save(update_fields=["customer"])
        log_action(tenant=tenant, actor=actor, entity=guest, action="hotel.guest.updated", diff={"customer_id": [None, guest.customer_id]})
    return guest.customer


def reservation_customer(tenant, actor, res) -> Customer:
    """Whom a reservation's money belongs to: its guest's customer (a reservation without a guest row
    gets a customer from its primary-guest snapshot, not remembered — every booking path names a guest)."""
    if res.guest_id:
        return guest_customer(tenant, actor, res.guest)
    g = res.primary_guest or {}
    return _customer_for(tenant, actor, first_name=g.get("first_name") or "", last_name=g.get("last_name") or "Guest", email=g.get("email"), phone=g.get("phone"))


def update_guest(*, tenant, actor, guest_id: int, **changes) -> Guest:
    """Edit a guest; the linked customer follows (see _follow_customer). Money already recorded stays
    with the customer it was recorded for."""
    data = _clean_guest(dict(changes))
    with transaction.atomic():
        guest = get_owned(Guest.objects.select_for_update(), tenant, guest_id, what="guest")
        diff = _apply(guest, data)
        if diff:
            _follow_customer(tenant, actor, guest, diff)
        guest.updated_by = user_or_none(actor)
        guest.save()
        log_action(tenant=tenant, actor=actor, entity=guest, action="hotel.guest.updated", diff=diff)
        emit(tenant, "guest:updated", {"guest_id": guest.pk})
    return guest


def _follow_customer(tenant, actor, guest: Guest, diff: dict) -> None:
    """Keep the guest's core customer in step with the guest:
    - a new email that an active customer already has: that is the person, the guest is linked to them;
    - a customer record of this guest alone (no other guest, no portal login): it is corrected in place;
    - a shared one: its other guests keep it, and a new email gets this guest a customer of their own."""
    customer = guest.customer
    email = (guest.email or "").strip().lower()
    if "email" in diff and email:
        known = Customer.objects.for_tenant(tenant).filter(email__iexact=email, is_active=True).exclude(pk=guest.customer_id).order_by("id").first()
        if known is not None:
            diff["customer_id"], guest.customer = [guest.customer_id, known.pk], known
            return
    if customer is None:
        return
    alone = customer.user_id is None and not Guest.objects.filter(customer=customer).exclude(pk=guest.pk).exists()
    if alone:
        phone = (guest.phone or "").strip()
        try:
            validate_email(email) if email else None
        except DjangoValidationError:
            email = customer.email  # the shared record only takes a valid address
        update_customer(tenant=tenant, actor=actor, customer_id=customer.pk, version=customer.version, name=guest.full_name[:200] or customer.name,
                        email=email, phone=phone[:40] if phone and set(phone) <= _PHONE_CHARS else "")
    elif "email" in diff and email:
        fresh = _customer_for(tenant, actor, first_name=guest.first_name, last_name=guest.last_name, email=email, phone=guest.phone)
        diff["customer_id"], guest.customer = [guest.customer_id, fresh.pk], fresh



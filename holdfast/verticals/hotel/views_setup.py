"""Hotel setup screens (issue 15 item 6): property details, room types with restrictions, rooms, rate plans
with nightly prices. Only for roles holding `hotel.setup` (the permission the setup API requires). Thin:
forms in, the setup services out; a refusal is shown on the form in words and nothing is written."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import require
from holdfast.kit.errors import DomainError
from holdfast.kit.money import Money
from holdfast.kit import dates

from . import selectors, services
from .forms import PropertyForm, RatePlanForm, RatePriceForm, RestrictionForm, RoomForm, RoomTypeForm

SETUP = "hotel.setup"
RESTRICTION_DAYS = 120
SECTIONS = {"property": "hotel:setup_property", "room_types": "hotel:setup_room_types", "rooms": "hotel:setup_rooms", "rate_plans": "hotel:setup_rate_plans"}  # how far ahead the room type screen lists restrictions


def _render(request, template: str, context: dict, *forms):
    """A setup page; 422 when one of its forms carries errors (a refused or invalid post)."""
    status = 422 if any(f is not None and f.is_bound and f.errors for f in forms) else 200
    return render(request, template, context, status=status)


def _save(request, form, run):
    """Run the service for a valid posted form: its result, or None with the refusal on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return run(form.cleaned_data)
    except DomainError as exc:
        form.apply_refusal(exc)
        return None


def _context(request, tenant, prop, section: str, **extra) -> dict:
    return {"prop": prop, "props": list(selectors.properties(tenant, active=True)), "section": section, **extra}


# ---------------------------------------------------------------- properties

@login_required
def setup_home(request):
    """The Setup tab: the chosen (or first) property's details, or creating the first property."""
    tenant = require(request, SETUP)
    wanted, section = request.GET.get("property", ""), SECTIONS.get(request.GET.get("section", ""), "hotel:setup_property")
    if wanted.isdigit():
        return redirect(section, property_id=selectors.get_property(tenant, int(wanted)).pk)
    first = selectors.properties(tenant, active=True).first()
    return redirect(section, property_id=first.pk) if first else redirect("hotel:setup_property_new")


@login_required
def property_new(request):
    tenant = require(request, SETUP)
    form = PropertyForm(request.POST or None, initial={"time_zone": tenant.time_zone, "currency": tenant.currency})
    prop = _save(request, form, lambda c: services.create_property(tenant=tenant, actor=request.user, **form.service_data()))
    if prop is not None:
        messages.success(request, f"Property “{prop.name}” created. Add its room types next.")
        return redirect("hotel:setup_room_types", property_id=prop.pk)
    props = list(selectors.properties(tenant, active=True))
    return _render(request, "hotel/setup_property.html", {"prop": props[0] if props else None, "props": props, "section": "property", "form": form, "creating": True}, form)


@login_required
def property_edit(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    form = PropertyForm(request.POST or None, initial=PropertyForm.initial_for(prop))
    saved = _save(request, form, lambda c: services.update_property(tenant=tenant, actor=request.user, property_id=prop.pk, **form.service_data()))
    if saved is not None:
        messages.success(request, f"Property “{saved.name}” saved.")
        return redirect("hotel:setup_property", property_id=prop.pk)
    return _render(request, "hotel/setup_property.html", _context(request, tenant, prop, "property", form=form, creating=False), form)


# ---------------------------------------------------------------- room types and restrictions

@login_required
def room_type_list(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    types = selectors.room_types(tenant, property_id=prop.pk).order_by("code")
    counts = {rt.pk: 0 for rt in types}
    for room in selectors.rooms(tenant, property_id=prop.pk).filter(is_active=True):
        counts[room.room_type_id] = counts.get(room.room_type_id, 0) + 1
    rows = [{"rt": rt, "rooms": counts.get(rt.pk, 0)} for rt in types]
    return render(request, "hotel/setup_room_types.html", _context(request, tenant, prop, "room_types", rows=rows))


@login_required
def room_type_new(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    form = RoomTypeForm(request.POST or None)
    form.fields.pop("is_active")  # a new room type is active
    rt = _save(request, form, lambda c: services.create_room_type(
        tenant=tenant, actor=request.user, property_id=prop.pk, code=c["code"], name=c["name"], description=c["description"],
        max_adults=c["max_adults"], max_children=c["max_children"], max_occupancy=c["max_occupancy"]))
    if rt is not None:
        messages.success(request, f"Room type {rt.code} created.")
        return redirect("hotel:setup_room_types", property_id=prop.pk)
    return _render(request, "hotel/setup_room_type.html", _context(request, tenant, prop, "room_types", form=form, rt=None), form)


def _restriction_ranges(tenant, rt, today: dt.date) -> list[dict]:
    """The coming restrictions of a room type, consecutive dates with the same rules shown as one range."""
    ranges: list[dict] = []
    for r in selectors.restrictions(tenant, rt.pk, today, today + dt.timedelta(days=RESTRICTION_DAYS)).order_by("date"):
        rules = (r.min_stay, r.closed_to_arrival, r.closed_to_departure)
        last = ranges[-1] if ranges else None
        if last and last["rules"] == rules and last["end"] == r.date:
            last["end"] = r.date + dt.timedelta(days=1)
        else:
            ranges.append({"start": r.date, "end": r.date + dt.timedelta(days=1), "rules": rules, "min_stay": r.min_stay,
                           "cta": r.closed_to_arrival, "ctd": r.closed_to_departure})
    for item in ranges:
        item["last"] = item["end"] - dt.timedelta(days=1)
    return ranges


def _room_type_page(request, tenant, rt, form, restriction_form):
    prop = selectors.get_property(tenant, rt.property_id)
    today = selectors.business_date(prop)
    return _render(request, "hotel/setup_room_type.html", _context(
        request, tenant, prop, "room_types", form=form, rt=rt, restriction_form=restriction_form, restrictions=_restriction_ranges(tenant, rt, today),
        restriction_days=RESTRICTION_DAYS), form, restriction_form)


@login_required
def room_type_edit(request, room_type_id: int):
    tenant = require(request, SETUP)
    rt = selectors.get_room_type(tenant, room_type_id)
    form = RoomTypeForm(request.POST or None, initial=RoomTypeForm.initial_for(rt))
    form.fields["code"].disabled = True  # the code names the type in bookings and prices; it is not changed
    saved = _save(request, form, lambda c: services.update_room_type(tenant=tenant, actor=request.user, room_type_id=rt.pk, **{k: c[k] for k in RoomTypeForm.FIELDS}))
    if saved is not None:
        messages.success(request, f"Room type {saved.code} saved.")
        return redirect("hotel:setup_room_types", property_id=saved.property_id)
    today = selectors.business_date(selectors.get_property(tenant, rt.property_id))
    return _room_type_page(request, tenant, rt, form, RestrictionForm(initial={"start_date": today, "end_date": today + dt.timedelta(days=7)}))


@login_required
@require_POST
def room_type_restrictions(request, room_type_id: int):
    tenant = require(request, SETUP)
    rt = selectors.get_room_type(tenant, room_type_id)
    form = RestrictionForm(request.POST)
    count = _save(request, form, lambda c: services.set_restriction(
        tenant=tenant, actor=request.user, room_type_id=rt.pk, start_date=c["start_date"], end_date=c["end_date"], min_stay=c["min_stay"],
        closed_to_arrival=c["closed_to_arrival"], closed_to_departure=c["closed_to_departure"]))
    if count is not None:
        c = form.cleaned_data
        span = f"{dates.day(c['start_date'])} – {dates.day(c['end_date'] - dt.timedelta(days=1))}"
        messages.success(request, f"Restrictions set for {span}." if count else f"Restrictions cleared for {span}.")
        return redirect("hotel:setup_room_type", room_type_id=rt.pk)
    return _room_type_page(request, tenant, rt, RoomTypeForm(initial=RoomTypeForm.initial_for(rt)), form)


# ---------------------------------------------------------------- rooms

def _active_types(tenant, prop, keep=None):
    types = selectors.room_types(tenant, property_id=prop.pk).order_by("code")
    return [rt for rt in types if rt.is_active or rt.pk == keep]


@login_required
def room_list(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    rooms = selectors.rooms(tenant, property_id=prop.pk).order_by("floor", "room_number")
    return render(request, "hotel/setup_rooms.html", _context(request, tenant, prop, "rooms", rooms=rooms,
                                                               has_types=selectors.room_types(tenant, property_id=prop.pk).exists()))


@login_required
def room_new(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    form = RoomForm(request.POST or None, room_types=_active_types(tenant, prop), initial={"room_type": request.GET.get("room_type")})
    form.fields.pop("is_active")  # a new room is active
    room = _save(request, form, lambda c: services.create_room(tenant=tenant, actor=request.user, property_id=prop.pk, room_type_id=c["room_type"],
                                                               room_number=c["room_number"], floor=c["floor"], name=c["name"]))
    if room is not None:
        messages.success(request, f"Room {room.room_number} created; it is on the tape chart.")
        return redirect("hotel:setup_rooms", property_id=prop.pk)
    return _render(request, "hotel/setup_room.html", _context(request, tenant, prop, "rooms", form=form, room=None), form)


@login_required
def room_edit(request, room_id: int):
    tenant = require(request, SETUP)
    room = selectors.get_room(tenant, room_id)
    prop = selectors.get_property(tenant, room.property_id)
    form = RoomForm(request.POST or None, room_types=_active_types(tenant, prop, keep=room.room_type_id), initial=RoomForm.initial_for(room))
    for name in ("room_number", "room_type"):  # the number and type carry the room's bookings; the services keep them
        form.fields[name].disabled = True
    saved = _save(request, form, lambda c: services.update_room(tenant=tenant, actor=request.user, room_id=room.pk, floor=c["floor"], name=c["name"], is_active=c["is_active"]))
    if saved is not None:
        messages.success(request, f"Room {saved.room_number} saved.")
        return redirect("hotel:setup_rooms", property_id=prop.pk)
    return _render(request, "hotel/setup_room.html", _context(request, tenant, prop, "rooms", form=form, room=room), form)


# ---------------------------------------------------------------- rate plans and prices

@login_required
def rate_plan_list(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    plans = list(selectors.rate_plans(tenant, property_id=prop.pk))
    return render(request, "hotel/setup_rate_plans.html", _context(request, tenant, prop, "rate_plans", plans=plans))


@login_required
def rate_plan_new(request, property_id: int):
    tenant = require(request, SETUP)
    prop = selectors.get_property(tenant, property_id)
    form = RatePlanForm(request.POST or None)
    form.fields.pop("is_active")  # a new plan is active
    plan = _save(request, form, lambda c: services.create_rate_plan(tenant=tenant, actor=request.user, property_id=prop.pk, code=c["code"], name=c["name"],
                                                                    description=c["description"], is_default=c["is_default"]))
    if plan is not None:
        messages.success(request, f"Rate plan {plan.code} created. Set its prices per room type below.")
        return redirect("hotel:setup_rate_plan", rate_plan_id=plan.pk)
    return _render(request, "hotel/setup_rate_plan.html", _context(request, tenant, prop, "rate_plans", form=form, plan=None), form)


def _rate_plan_page(request, tenant, plan, form, price_form):
    prop = selectors.get_property(tenant, plan.property_id)
    types = {rt.pk: rt for rt in selectors.room_types(tenant, property_id=prop.pk)}
    prices = [{"row": p, "room_type": types.get(p.room_type_id), "last_night": p.end_date - dt.timedelta(days=1)}
              for p in selectors.rate_prices(tenant, plan.pk).order_by("room_type_id", "start_date", "id")[:300]]
    return _render(request, "hotel/setup_rate_plan.html", _context(request, tenant, prop, "rate_plans", form=form, plan=plan, price_form=price_form,
                                                                    prices=prices, has_types=bool(types)), form, price_form)


def _price_form(tenant, plan, data=None):
    prop = selectors.get_property(tenant, plan.property_id)
    today = selectors.business_date(prop)
    return RatePriceForm(data, room_types=_active_types(tenant, prop), initial={"start_date": today, "end_date": today + dt.timedelta(days=365)})


@login_required
def rate_plan_edit(request, rate_plan_id: int):
    tenant = require(request, SETUP)
    plan = selectors.get_rate_plan(tenant, rate_plan_id)
    form = RatePlanForm(request.POST or None, initial=RatePlanForm.initial_for(plan))
    form.fields["code"].disabled = True  # reservations name the plan by its code
    saved = _save(request, form, lambda c: services.update_rate_plan(tenant=tenant, actor=request.user, rate_plan_id=plan.pk, **{k: c[k] for k in RatePlanForm.FIELDS}))
    if saved is not None:
        messages.success(request, f"Rate plan {saved.code} saved.")
        return redirect("hotel:setup_rate_plans", property_id=saved.property_id)
    return _rate_plan_page(request, tenant, plan, form, _price_form(tenant, plan))


@login_required
@require_POST
def rate_plan_price(request, rate_plan_id: int):
    tenant = require(request, SETUP)
    plan = selectors.get_rate_plan(tenant, rate_plan_id)
    form = _price_form(tenant, plan, request.POST)
    price = _save(request, form, lambda c: services.set_rate_price(
        tenant=tenant, actor=request.user, rate_plan_id=plan.pk, room_type_id=c["room_type"], start_date=c["start_date"], end_date=c["end_date"],
        nightly_base_cents=Money.from_decimal(c["amount"], plan.currency).minor))
    if price is not None:
        messages.success(request, f"{price.room_type.code}: {Money(price.nightly_base_cents, plan.currency)} a night from {dates.day(price.start_date)}"
                                  f" to {dates.day(price.end_date - dt.timedelta(days=1))}.")
        return redirect(reverse("hotel:setup_rate_plan", args=[plan.pk]) + "#prices")
    return _rate_plan_page(request, tenant, plan, RatePlanForm(initial=RatePlanForm.initial_for(plan)), form)

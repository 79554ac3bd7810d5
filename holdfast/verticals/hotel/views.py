"""Hotel screens: tape chart, availability and booking, reservation detail with folio, front desk,
housekeeping board, occupancy dashboard. Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import STALE_SCREEN_MESSAGE, can, page_of, posted_version, querystring_without_page, require, show_refusal
from holdfast.core.billing import selectors as billing_selectors
from holdfast.kit.errors import DomainError, NotFound
from holdfast.kit.money import Money
from holdfast.kit import dates

from . import pdf, selectors, services
from .forms import BlockForm, ChargeForm, MoveForm, PaymentForm, ReservationForm, ResizeForm, RoomStatusForm, SearchForm, SettleForm, WalkInForm
from .models import Reservation, Room

TAPE_DAYS = 14


def _property(request, tenant):
    """The property the screen is about: ?property=<id>, else the first active one."""
    props = list(selectors.properties(tenant, active=True))
    wanted = request.GET.get("property") or request.POST.get("property")
    if wanted:
        try:
            chosen = selectors.get_property(tenant, int(wanted))
        except (ValueError, NotFound):
            chosen = props[0] if props else None
    else:
        chosen = props[0] if props else None
    return chosen, props


def _date(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _minor(amount, currency: str) -> int:
    return Money.from_decimal(amount, currency).minor


def _with_property(name: str, prop, **params) -> str:
    query = {"property": prop.pk, **params} if prop else params
    return f"{reverse(name)}?{urlencode(query)}"


def _empty(request):
    return render(request, "hotel/empty.html", {})


@login_required
def home(request):
    return redirect(f"{reverse('hotel:tape')}?{request.GET.urlencode()}" if request.GET else reverse("hotel:tape"))


@login_required
def tape_chart(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    start = _date(request.GET.get("start"), today - dt.timedelta(days=2))
    chart = selectors.tape_chart(tenant, prop, start, TAPE_DAYS)
    return render(request, "hotel/tape.html", {
        "prop": prop, "props": props, "chart": chart, "today": today, "prev": start - dt.timedelta(days=7), "next": start + dt.timedelta(days=7),
        "can_book": can(request, "hotel.reservation.manage"), "can_setup": can(request, "hotel.setup"),
    })


@login_required
def availability(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    form = SearchForm(request.GET if "check_in" in request.GET else None, initial={"check_in": today, "check_out": today + dt.timedelta(days=1)})
    results = None
    if form.is_bound and form.is_valid():
        try:
            results = selectors.availability(tenant, prop, form.cleaned_data["check_in"], form.cleaned_data["check_out"],
                                             adults=form.cleaned_data["adults"], children=form.cleaned_data["children"])
        except DomainError as exc:
            show_refusal(request, exc)
    return render(request, "hotel/availability.html", {"prop": prop, "props": props, "form": form, "results": results, "can_book": can(request, "hotel.reservation.manage")})


@login_required
def reservation_list(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    q, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    arriving = _date(request.GET.get("arriving"), None)
    qs = selectors.reservations(tenant, property_id=prop.pk, status=status or None, search=q or None, arriving=arriving).order_by("-check_in_date", "-id")
    return render(request, "hotel/reservation_list.html", {"prop": prop, "props": props, "page": page_of(request, qs), "q": q, "status": status,
                                                           "arriving": arriving, "statuses": Reservation.STATUSES, "qs": querystring_without_page(request),
                                                           "can_book": can(request, "hotel.reservation.manage")})


@login_required
def reservation_new(request):
    tenant = require(request, "hotel.reservation.manage")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    initial = {"check_in_date": _date(request.GET.get("check_in"), today), "check_out_date": _date(request.GET.get("check_out"), today + dt.timedelta(days=1)),
               "room_type": request.GET.get("room_type"), "room": request.GET.get("room"), "adults": request.GET.get("adults", 2), "children": request.GET.get("children", 0)}
    kwargs = {"room_types": selectors.room_types(tenant, property_id=prop.pk).filter(is_active=True),
              "rooms": selectors.rooms(tenant, property_id=prop.pk).filter(is_active=True, is_out_of_order=False)}
    form = ReservationForm(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            res = services.create_reservation(
                tenant=tenant, actor=request.user, property_id=prop.pk, room_type_id=c["room_type"], room_id=c["room"], check_in_date=c["check_in_date"],
                check_out_date=c["check_out_date"], adults=c["adults"], children=c["children"], status=c["status"], source_type=c["source_type"],
                guest={"first_name": c["first_name"], "last_name": c["last_name"], "email": c["email"], "phone": c["phone"]},
                guest_notes=c["guest_notes"], internal_notes=c["internal_notes"],
            )
        except DomainError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, f"Reservation {res.pk} booked for {res.guest_name}.")
            return redirect("hotel:reservation", reservation_id=res.pk)
    return render(request, "hotel/reservation_new.html", {"prop": prop, "props": props, "form": form})


@login_required
def reservation_detail(request, reservation_id: int):
    tenant = require(request, "hotel.view")
    res = selectors.get_reservation(tenant, reservation_id)
    prop = res.property
    folio = selectors.folio(tenant, res)
    preview = selectors.folio_preview(tenant, res, folio)
    due = preview["due_at_checkout_cents"] if preview["in_house"] else preview["balance_cents"]
    free = selectors.free_rooms(tenant, prop, res.check_in_date, res.check_out_date, exclude_reservation=res).exclude(pk=res.room_id or 0)
    return render(request, "hotel/reservation_detail.html", {
        "res": res, "prop": prop, "folio": folio, "entries": selectors.folio_entries(tenant, folio), "today": selectors.business_date(prop),
        "invoices": billing_selectors.invoices_of_ledger(tenant, folio.pk), "can_see_invoices": can(request, "billing.view"),
        "history": res.booking.history.all(), "move_form": MoveForm(rooms=free), "resize_form": ResizeForm(initial={"check_in_date": res.check_in_date, "check_out_date": res.check_out_date}),
        "preview": preview, "pay_form": PaymentForm(initial={"amount": Money(due, folio.currency).to_decimal()} if due > 0 else None),
        "settle_form": SettleForm(initial={"expected": preview["due_at_checkout_cents"]}), "charge_form": ChargeForm(),
        "can_manage": can(request, "hotel.reservation.manage"), "can_desk": can(request, "hotel.frontdesk"), "can_folio": can(request, "hotel.folio.manage"),
    })


@login_required
def folio_pdf(request, reservation_id: int):
    tenant = require(request, "hotel.view")
    res = selectors.get_reservation(tenant, reservation_id)
    response = HttpResponse(pdf.folio_pdf(tenant, res), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="folio-{res.pk}.pdf"'
    return response


def _run_action(request, tenant, res, action: str):
    actor, rid = request.user, res.pk
    post = request.POST
    # The reservation version the page (or tape bar) was rendered at: a step from a stale screen is refused.
    v = posted_version(request)
    if action == "move":
        form = MoveForm(post, rooms=selectors.rooms(tenant, property_id=res.property_id))
        if form.is_valid():
            services.assign_room(tenant=tenant, actor=actor, reservation_id=rid, room_id=form.cleaned_data["room"], **v)
            return "Room assigned." if res.room_id is None else "Reservation moved."
    elif action == "resize":
        form = ResizeForm(post)
        if form.is_valid():
            services.resize_reservation(tenant=tenant, actor=actor, reservation_id=rid, **form.cleaned_data, **v)
            return "Stay dates changed."
    elif action == "confirm":
        services.confirm_reservation(tenant=tenant, actor=actor, reservation_id=rid, **v)
        return "Reservation confirmed."
    elif action == "cancel":
        services.cancel_reservation(tenant=tenant, actor=actor, reservation_id=rid, reason=post.get("reason", "")[:300], **v)
        return "Reservation cancelled; the room is free again."
    elif action == "check-in":
        services.check_in(tenant=tenant, actor=actor, reservation_id=rid, **v)
        return "Guest checked in."
    elif action == "check-out":
        services.check_out(tenant=tenant, actor=actor, reservation_id=rid, allow_balance=post.get("allow_balance") == "1", **v)
        return "Guest checked out."
    elif action == "no-show":
        services.mark_no_show(tenant=tenant, actor=actor, reservation_id=rid, **v)
        return "Marked as no-show."
    elif action == "pay":
        form = PaymentForm(post)
        if form.is_valid():
            services.record_folio_payment(tenant=tenant, actor=actor, reservation_id=rid, amount_cents=_minor(form.cleaned_data["amount"], res.currency),
                                          method=form.cleaned_data["method"], reference=form.cleaned_data["reference"],
                                          confirm_overpayment=form.cleaned_data["confirm_overpayment"])
            return "Payment recorded."
    elif action == "pay-and-check-out":
        form = SettleForm(post)
        if form.is_valid():
            c = form.cleaned_data
            services.pay_and_check_out(tenant=tenant, actor=actor, reservation_id=rid, expected_cents=c["expected"], method=c["method"], reference=c["reference"], **v)
            return f"Payment of {Money(c['expected'], res.currency)} recorded and the guest checked out." if c["expected"] > 0 else "Guest checked out."
    elif action == "charge":
        form = ChargeForm(post)
        if form.is_valid():
            services.post_folio_entry(tenant=tenant, actor=actor, reservation_id=rid, entry_type=form.cleaned_data["entry_type"],
                                      amount_cents=_minor(form.cleaned_data["amount"], res.currency), description=form.cleaned_data["description"])
            return "Posted to the folio."
    elif action == "invoice":
        invoice = services.invoice_folio(tenant=tenant, actor=actor, reservation_id=rid)
        return f"Invoice {invoice.display_number} issued for the folio."
    else:
        raise NotFound("Unknown action.")
    messages.error(request, "Please correct the form.")
    return None


def _submit(request, form, invalid: str, run):
    """A form post's one shape: an invalid form or a refused step becomes a message and None; otherwise
    what `run(cleaned_data)` returned (the service's result)."""
    if not form.is_valid():
        messages.error(request, invalid)
        return None
    try:
        return run(form.cleaned_data)
    except DomainError as exc:
        show_refusal(request, exc)
        return None


@login_required
@require_POST
def reservation_action(request, reservation_id: int, action: str):
    tenant = require(request, "hotel.view")
    res = selectors.get_reservation(tenant, reservation_id)
    try:
        done = _run_action(request, tenant, res, action)
    except DomainError as exc:
        show_refusal(request, exc, stale_message=STALE_SCREEN_MESSAGE)
    else:
        if done:
            messages.success(request, done)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/hotel/") else reverse("hotel:reservation", args=[reservation_id]))


@login_required
def frontdesk(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    free_now = selectors.free_rooms(tenant, prop, today, today + dt.timedelta(days=1)).filter(status=Room.VACANT_CLEAN)
    return render(request, "hotel/frontdesk.html", {
        "prop": prop, "props": props, "today": today, "arrivals": selectors.arrivals(tenant, prop, today), "departures": selectors.departures(tenant, prop, today),
        "in_house": selectors.in_house(tenant, prop), "overdue": selectors.overdue_arrivals(tenant, prop, today)[:50],
        "walk_in_form": WalkInForm(rooms=free_now, initial={"check_out_date": today + dt.timedelta(days=1)}), "can_desk": can(request, "hotel.frontdesk"),
        "here": request.get_full_path(),
    })


@login_required
@require_POST
def walk_in(request):
    tenant = require(request, "hotel.frontdesk")
    prop, _ = _property(request, tenant)
    res = _submit(request, WalkInForm(request.POST, rooms=selectors.rooms(tenant, property_id=prop.pk)), "Please correct the walk-in form.", lambda c: services.walk_in(
        tenant=tenant, actor=request.user, property_id=prop.pk, room_id=c["room"], check_out_date=c["check_out_date"], adults=c["adults"],
        guest={"first_name": c["first_name"], "last_name": c["last_name"]}))
    if res is None:
        return redirect(_with_property("hotel:frontdesk", prop))
    messages.success(request, f"{res.guest_name} checked in to room {res.room.room_number}.")
    return redirect("hotel:reservation", reservation_id=res.pk)


@login_required
def housekeeping(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    rooms = list(selectors.rooms(tenant, property_id=prop.pk).filter(is_active=True).order_by("floor", "room_number"))
    in_house = {r.room_id: r for r in selectors.in_house(tenant, prop)}
    departing = {r.room_id for r in selectors.departures(tenant, prop, today)}
    arriving = {r.room_id for r in selectors.arrivals(tenant, prop, today) if r.room_id}
    board = [{"room": r, "guest": in_house.get(r.pk), "departing": r.pk in departing, "arriving": r.pk in arriving} for r in rooms]
    counts = {code: sum(1 for r in rooms if r.status == code) for code, _ in Room.STATUSES}
    return render(request, "hotel/housekeeping.html", {
        "prop": prop, "props": props, "today": today, "board": board, "counts": counts, "statuses": Room.STATUSES, "log": selectors.status_log(tenant, prop, today)[:50],
        "block_form": BlockForm(rooms=rooms, initial={"start_date": today, "end_date": today + dt.timedelta(days=1)}), "can_clean": can(request, "hotel.housekeeping"),
    })


@login_required
@require_POST
def room_status(request, room_id: int):
    tenant = require(request, "hotel.housekeeping")
    room = selectors.get_room(tenant, room_id)
    changed = _submit(request, RoomStatusForm(request.POST), "Choose a status.",
                      lambda c: services.set_room_status(tenant=tenant, actor=request.user, room_id=room.pk, status=c["status"], reason=c["reason"]))
    if changed is not None:
        messages.success(request, f"Room {room.room_number} is now {changed.get_status_display().lower()}.")
    return redirect(_with_property("hotel:housekeeping", room.property))


@login_required
@require_POST
def room_block(request):
    tenant = require(request, "hotel.housekeeping")
    prop, _ = _property(request, tenant)
    blocked = _submit(request, BlockForm(request.POST, rooms=selectors.rooms(tenant, property_id=prop.pk)), "Please correct the block form.", lambda c: services.add_room_block(
        tenant=tenant, actor=request.user, room_id=c["room"], start_date=c["start_date"], end_date=c["end_date"], kind=c["kind"], reason=c["reason"]))
    if blocked is not None:
        messages.success(request, "Room blocked.")
    return redirect(_with_property("hotel:housekeeping", prop))


@login_required
def occupancy(request):
    tenant = require(request, "hotel.view")
    prop, props = _property(request, tenant)
    if prop is None:
        return _empty(request)
    today = selectors.business_date(prop)
    start, end = today - dt.timedelta(days=14), today + dt.timedelta(days=31)
    rows = {o.business_date: o for o in selectors.occupancy(tenant, prop, start, end)}
    total_rooms = selectors.rooms(tenant, property_id=prop.pk).filter(is_active=True).count() or 1
    bars, width = [], 14
    for i in range(45):
        day = start + dt.timedelta(days=i)
        row = rows.get(day)
        occupied = row.rooms_occupied if row else 0
        height = round(150 * min(occupied, total_rooms) / total_rooms)
        bars.append({"x": 30 + i * width, "y": 170 - height, "height": height, "day": day, "occupied": occupied, "today": day == today,
                     "label": dates.render(day, "MONTH_DAY_FORMAT") if day.weekday() == 0 else "", "pct": round(100 * occupied / total_rooms)})
    today_row = rows.get(today)
    next7 = [rows.get(today + dt.timedelta(days=i)) for i in range(7)]
    forward = round(100 * sum(r.rooms_occupied for r in next7 if r) / (7 * total_rooms))
    return render(request, "hotel/occupancy.html", {
        "prop": prop, "props": props, "today": today, "bars": bars, "total_rooms": total_rooms, "today_row": today_row, "forward": forward,
        "today_pct": round(100 * (today_row.rooms_occupied if today_row else 0) / total_rooms), "chart_width": 30 + 45 * width + 10,
        "can_audit": can(request, "hotel.audit.run"), "yesterday": today - dt.timedelta(days=1),
    })


@login_required
@require_POST
def night_audit(request):
    tenant = require(request, "hotel.audit.run")
    prop, _ = _property(request, tenant)
    day = _date(request.POST.get("business_date"), selectors.business_date(prop) - dt.timedelta(days=1))
    try:
        n = services.run_night_audit(tenant=tenant, actor=request.user, property_id=prop.pk, business_date_=day)
    except DomainError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, f"Night audit for {day}: {n} reservations charged.")
    return redirect(_with_property("hotel:occupancy", prop))



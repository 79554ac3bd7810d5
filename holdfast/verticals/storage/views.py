"""Storage screens (seed 002). Customers: facility finder, facility page with availability and the
booking wizard (live quote), their bookings, booking detail (confirm, cancel, pay). Staff: bookings
board, capacity calendar per facility (colour by fill), facilities / companies / features / media,
invoices and receipts (bulk), prices and taxes with the repricing preview.
Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import can, require, show_refusal
from holdfast.core.billing import services as billing
from holdfast.core.customers.models import Customer
from holdfast.kit import clock
from holdfast.kit.errors import DomainError, PermissionDenied
from holdfast.kit.money import Money
from holdfast.kit import dates

from . import selectors, services
from .forms import (
    BasePriceForm, BookingForm, CompanyForm, FacilityForm, FeatureForm, FeaturePriceForm, FinderForm, MediaForm, PaymentForm, ReasonForm, ReceiptForm, SlotsForm, TaxForm,
)
from .models import BOOKING_STATES, HELD, FacilityMedia

OVERLAP_RULE = ("Where price periods overlap, the rule that applies on a day is: a promotional rate over a standard one, then the most specific "
                "(one facility over every facility), then the latest start, then the newest. Periods are [from, until): the until day is not included.")


def _minor(amount, currency: str) -> int:
    return Money.from_decimal(amount, currency).minor


def _form_refusal(request, form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{'' if field == '__all__' else field + ': '}{' '.join(errors)}")


def _browse(request):
    """Staff (storage.view) or a booking customer (storage.booking.create); returns (tenant, is_staff)."""
    if can(request, "storage.view"):
        return require(request, "storage.view"), True
    return require(request, "storage.booking.create"), False


def _feature_choices(tenant):
    return [(f.code, f.name) for f in selectors.features(tenant)]


# ---------------------------------------------------------------- customers: finder, facility, wizard

@login_required
def finder(request):
    tenant, staff = _browse(request)
    form = FinderForm(request.GET or None, feature_choices=_feature_choices(tenant))
    results = None
    if form.is_valid():
        d = form.cleaned_data
        results = selectors.search_facilities(tenant, q=d["q"] or None, lat=d["lat"], lng=d["lng"], radius_km=d["radius_km"], features=d["features"],
                                              start_date=d["start_date"], end_date=d["end_date"], pallets=d["pallets"])
    elif not request.GET:
        results = selectors.search_facilities(tenant)
    return render(request, "storage/finder.html", {"form": form, "results": results, "is_staff": staff, "query": request.GET.urlencode()})


def _wizard(request, tenant, facility, staff, data=None):
    offered = [(ff.feature.code, ff.feature.name) for ff in selectors.facility_features(facility)]
    customers = [(c.pk, c.name) for c in Customer.objects.for_tenant(tenant).order_by("name")[:500]] if staff and can(request, "storage.booking.manage") else None
    start = clock.local_today(facility.site.time_zone) + dt.timedelta(days=1)
    initial = {"start_date": request.GET.get("start_date") or start, "end_date": request.GET.get("end_date") or start + dt.timedelta(days=7), "pallets": request.GET.get("pallets") or 1}
    return BookingForm(data, initial=initial, feature_choices=offered, customer_choices=customers)


@login_required
def facility_page(request, facility_id: int):
    tenant, staff = _browse(request)
    facility = selectors.get_facility(tenant, facility_id)
    start = clock.local_today(facility.site.time_zone)
    try:
        start = dt.date.fromisoformat(request.GET.get("from", "")) if request.GET.get("from") else start
    except ValueError:
        pass
    context = {"f": facility, "is_staff": staff, "form": _wizard(request, tenant, facility, staff), "calendar": selectors.calendar(facility, start, 28),
               "features": selectors.facility_features(facility, active_only=not staff), "media": selectors.facility_media(facility), "can_manage": can(request, "storage.facility.manage"),
               "media_form": MediaForm(), "all_features": selectors.features(tenant), "from": start, "prev": start - dt.timedelta(days=28), "next": start + dt.timedelta(days=28)}
    return render(request, "storage/facility.html", context)


@login_required
def quote_partial(request, facility_id: int):
    """The wizard's live quote (HTMX): the pricing rows, feature lines, tax, total and free pallets."""
    tenant, staff = _browse(request)
    facility = selectors.get_facility(tenant, facility_id)
    form = _wizard(request, tenant, facility, staff, request.GET)
    quote, refusal = None, None
    if form.is_valid():
        d = form.cleaned_data
        try:
            quote = services.preview_booking(tenant=tenant, facility_pk=facility.pk, start_date=d["start_date"], end_date=d["end_date"], pallets=d["pallets"], features=d["features"],
                                             pallet_height_cm=d["pallet_height_cm"], pallet_width_cm=d["pallet_width_cm"])
        except DomainError as exc:
            refusal = exc
    return render(request, "storage/_quote.html", {"quote": quote, "refusal": refusal, "form": form, "f": facility})


@login_required
@require_POST
def book(request, facility_id: int):
    tenant, staff = _browse(request)
    facility = selectors.get_facility(tenant, facility_id)
    form = _wizard(request, tenant, facility, staff, request.POST)
    if not form.is_valid():
        _form_refusal(request, form)
        return redirect("storage:facility", facility_id=facility.pk)
    d = form.cleaned_data
    try:
        storage = services.hold_booking(tenant=tenant, actor=request.user, facility_pk=facility.pk, start_date=d["start_date"], end_date=d["end_date"], pallets=d["pallets"],
                                        features=d["features"], customer_id=d.get("customer_id"), pallet_height_cm=d["pallet_height_cm"], pallet_width_cm=d["pallet_width_cm"])
    except DomainError as exc:
        show_refusal(request, exc)
        for field, errors in (exc.fields or {}).items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("storage:facility", facility_id=facility.pk)
    messages.success(request, ngettext("%(n)d pallet", "%(n)d pallets", storage.pallets) % {"n": storage.pallets} + f" held as {storage.booking_ref} until {dates.clock_time(storage.booking.hold.expires_at)}.")
    return redirect("storage:booking", booking_id=storage.pk)


@login_required
def my_bookings(request):
    tenant = require(request, "storage.booking.create")
    rows = [selectors.booking_summary(tenant, b) for b in selectors.bookings_for(tenant, None).filter(customer__user=request.user)[:100]]
    return render(request, "storage/my_bookings.html", {"rows": rows})


@login_required
def media_file(request, media_id: int):
    """A facility photo or document, read through Django's storage API (any backend)."""
    tenant, _ = _browse(request)
    media = selectors.get_media(tenant, media_id)
    return FileResponse(media.file.open("rb"), content_type=media.content_type or "application/octet-stream", as_attachment=media.kind == FacilityMedia.DOCUMENT,
                        filename=media.file.name.rsplit("/", 1)[-1])


# ---------------------------------------------------------------- one booking (customers and staff)

@login_required
def booking_detail(request, booking_id: int):
    tenant, staff = _browse(request)
    storage = selectors.get_booking(tenant, request.user, booking_id)
    context = {"b": selectors.booking_summary(tenant, storage), "s": storage, "is_staff": staff, "history": storage.booking.history.order_by("id"),
               "lines": selectors.price_parts(tenant, storage)["lines"], "invoices": selectors.booking_invoices(tenant, storage), "receipts": selectors.booking_receipts(tenant, storage),
               "pay_form": PaymentForm(), "reason_form": ReasonForm(), "can_manage": can(request, "storage.booking.manage"), "can_pay": can(request, "storage.payment.record"),
               "own": storage.customer.user_id == request.user.pk}
    return render(request, "storage/booking_detail.html", context)


@login_required
@require_POST
def booking_action(request, booking_id: int, action: str):
    tenant, _ = _browse(request)
    storage = selectors.get_booking(tenant, request.user, booking_id)
    reason = request.POST.get("reason", "")[:300]
    steps = {"confirm": ("Booking confirmed; the price is locked and invoiced.", lambda: services.confirm_booking(tenant=tenant, actor=request.user, booking_id=storage.pk)),
             "cancel": ("Booking cancelled; the pallets are free again.", lambda: services.cancel_booking(tenant=tenant, actor=request.user, booking_id=storage.pk, reason=reason)),
             "extend": ("Hold extended.", lambda: services.extend_hold(tenant=tenant, actor=request.user, booking_id=storage.pk))}
    try:
        if action in steps:
            done, step = steps[action]
            step()
            messages.success(request, done)
        elif action == "pay":
            form = PaymentForm(request.POST)
            if not form.is_valid():
                _form_refusal(request, form)
            else:
                d = form.cleaned_data
                method = d["method"] if can(request, "storage.payment.record") else "CARD"
                services.pay_booking(tenant=tenant, actor=request.user, booking_id=storage.pk, amount_minor=_minor(d["amount"], storage.currency), method=method, reference=d["reference"])
                messages.success(request, "Payment recorded.")
        else:
            raise Http404("Unknown step.")
    except DomainError as exc:
        show_refusal(request, exc)
    return redirect("storage:booking", booking_id=storage.pk)


# ---------------------------------------------------------------- staff: board and calendar

@login_required
def board(request):
    if not can(request, "storage.view"):
        require(request, "storage.booking.create")
        return redirect("storage:finder")
    tenant = require(request, "storage.view")
    facility_pk = request.GET.get("facility") or None
    facility_pk = int(facility_pk) if facility_pk and facility_pk.isdigit() else None
    columns = selectors.board(tenant, request.user, facility_pk=facility_pk)
    counts = {s: selectors.bookings_for(tenant, None, facility_pk=facility_pk, status=s).count() for s in BOOKING_STATES if s != "NEW"}
    return render(request, "storage/board.html", {"columns": columns, "counts": counts, "facilities": selectors.facilities(tenant), "facility_pk": facility_pk})


@login_required
def capacity_calendar(request):
    tenant = require(request, "storage.view")
    facilities = list(selectors.facilities(tenant))
    if not facilities:
        return render(request, "storage/calendar.html", {"facility": None, "facilities": []})
    wanted = request.GET.get("facility") or request.POST.get("facility") or ""
    facility = next((f for f in facilities if str(f.pk) == wanted), facilities[0])
    today = clock.local_today(facility.site.time_zone)
    try:
        start = dt.date.fromisoformat(request.GET["start"]) if request.GET.get("start") else today
    except ValueError:
        start = today
    form = SlotsForm(request.POST or None, initial={"start_date": today, "end_date": today + dt.timedelta(days=30)})
    if request.method == "POST":
        require(request, "storage.facility.manage")
        if not form.is_valid():
            _form_refusal(request, form)
        else:
            d = form.cleaned_data
            policy = {"deposit_required": d["deposit_required"], "deposit_minor": None if d["deposit"] is None else _minor(d["deposit"], facility.currency),
                      "free_cancellation": d["free_cancellation"], "cancellation_minor": None if d["cancellation"] is None else _minor(d["cancellation"], facility.currency),
                      "cancellation_window": d["cancellation_window"], "cancellation_unit": d["cancellation_unit"], "prepayment_required": d["prepayment_required"]}
            try:
                rows = services.open_slots(tenant=tenant, actor=request.user, facility_pk=facility.pk, start_date=d["start_date"], end_date=d["end_date"], capacity=d["capacity"], policy=policy)
            except DomainError as exc:
                show_refusal(request, exc)
                for field, errors in (exc.fields or {}).items():
                    messages.error(request, f"{field}: {' '.join(errors)}")
            else:
                messages.success(request, ngettext("%(n)d day set to", "%(n)d days set to", len(rows)) % {"n": len(rows)} + " " + ngettext("%(n)d pallet.", "%(n)d pallets.", d["capacity"]) % {"n": d["capacity"]})
                return redirect(f"{request.path}?facility={facility.pk}&start={d['start_date'].isoformat()}")
    cells = selectors.calendar(facility, start - dt.timedelta(days=start.weekday()), 35)
    weeks = [cells[i:i + 7] for i in range(0, len(cells), 7)]
    return render(request, "storage/calendar.html", {"facility": facility, "facilities": facilities, "weeks": weeks, "form": form, "today": today, "start": start,
                                                     "prev": start - dt.timedelta(days=28), "next": start + dt.timedelta(days=28), "can_manage": can(request, "storage.facility.manage")})


# ---------------------------------------------------------------- staff: facilities, companies, features, media

@login_required
def facilities(request):
    tenant = require(request, "storage.view")
    companies = [(c.pk, c.name) for c in selectors.companies(tenant)]
    facility_form = FacilityForm(request.POST if request.POST.get("form") == "facility" else None, company_choices=companies, initial={"status": "ACTIVE", "time_zone": tenant.time_zone})
    company_form = CompanyForm(request.POST if request.POST.get("form") == "company" else None)
    feature_form = FeatureForm(request.POST if request.POST.get("form") == "feature" else None)
    if request.method == "POST":
        require(request, "storage.facility.manage")
        try:
            if facility_form.is_bound and facility_form.is_valid():
                d = dict(facility_form.cleaned_data)
                hours = (d.pop("open_hours") or "").strip()
                if hours.startswith("{"):
                    try:
                        hours = json.loads(hours)
                    except ValueError:
                        hours = {"?": hours}
                d = {k: v for k, v in d.items() if v not in (None, "")}
                created = services.create_facility(tenant=tenant, actor=request.user, open_hours=hours or None, **d)
                messages.success(request, f"Facility {created.name} created; open its slots in the capacity calendar.")
                return redirect("storage:facility", facility_id=created.pk)
            if company_form.is_bound and company_form.is_valid():
                created = services.create_company(tenant=tenant, actor=request.user, **company_form.cleaned_data)
                messages.success(request, f"Company {created.name} created.")
                return redirect("storage:facilities")
            if feature_form.is_bound and feature_form.is_valid():
                created = services.create_feature(tenant=tenant, actor=request.user, **feature_form.cleaned_data)
                messages.success(request, f"Feature {created.code} created.")
                return redirect("storage:facilities")
            for form in (facility_form, company_form, feature_form):
                if form.is_bound:
                    _form_refusal(request, form)
        except DomainError as exc:
            show_refusal(request, exc)
            for field, errors in (exc.fields or {}).items():
                messages.error(request, f"{field}: {' '.join(errors)}")
    return render(request, "storage/facilities.html", {
        "facilities": selectors.facilities(tenant, include_deleted=True), "companies": selectors.companies(tenant, include_deleted=True), "features": selectors.features(tenant),
        "facility_form": facility_form, "company_form": company_form, "feature_form": feature_form, "can_manage": can(request, "storage.facility.manage")})


@login_required
@require_POST
def facility_action(request, facility_id: int, action: str):
    tenant = require(request, "storage.facility.manage")
    facility = selectors.get_facility(tenant, facility_id, include_deleted=True)
    try:
        if action in ("delete", "restore"):
            services.set_facility_deleted(tenant=tenant, actor=request.user, facility_pk=facility.pk, deleted=action == "delete")
            messages.success(request, f"{facility.name} {'hidden (restorable)' if action == 'delete' else 'restored'}.")
            return redirect("storage:facilities")
        if action == "feature":
            services.set_facility_feature(tenant=tenant, actor=request.user, facility_pk=facility.pk, feature_pk=int(request.POST.get("feature_pk") or 0),
                                          is_active=request.POST.get("is_active") == "1")
            messages.success(request, "Features updated.")
        elif action == "media":
            form = MediaForm(request.POST, request.FILES)
            if form.is_valid():
                services.add_media(tenant=tenant, actor=request.user, facility_pk=facility.pk, upload=form.cleaned_data["file"], caption=form.cleaned_data["caption"])
                messages.success(request, "File stored.")
            else:
                _form_refusal(request, form)
        elif action == "unmedia":
            services.remove_media(tenant=tenant, actor=request.user, media_pk=int(request.POST.get("media_pk") or 0))
            messages.success(request, "File removed from the page.")
        else:
            raise Http404("Unknown step.")
    except (DomainError, ValueError) as exc:
        if isinstance(exc, DomainError):
            show_refusal(request, exc)
            for field, errors in (exc.fields or {}).items():
                messages.error(request, f"{field}: {' '.join(errors)}")
        else:
            messages.error(request, "That was not a valid choice.")
    return redirect("storage:facility", facility_id=facility.pk)


# ---------------------------------------------------------------- staff: invoices and receipts

@login_required
def money(request):
    tenant = require(request, "storage.view")
    invoices = list(selectors.storage_invoices(tenant, request.user)[:200])
    open_invoices = [i for i in invoices if i.status == "PENDING"]
    customers = sorted({(i.customer_id, i.customer.name) for i in open_invoices}, key=lambda c: c[1])
    form = ReceiptForm(request.POST or None, customer_choices=customers,
                       invoice_choices=[(i.pk, f"#{i.number} {i.customer.name} — {i.remaining_minor / 100:.2f} {i.currency} left") for i in open_invoices])
    if request.method == "POST":
        require(request, "storage.payment.record")
        if not form.is_valid():
            _form_refusal(request, form)
        else:
            d = form.cleaned_data
            currency = next((i.currency for i in open_invoices if i.pk in d["invoice_ids"]), tenant.currency)
            try:
                services.record_receipt(tenant=tenant, actor=request.user, customer_id=d["customer_id"], amount_minor=_minor(d["amount"], currency), invoice_ids=d["invoice_ids"],
                                        method=d["method"], reference=d["reference"])
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, "Receipt recorded against the chosen invoices.")
                return redirect("storage:money")
    return render(request, "storage/money.html", {"invoices": invoices, "receipts": selectors.storage_receipts(tenant, request.user)[:200], "form": form,
                                                  "can_pay": can(request, "storage.payment.record")})


# ---------------------------------------------------------------- staff: prices and taxes

@login_required
def prices(request):
    tenant = require(request, "storage.view")
    facility_choices = [(f.pk, f.name) for f in selectors.facilities(tenant)]
    which = request.POST.get("form")
    base_form = BasePriceForm(request.POST if which == "base" else None, facility_choices=facility_choices)
    feature_form = FeaturePriceForm(request.POST if which == "feature" else None, facility_choices=facility_choices, feature_choices=[(f.pk, f.code) for f in selectors.features(tenant)])
    tax_form = TaxForm(request.POST if which == "tax" else None, initial={"country": tenant.country})
    if request.method == "POST":
        require(request, "storage.price.manage")
        try:
            if which == "base" and base_form.is_valid():
                d = base_form.cleaned_data
                currency = next((f.currency for f in selectors.facilities(tenant) if f.pk == d["facility_pk"]), tenant.currency)
                rule = services.set_base_price(tenant=tenant, actor=request.user, facility_pk=d["facility_pk"], name=d["name"], rate_minor=_minor(d["rate"], currency),
                                               effective_from=d["effective_from"], effective_to=d["effective_to"], is_promotional=d["is_promotional"])
                messages.success(request, f"Base rate saved; {len(rule.reprice_outcome.get('repriced', []))} held bookings re-priced.")
                return redirect("storage:prices")
            if which == "feature" and feature_form.is_valid():
                d = feature_form.cleaned_data
                currency = next((f.currency for f in selectors.facilities(tenant) if f.pk == d["facility_pk"]), tenant.currency)
                value = d["rate"] if d["calculation"] == "PERCENTAGE_ON_BASE" else _minor(d["rate"], currency)
                services.set_feature_price(tenant=tenant, actor=request.user, feature_pk=d["feature_pk"], name=d["name"], calculation=d["calculation"], value=value,
                                           effective_from=d["effective_from"], effective_to=d["effective_to"], facility_pk=d["facility_pk"], is_promotional=d["is_promotional"], currency=currency)
                messages.success(request, "Feature price saved.")
                return redirect("storage:prices")
            if which == "tax" and tax_form.is_valid():
                billing.create_tax_rule(tenant=tenant, actor=request.user, **tax_form.cleaned_data)
                messages.success(request, "Tax saved.")
                return redirect("storage:prices")
            for form in (base_form, feature_form, tax_form):
                if form.is_bound:
                    _form_refusal(request, form)
        except DomainError as exc:
            show_refusal(request, exc)
            for field, errors in (exc.fields or {}).items():
                messages.error(request, f"{field}: {' '.join(errors)}")
    preview = None
    if request.GET.get("preview_from"):
        try:
            start = dt.date.fromisoformat(request.GET["preview_from"])
            end = dt.date.fromisoformat(request.GET["preview_to"]) if request.GET.get("preview_to") else None
        except ValueError:
            messages.error(request, "Give the preview dates as YYYY-MM-DD.")
        else:
            preview = selectors.repricing_preview(tenant, effective_from=start, effective_to=end, product_code=request.GET.get("product_code") or "base")
    return render(request, "storage/prices.html", {"rules": selectors.price_rules(tenant), "taxes": selectors.tax_rules(tenant), "base_form": base_form, "feature_form": feature_form,
                                                   "tax_form": tax_form, "preview": preview, "overlap_rule": OVERLAP_RULE, "can_manage": can(request, "storage.price.manage"),
                                                   "codes": ["base", *[f.code for f in selectors.features(tenant)]], "held": HELD})


__all__ = ["PermissionDenied"]

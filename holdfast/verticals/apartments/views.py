"""Apartments screens (seed 001). Sales: dashboard, the booking pipeline board (drag between statuses
where a step allows it), booking detail with invoices, payments and the remaining amount. Admin: the
catalogue (projects, apartments, templates, photos, packages, addons and categories) and prices with
their impact shown before saving. Customers: apartments for sale with photos, the configurator
(package cards, addon steppers that refuse over the limit, live total and remaining amount) and their
own bookings. Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import can, require, show_refusal
from holdfast.core.customers.models import Customer
from holdfast.kit.errors import DomainError, NotFound
from holdfast.kit.money import Money

from . import selectors
from .forms import AddonForm, ApartmentForm, BookForm, CategoryForm, ImageForm, PackageForm, PaymentForm, PriceForm, ProjectForm, ReasonForm
from .models import APPROVED, BOOKING_STATES, PENDING, STATE_LABELS, UNLOCKED_STATES
from .services import bookings, catalogue, prices

MANAGE, VIEW = "apartments.booking.manage", "apartments.view"


def _minor(amount, currency: str) -> int:
    return Money.from_decimal(amount, currency).minor


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else None


def _form_refusal(request, form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(errors)}")


def _attempt(request, step, done: str | None = None):
    """Run a service step; a refusal becomes a message. Returns the step's result or None."""
    try:
        result = step()
    except DomainError as exc:
        show_refusal(request, exc)
        return None
    if done:
        messages.success(request, done)
    return result


def _upload(request, form):
    upload = form.cleaned_data["file"]
    return upload.read(2 * 1024 * 1024 + 1), upload.content_type or ""


# ---------------------------------------------------------------- sales

@login_required
def dashboard(request):
    tenant = require(request, MANAGE)
    recent = selectors.with_money(list(selectors.bookings(tenant).order_by("-created_at")[:8]))
    return render(request, "apartments/dashboard.html", {"d": selectors.dashboard(tenant), "recent": recent, "projects": selectors.projects(tenant)})


@login_required
def board(request):
    tenant = require(request, MANAGE)
    project_id = request.GET.get("project")
    project_id = int(project_id) if project_id and project_id.isdigit() else None
    moves = {s: [(t.target, STATE_LABELS[t.target]) for t in _flow().transitions if s in t.sources] for s in BOOKING_STATES}
    columns = selectors.pipeline(tenant, project_id=project_id)
    for column in columns:
        for b in column["bookings"]:
            b.moves = moves[b.status]
    return render(request, "apartments/board.html", {"columns": columns,
                                                     "projects": selectors.projects(tenant), "project_id": project_id, "can_review": can(request, "apartments.booking.review")})


def _flow():
    from .flows import APARTMENTS

    return APARTMENTS


@login_required
def booking_detail(request, booking_id: int):
    tenant = require(request, VIEW)
    ab = selectors.get_booking(tenant, booking_id, user=request.user)
    staff = selectors.is_staff(request.user, tenant)
    money = selectors.money(tenant, ab)
    return render(request, "apartments/booking_detail.html", {
        "b": ab, "m": money, "lines": selectors.addon_lines(ab), "history": selectors.history(ab), "payments": selectors.payments(tenant, ab.pk),
        "is_staff": staff, "can_review": can(request, "apartments.booking.review"), "can_pay": can(request, "apartments.payment.record"),
        "can_configure": ab.status in (UNLOCKED_STATES if staff else [PENDING]), "pay_form": PaymentForm(initial={"method": ab.payment_method or "BANK_TRANSFER"}),
        "reason_form": ReasonForm(), "reviewers": selectors.reviewers(tenant) if staff else [],
    })


@login_required
@require_POST
def booking_action(request, booking_id: int, action: str):
    tenant = require(request, VIEW)
    ab = selectors.get_booking(tenant, booking_id, user=request.user)
    reason = request.POST.get("reason", "")[:500]
    version = _int(request.POST.get("version"))
    kw = {"tenant": tenant, "actor": request.user, "booking_id": ab.pk}
    steps = {
        "confirm": ("Booking confirmed: the invoice is issued and sales will review it.", lambda: bookings.confirm_booking(**kw, version=version)),
        "start_review": ("Review started.", lambda: bookings.start_review(**kw, version=version)),
        "send_back": ("Sent back to In Progress.", lambda: bookings.send_back(**kw, reason=reason, version=version)),
        "approve": ("Booking approved: its prices are now the contract.", lambda: bookings.approve_booking(**kw, version=version)),
        "reject": ("Booking rejected; the apartment is for sale again.", lambda: bookings.reject_booking(**kw, reason=reason, version=version)),
    }
    if action in steps:
        done, step = steps[action]
        _attempt(request, step, done)
    elif action == "move":
        to = request.POST.get("to_status", "")
        _attempt(request, lambda: bookings.move_booking(**kw, to_status=to, reason=reason, version=version), f"Moved to {STATE_LABELS.get(to, to)}.")
        if request.POST.get("next") == "board":
            return redirect("apartments:board")
    elif action == "assign":
        raw = request.POST.get("assignee_id", "")
        _attempt(request, lambda: bookings.assign_booking(**kw, assignee_id=int(raw) if raw.isdigit() else None), "Follow-up person saved.")
    elif action == "pay":
        form = PaymentForm(request.POST)
        if not form.is_valid():
            _form_refusal(request, form)
        else:
            d = form.cleaned_data
            _attempt(request, lambda: bookings.record_payment(**kw, amount_minor=_minor(d["amount"], ab.currency), method=d["method"], reference=d["reference"]), "Payment recorded.")
    return redirect("apartments:booking", booking_id=ab.pk)


# ---------------------------------------------------------------- catalogue (admin)

@login_required
def catalogue_home(request):
    tenant = require(request, VIEW)
    manage, prices_ = can(request, "apartments.project.manage"), can(request, "apartments.catalogue.manage")
    forms = {"project": ProjectForm(prefix="project"), "package": PackageForm(prefix="package"), "category": CategoryForm(prefix="category"),
             "addon": AddonForm(prefix="addon", categories=selectors.categories(tenant))}
    if request.method == "POST":
        what = request.POST.get("what", "")
        require(request, "apartments.project.manage" if what == "project" else "apartments.catalogue.manage")
        form = {"project": ProjectForm, "package": PackageForm, "category": CategoryForm}.get(what)
        bound = (AddonForm(request.POST, prefix="addon", categories=selectors.categories(tenant)) if what == "addon"
                 else form(request.POST, prefix=what) if form else None)
        if bound is not None and bound.is_valid():
            d = bound.cleaned_data
            made = {
                "project": lambda: catalogue.create_project(tenant=tenant, actor=request.user, **d),
                "package": lambda: catalogue.create_package(tenant=tenant, actor=request.user, name=d["name"], kind=d["kind"], price_minor=_minor(d["price"], tenant.currency),
                                                            description=d["description"]),
                "category": lambda: catalogue.create_category(tenant=tenant, actor=request.user, **d),
                "addon": lambda: catalogue.create_addon(tenant=tenant, actor=request.user, name=d["name"], addon_type=d["addon_type"], category_id=d["category"],
                                                        unit_price_minor=_minor(d["unit_price"], tenant.currency), max_units=d["max_units"]),
            }[what]
            if _attempt(request, made, f"{what.capitalize()} {d['name']} added.") is not None:
                return redirect("apartments:catalogue")
            forms[what] = bound
        elif bound is not None:
            _form_refusal(request, bound)
            forms[what] = bound
    return render(request, "apartments/catalogue.html", {
        "projects": selectors.projects(tenant), "templates": selectors.templates(tenant), "packages": selectors.packages(tenant), "categories": selectors.categories(tenant),
        "addons": selectors.addons(tenant), "forms": forms, "can_manage": manage, "can_price": prices_,
    })


def _apartment_form(tenant, data=None, **kwargs):
    return ApartmentForm(data, templates=selectors.templates(tenant), packages=selectors.packages(tenant, active=True), addons=selectors.addons(tenant, active=True), **kwargs)


@login_required
def project_detail(request, project_id: int):
    tenant = require(request, VIEW)
    project = selectors.get_project(tenant, project_id)
    form = _apartment_form(tenant, request.POST or None)
    if request.method == "POST":
        require(request, "apartments.project.manage")
        if form.is_valid():
            d = form.cleaned_data
            made = _attempt(request, lambda: catalogue.add_apartment(
                tenant=tenant, actor=request.user, name=d["name"], kind=d["kind"], project_id=project.pk, space_sqm=d["space_sqm"], description=d["description"],
                package_ids=d["packages"] or None if d["template"] else d["packages"], addon_ids=d["addons"] or None if d["template"] else d["addons"], template_id=d["template"]),
                f"Apartment {d['name']} added.")
            if made is not None:
                return redirect("apartments:project", project_id=project.pk)
        else:
            _form_refusal(request, form)
    return render(request, "apartments/project.html", {"project": project, "apartments": selectors.apartments(tenant, project_id=project.pk), "form": form,
                                                       "logo_form": ImageForm(), "can_manage": can(request, "apartments.project.manage")})


@login_required
@require_POST
def project_logo(request, project_id: int):
    tenant = require(request, "apartments.project.manage")
    project = selectors.get_project(tenant, project_id)
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        content, content_type = _upload(request, form)
        _attempt(request, lambda: catalogue.set_project_logo(tenant=tenant, actor=request.user, project_id=project.pk, content=content, content_type=content_type), "Logo saved.")
    else:
        _form_refusal(request, form)
    return redirect("apartments:project", project_id=project.pk)


@login_required
def apartment_detail(request, apartment_id: int):
    tenant = require(request, VIEW)
    apartment = selectors.get_apartment(tenant, apartment_id, user=request.user)
    offered_packages, offered_addons = set(apartment.packages.all()), set(apartment.addons.all())
    return render(request, "apartments/apartment.html", {
        "a": apartment, "packages": selectors.packages(tenant), "addons": selectors.addons(tenant), "offered_packages": offered_packages, "offered_addons": offered_addons,
        "photo_form": ImageForm(), "can_manage": can(request, "apartments.project.manage"), "live": catalogue.live_bookings_of(apartment).first(),
        "can_book": apartment.is_listing and apartment.status == "FOR_SALE" and not apartment.is_removed and can(request, "apartments.booking.create"),
        "book_form": BookForm(customers=Customer.objects.for_tenant(tenant).filter(is_active=True).order_by("name")) if selectors.is_staff(request.user, tenant) else None,
    })


@login_required
@require_POST
def apartment_action(request, apartment_id: int, action: str):
    tenant = require(request, "apartments.project.manage")
    apartment = selectors.get_apartment(tenant, apartment_id)
    item = request.POST.get("item", "")
    item_id = int(item) if item.isdigit() else 0
    kw = {"tenant": tenant, "actor": request.user, "apartment_id": apartment.pk}
    if action == "photo":
        form = ImageForm(request.POST, request.FILES)
        if form.is_valid():
            content, content_type = _upload(request, form)
            _attempt(request, lambda: catalogue.add_photo(**kw, content=content, content_type=content_type, caption=form.cleaned_data["caption"]), "Photo added.")
        else:
            _form_refusal(request, form)
    elif action == "remove":
        if _attempt(request, lambda: catalogue.remove_apartment(**kw), f"{apartment.name} removed from the list.") is not None and apartment.project_id:
            return redirect("apartments:project", project_id=apartment.project_id)
    elif action in ("add_package", "remove_package", "add_addon", "remove_addon"):
        step = getattr(catalogue, action)
        key = "package_id" if action.endswith("package") else "addon_id"
        _attempt(request, lambda: step(**kw, **{key: item_id}), "Saved.")
    return redirect("apartments:apartment", apartment_id=apartment.pk)


def _image_response(content, content_type: str) -> HttpResponse:
    response = HttpResponse(bytes(content or b""), content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def photo(request, photo_id: int):
    tenant = require(request, VIEW)
    p = selectors.get_photo(tenant, photo_id)
    selectors.get_apartment(tenant, p.apartment_id, user=request.user)  # someone else's clone: 404
    return _image_response(p.image, p.content_type)


@login_required
def logo(request, project_id: int):
    project = selectors.get_project(require(request, VIEW), project_id)
    return _image_response(project.logo, project.logo_content_type)


# ---------------------------------------------------------------- prices: the impact before saving

@login_required
def price_change(request, what: str, item_id: int):
    tenant = require(request, "apartments.catalogue.manage")
    if what not in ("package", "addon"):
        raise NotFound("No such price.", code="not_found")
    item = selectors.get_package(tenant, item_id) if what == "package" else selectors.get_addon(tenant, item_id)
    current = item.price_minor if what == "package" else item.unit_price_minor
    form = PriceForm(request.POST or request.GET or None, initial={"price": Money(current, item.currency).to_decimal()})
    impact, new_minor = None, None
    if form.is_bound and form.is_valid():
        new_minor = _minor(form.cleaned_data["price"], item.currency)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            key = {"package_id": item.pk, "price_minor": new_minor} if what == "package" else {"addon_id": item.pk, "unit_price_minor": new_minor}
            update = prices.update_package if what == "package" else prices.update_addon
            done = _attempt(request, lambda: update(tenant=tenant, actor=request.user, version=_int(request.POST.get("version")), **key))
            if done is not None:
                messages.success(request, f"Price of {item.name} saved; {len(done.cascade)} booking(s) repriced.")
                return redirect("apartments:catalogue")
        impact = prices.price_change_impact(tenant, **({"package_id": item.pk} if what == "package" else {"addon_id": item.pk}), new_price_minor=new_minor)
    elif form.is_bound:
        _form_refusal(request, form)
    return render(request, "apartments/price_change.html", {"item": item, "what": what, "current": current, "form": form, "impact": impact, "new_minor": new_minor,
                                                            "total_change": sum(r["change_minor"] for r in impact or [])})


# ---------------------------------------------------------------- customers: shop, configurator, own bookings

@login_required
def shop(request):
    tenant = require(request, VIEW)
    return render(request, "apartments/shop.html", {"projects": selectors.projects(tenant), "listings": selectors.available_listings(tenant),
                                                    "can_book": can(request, "apartments.booking.create")})


@login_required
@require_POST
def book(request, apartment_id: int):
    tenant = require(request, "apartments.booking.create")
    customer_id = _int(request.POST.get("customer"))
    ab = _attempt(request, lambda: bookings.create_booking(tenant=tenant, actor=request.user, listing_id=apartment_id, customer_id=customer_id))
    if ab is None:
        return redirect("apartments:shop")
    messages.success(request, f"{ab.apartment.name} is reserved for you. Choose a package and addons, then confirm.")
    return redirect("apartments:configure", booking_id=ab.pk)


def _selection(request, ab) -> tuple[int | None, dict]:
    raw = request.POST.get("package_id", "")
    package_id = int(raw) if raw.isdigit() else None
    addons = {}
    for addon in ab.apartment.addons.all():
        value = request.POST.get(f"addon_{addon.pk}", "0").strip()
        addons[addon.pk] = int(value) if value.isdigit() and len(value) < 6 else -1 if value else 0
    return package_id, addons


@login_required
def configure(request, booking_id: int):
    tenant = require(request, VIEW)
    ab = selectors.get_booking(tenant, booking_id, user=request.user)
    if request.method == "POST":
        package_id, addons = _selection(request, ab)
        method = request.POST.get("payment_method")
        if request.POST.get("then") == "change_order":
            if _attempt(request, lambda: bookings.change_order(tenant=tenant, actor=request.user, booking_id=ab.pk, package_id=package_id, addons=addons,
                                                               reason=request.POST.get("reason", "")[:300]), "Change order made: the difference has its own invoice.") is not None:
                return redirect("apartments:booking", booking_id=ab.pk)
            return redirect("apartments:configure", booking_id=ab.pk)
        saved = _attempt(request, lambda: bookings.configure_booking(tenant=tenant, actor=request.user, booking_id=ab.pk, package_id=package_id, addons=addons,
                                                                      payment_method=method))
        if saved is not None and request.POST.get("then") == "confirm":
            if _attempt(request, lambda: bookings.confirm_booking(tenant=tenant, actor=request.user, booking_id=ab.pk), "Booking confirmed: your invoice is issued.") is not None:
                return redirect("apartments:booking", booking_id=ab.pk)
        elif saved is not None:
            messages.success(request, "Configuration saved.")
        return redirect("apartments:configure", booking_id=ab.pk)
    chosen = {line.addon_id: line.units for line in ab.addon_lines.all()}
    addons = list(ab.apartment.addons.select_related("category").order_by("category__name", "name"))
    for addon in addons:
        addon.chosen = chosen.get(addon.pk, 0)
    return render(request, "apartments/configure.html", {"b": ab, "packages": ab.apartment.packages.filter(is_active=True).order_by("price_minor"), "addons": addons,
                                                         "p": selectors.preview(tenant, ab), "methods": ab._meta.get_field("payment_method").choices,
                                                         "editable": ab.status in (UNLOCKED_STATES if selectors.is_staff(request.user, tenant) else [PENDING]),
                                                         "change_order": ab.status == APPROVED and can(request, "apartments.booking.review")})


@login_required
@require_POST
def preview(request, booking_id: int):
    """The configurator's live total (HTMX partial): nothing is saved."""
    tenant = require(request, VIEW)
    ab = selectors.get_booking(tenant, booking_id, user=request.user)
    package_id, addons = _selection(request, ab)
    bad = [f"Units must be a whole number, 0 or more ({k})." for k, v in addons.items() if v < 0]
    p = selectors.preview(tenant, ab, package_id=package_id, addons={k: v for k, v in addons.items() if v >= 0})
    p["problems"] = bad + p["problems"]
    return render(request, "apartments/_total.html", {"p": p, "b": ab})


@login_required
def my_bookings(request):
    tenant = require(request, VIEW)
    rows = selectors.with_money(list(selectors.bookings_for(tenant, request.user).order_by("-created_at")))
    return render(request, "apartments/my_bookings.html", {"bookings": rows})

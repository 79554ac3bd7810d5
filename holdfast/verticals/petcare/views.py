"""Petcare screens for the four roles of seed 003: the business admin (dashboard with the rows behind
each figure, jobs, clients, walkers, services, finance), staff (their dashboard, day/week schedule,
iCal feed, respond / complete), clients (portal: request, cancel PENDING, statuses, invoices) and the
Super Admin (platform portal). Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import can, require, show_refusal
from holdfast.kit import clock
from holdfast.kit.errors import DomainError
from holdfast.kit.money import Money
from holdfast.web.charts import bar_chart
from holdfast.kit import dates

from . import selectors, services
from .forms import ClientForm, DogForm, FeedbackForm, JobForm, RequestForm, SeriesForm, ServiceForm, TimeOffForm, WalkerForm, localise
from .views_support import client_choices, form_errors, job_context, member_choices, service_choices, walker_choices


def _minor(amount, currency: str) -> int | None:
    return None if amount is None else Money.from_decimal(amount, currency).minor


# ---------------------------------------------------------------- business admin

@login_required
def dashboard(request):
    if not can(request, "petcare.view"):
        return redirect("petcare:schedule" if can(request, "petcare.view_own") else "petcare:portal")
    tenant = require(request, "petcare.view")
    days = int(request.GET.get("days", 30)) if request.GET.get("days", "30") in ("7", "30", "90") else 30
    d = selectors.admin_dashboard(tenant, days=days)
    step = max(1, days // 10)
    jobs_chart = bar_chart([(dates.render(row["day"], "MONTH_DAY_FORMAT"), row["jobs"]) for row in d["jobs_over_time"]], label_every=step)
    revenue_chart = bar_chart([(row["month"], row["paid_minor"] // 100) for row in d["revenue_trend"]], label_every=1)
    return render(request, "petcare/dashboard.html", {"d": d, "jobs_chart": jobs_chart, "revenue_chart": revenue_chart, "ranges": selectors.RANGES})


@login_required
def jobs(request):
    tenant = require(request, "petcare.view")
    figure = request.GET.get("figure") or None
    status = request.GET.get("status") or None
    try:
        qs = selectors.figure_rows(tenant, figure) if figure and figure not in ("unpaid", "overdue", "paid_month", "revenue_7d", "uninvoiced") else selectors.jobs(tenant)
    except DomainError as exc:
        show_refusal(request, exc)
        qs = selectors.jobs(tenant)
    if figure in ("unpaid", "overdue", "paid_month", "revenue_7d", "uninvoiced"):
        return redirect(f"{reverse('petcare:finance')}?figure={figure}")
    qs = selectors.filter_jobs(qs, status=status)
    if not figure and not status:
        qs = qs.filter(booking__starts_at__gte=clock.now() - dt.timedelta(days=7))
    form = JobForm(initial={"status": "BOOKED"})
    _choices(tenant, form)
    series_form = SeriesForm()
    _choices(tenant, series_form)
    return render(request, "petcare/jobs.html", {"jobs": list(qs[:300]), "figure": figure, "status": status, "form": form, "series_form": series_form,
                                                 "can_manage": can(request, "petcare.job.manage"), "statuses": ["PENDING", "BOOKED", "COMPLETED", "CANCELLED"]})


def _choices(tenant, form):
    if "customer_id" in form.fields:
        form.fields["customer_id"].choices = client_choices(tenant)
    if "service_id" in form.fields:
        form.fields["service_id"].choices = service_choices(tenant)
    if "walker_id" in form.fields:
        form.fields["walker_id"].choices = [("", "— no walker yet —")] + walker_choices(tenant)


@login_required
@require_POST
def create_job(request):
    tenant = require(request, "petcare.job.manage")
    form = JobForm(request.POST)
    _choices(tenant, form)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("petcare:jobs")
    c = form.cleaned_data
    try:
        job = services.create_job(tenant=tenant, actor=request.user, customer_id=c["customer_id"], service_id=c["service_id"], starts_at=localise(c["start"], tenant.time_zone),
                                  walker_id=c["walker_id"], status=c["status"], price_minor=_minor(c["price"], tenant.currency), notes=c["notes"], override=c["override"])
    except DomainError as exc:
        show_refusal(request, exc)
        return redirect("petcare:jobs")
    messages.success(request, f"Job #{job.pk} created ({job.status}).")
    return redirect("petcare:job", job.pk)


@login_required
@require_POST
def book_series(request):
    tenant = require(request, "petcare.job.manage")
    form = SeriesForm(request.POST)
    _choices(tenant, form)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("petcare:jobs")
    c = form.cleaned_data
    try:
        series, results = services.book_recurring_series(tenant=tenant, actor=request.user, customer_id=c["customer_id"], service_id=c["service_id"], walker_id=c["walker_id"],
                                                         weekdays=c["weekdays"], local_time=c["local_time"], starts_on=c["starts_on"], until=c["until"], count=c["count"])
    except DomainError as exc:
        show_refusal(request, exc)
        return redirect("petcare:jobs")
    return render(request, "petcare/series_result.html", {"series": series, "results": results,
                                                          "booked": sum(r["status"] == "booked" for r in results), "refused": sum(r["status"] == "refused" for r in results)})


@login_required
def job_detail(request, job_id: int):
    tenant = require(request, "petcare.view") if can(request, "petcare.view") else require(request, "petcare.view_own") if can(request, "petcare.view_own") else require(request, "petcare.portal")
    try:
        job = selectors.get_job(tenant, request.user, job_id)
    except DomainError:
        raise Http404("No such job.") from None
    return render(request, "petcare/job_detail.html", job_context(request, tenant, job))


ACTIONS = {"approve", "decline", "assign", "complete", "cancel", "price", "reschedule", "accept", "refuse"}


@login_required
@require_POST
def job_action(request, job_id: int, action: str):
    if action not in ACTIONS:
        raise Http404("Unknown action.")
    tenant = require(request, "notifications.view")
    try:
        selectors.get_job(tenant, request.user, job_id)
    except DomainError:
        raise Http404("No such job.") from None
    p, actor = request.POST, request.user
    override = p.get("override") == "on"
    # The version the page was rendered at: a step from an out-of-date page is refused (stale_version).
    v = {"version": int(p["version"])} if p.get("version", "").isdigit() else {}
    try:
        if action == "approve":
            services.approve_job(tenant=tenant, actor=actor, job_id=job_id, walker_id=int(p["walker_id"]) if p.get("walker_id") else None, override=override, **v)
        elif action == "decline":
            services.decline_job(tenant=tenant, actor=actor, job_id=job_id, reason=p.get("reason", ""), **v)
        elif action == "assign":
            if not p.get("walker_id", "").isdigit():
                raise DomainError("Choose a walker.", code="walker_required")
            services.assign_walker(tenant=tenant, actor=actor, job_id=job_id, walker_id=int(p["walker_id"]), override=override, **v)
        elif action == "complete":
            services.complete_job(tenant=tenant, actor=actor, job_id=job_id, **v)
        elif action == "cancel":
            services.cancel_job(tenant=tenant, actor=actor, job_id=job_id, reason=p.get("reason", ""), **v)
        elif action == "price":
            amount = p.get("price", "").strip()
            services.change_job_price(tenant=tenant, actor=actor, job_id=job_id, price_minor=_minor(amount, tenant.currency) if amount else None,
                                      adjust_billing=p.get("adjust_billing") == "on", reason=p.get("reason", ""), **v)
        elif action == "reschedule":
            when = dt.datetime.fromisoformat(p.get("start", ""))
            services.reschedule_job(tenant=tenant, actor=actor, job_id=job_id, starts_at=localise(when, tenant.time_zone), override=override, **v)
        elif action in ("accept", "refuse"):
            services.respond_to_assignment(tenant=tenant, actor=actor, job_id=job_id, accept=action == "accept", reason=p.get("reason", ""), **v)
    except DomainError as exc:
        show_refusal(request, exc)
    except (ValueError, ArithmeticError):
        messages.error(request, "That value is not valid.")
    else:
        messages.success(request, {"approve": "Job approved.", "decline": "Request declined.", "assign": "Walker assigned.", "complete": "Job completed; its invoice item was created.",
                                   "cancel": "Job cancelled.", "price": "Price changed.", "reschedule": "Job moved.", "accept": "You accepted the job.", "refuse": "You declined the job."}[action])
    if action == "refuse" or (action == "cancel" and not can(request, "petcare.view") and not can(request, "petcare.view_own")):
        return redirect("petcare:schedule" if can(request, "petcare.view_own") else "petcare:portal")
    return redirect("petcare:job", job_id)


# ---------------------------------------------------------------- clients, walkers, services

@login_required
def clients(request):
    tenant = require(request, "petcare.view")
    form = ClientForm(request.POST or None)
    if request.method == "POST":
        require(request, "petcare.client.manage")
        if form.is_valid():
            c = form.cleaned_data
            try:
                customer = services.create_client(tenant=tenant, actor=request.user, name=c["name"], email=c["email"], phone=c["phone"], vet_details=c["vet_details"],
                                                  emergency_contact=c["emergency_contact"], address={"line1": c["line1"], "city": c["city"]} if c["line1"] else {})
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, f"Client {customer.name} added.")
                return redirect("petcare:client", customer.pk)
        else:
            form_errors(request, form)
    rows = list(selectors.clients(tenant, search=request.GET.get("q") or None)[:300])
    for c in rows:
        c.complete = selectors.profile_complete(c)
    return render(request, "petcare/clients.html", {"clients": rows, "form": form, "can_manage": can(request, "petcare.client.manage"), "q": request.GET.get("q", "")})


@login_required
def client_detail(request, customer_id: int):
    tenant = require(request, "petcare.view")
    from holdfast.core.tenancy.selectors import get_owned

    customer = get_owned(selectors.clients(tenant), tenant, customer_id, what="client")
    if request.method == "POST":
        require(request, "petcare.client.manage")
        action = request.POST.get("action")
        try:
            if action == "dog":
                form = DogForm(request.POST)
                if form.is_valid():
                    services.add_dog(tenant=tenant, actor=request.user, customer_id=customer.pk, **form.cleaned_data)
                    messages.success(request, "Dog added.")
                else:
                    form_errors(request, form)
            elif action == "deactivate":
                services.deactivate_client(tenant=tenant, actor=request.user, customer_id=customer.pk, reason=request.POST.get("reason", ""), override=request.POST.get("override") == "on")
                messages.success(request, f"{customer.name} deactivated.")
            elif action == "reactivate":
                services.reactivate_client(tenant=tenant, actor=request.user, customer_id=customer.pk, override=request.POST.get("override") == "on")
                messages.success(request, f"{customer.name} reactivated.")
            elif action == "profile":
                services.update_client(tenant=tenant, actor=request.user, customer_id=customer.pk, vet_details=request.POST.get("vet_details", ""),
                                       emergency_contact=request.POST.get("emergency_contact", ""))
                messages.success(request, "Profile saved.")
        except DomainError as exc:
            show_refusal(request, exc)
        return redirect("petcare:client", customer.pk)
    return render(request, "petcare/client_detail.html", {
        "c": customer, "profile": getattr(customer, "petcare_profile", None), "complete": selectors.profile_complete(customer),
        "dogs": selectors.dogs(tenant, customer_id=customer.pk), "jobs": selectors.filter_jobs(selectors.jobs(tenant), customer_id=customer.pk).order_by("-booking__starts_at")[:50],
        "invoices": selectors.invoices(tenant, customer_id=customer.pk)[:50], "dog_form": DogForm(), "can_manage": can(request, "petcare.client.manage"),
    })


@login_required
def walkers(request):
    tenant = require(request, "petcare.view")
    form = WalkerForm(request.POST or None)
    form.fields["user_id"].choices = member_choices(tenant)
    if request.method == "POST":
        require(request, "petcare.staff.manage")
        try:
            if request.POST.get("action") == "availability":
                windows = []
                for day in range(7):
                    start, end = request.POST.get(f"start_{day}", "").strip(), request.POST.get(f"end_{day}", "").strip()
                    if start and end:
                        windows.append({"day": day, "start": start, "end": end})
                services.set_availability(tenant=tenant, actor=request.user, walker_id=int(request.POST["walker_id"]), windows=windows)
                messages.success(request, "Availability saved.")
            elif request.POST.get("action") == "decide":
                off, clashes = services.decide_time_off(tenant=tenant, actor=request.user, time_off_id=int(request.POST["time_off_id"]), approve=request.POST.get("approve") == "1")
                messages.success(request, f"Time off {off.status.lower()}." + (f" Reassign: {', '.join('#' + str(j.pk) for j in clashes)}." if clashes else ""))
            elif form.is_valid():
                services.create_walker(tenant=tenant, actor=request.user, **form.cleaned_data)
                messages.success(request, "Walker added.")
            else:
                form_errors(request, form)
        except DomainError as exc:
            show_refusal(request, exc)
        return redirect("petcare:walkers")
    rows = list(selectors.walkers(tenant))
    labels = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    for w in rows:
        by_day = {a.weekday: a for a in w.availability.all()}
        w.week = [(n, labels[n], dates.clock_time(by_day[n].start_time) if n in by_day else "", dates.clock_time(by_day[n].end_time) if n in by_day else "") for n in range(7)]
    return render(request, "petcare/walkers.html", {"walkers": rows, "form": form, "can_manage": can(request, "petcare.staff.manage"),
                                                    "requests": selectors.time_off(tenant, status="REQUESTED"), "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]})


@login_required
def service_list(request):
    tenant = require(request, "petcare.view")
    form = ServiceForm(request.POST or None)
    if request.method == "POST":
        require(request, "petcare.service.manage")
        try:
            if request.POST.get("action") == "toggle":
                svc = selectors.services(tenant).get(pk=int(request.POST["service_id"]))
                services.update_service(tenant=tenant, actor=request.user, service_id=svc.pk, is_active=not svc.is_active)
            elif form.is_valid():
                c = form.cleaned_data
                services.create_service(tenant=tenant, actor=request.user, name=c["name"], price_minor=_minor(c["price"], tenant.currency), duration_minutes=c["duration_minutes"],
                                        description=c["description"])
                messages.success(request, "Service added.")
            else:
                form_errors(request, form)
        except DomainError as exc:
            show_refusal(request, exc)
        return redirect("petcare:services")
    return render(request, "petcare/services.html", {"services": selectors.services(tenant), "form": form, "can_manage": can(request, "petcare.service.manage")})


# ---------------------------------------------------------------- finance (§6.2)

@login_required
def finance(request):
    tenant = require(request, "petcare.invoice.manage")
    tab = request.GET.get("tab", "invoices")
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "generate":
                ids = [int(i) for i in request.POST.getlist("item_ids") if i.isdigit()]
                invoice = services.generate_invoice(tenant=tenant, actor=request.user, customer_id=int(request.POST["customer_id"]), item_ids=ids)
                messages.success(request, f"Invoice {invoice.display_number} created as a draft.")
            elif action == "send":
                invoice = services.send_invoice(tenant=tenant, actor=request.user, invoice_id=int(request.POST["invoice_id"]))
                messages.success(request, f"Invoice {invoice.display_number} sent to the client.")
            elif action == "paid":
                invoice = services.mark_paid(tenant=tenant, actor=request.user, invoice_id=int(request.POST["invoice_id"]), method=request.POST.get("method", "CASH"))
                messages.success(request, f"Invoice {invoice.display_number} marked paid.")
        except DomainError as exc:
            show_refusal(request, exc)
        except (KeyError, ValueError):
            messages.error(request, "Choose a client and the items to invoice.")
        return redirect(f"{reverse('petcare:finance')}?tab={tab}")
    figure = request.GET.get("figure")
    invoices = selectors.figure_rows(tenant, figure) if figure in ("unpaid", "overdue", "paid_month", "revenue_7d") else selectors.invoices(tenant)
    pending_items = selectors.invoice_items(tenant, status="PENDING").select_related("customer").order_by("customer__name", "service_date")
    by_client: dict = {}
    for item in pending_items:
        by_client.setdefault(item.customer, []).append(item)
    return render(request, "petcare/finance.html", {"tab": tab, "figure": figure, "invoices": list(invoices[:200]), "by_client": by_client, "f": selectors.finance(tenant),
                                                    "tabs": [("invoices", "Invoices"), ("overview", "Overview"), ("forecasts", "Forecasts"), ("breakdowns", "Breakdowns")]})


# ---------------------------------------------------------------- staff (§6.3)

@login_required
def schedule(request):
    tenant = require(request, "petcare.view_own") if not can(request, "petcare.view") else require(request, "petcare.view")
    view = request.GET.get("view", "week")
    today = clock.local_today(tenant.time_zone)
    try:
        first = dt.date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
    except ValueError:
        first = today
    if view == "week":
        first = clock.week_bounds(first)[0]
    walker = selectors.walker_for_user(tenant, request.user)
    if can(request, "petcare.view") and request.GET.get("walker", "").isdigit():
        walker = selectors.walkers(tenant).filter(pk=int(request.GET["walker"])).first()
    elif can(request, "petcare.view") and walker is None:
        walker = None  # admins see every walker's jobs
    days = 7 if view == "week" else 1
    step = dt.timedelta(days=days)
    ical = request.build_absolute_uri(reverse("petcare:ical", args=[selectors.ical_token(tenant, walker)])) if walker else None
    may_rotate = walker is not None and (walker.user_id == request.user.pk or can(request, "petcare.staff.manage"))
    return render(request, "petcare/schedule.html", {
        "calendar": selectors.schedule(tenant, walker=walker, first=first, days=days), "view": view, "first": first, "prev": first - step, "next": first + step,
        "walker": walker, "me": selectors.staff_dashboard(tenant, request.user), "ical": ical, "may_rotate": may_rotate, "walkers": selectors.walkers(tenant) if can(request, "petcare.view") else [],
        "time_off_form": TimeOffForm(), "my_time_off": selectors.time_off(tenant, walker_id=walker.pk)[:10] if walker else [], "tz": tenant.time_zone,
    })


@login_required
@require_POST
def ask_time_off(request):
    tenant = require(request, "petcare.timeoff.request")
    walker = selectors.walker_for_user(tenant, request.user)
    form = TimeOffForm(request.POST)
    if walker is None:
        messages.error(request, "You are not set up as a walker.")
    elif not form.is_valid():
        form_errors(request, form)
    else:
        c = form.cleaned_data
        try:
            services.request_time_off(tenant=tenant, actor=request.user, walker_id=walker.pk, starts_at=localise(c["starts_at"], tenant.time_zone),
                                      ends_at=localise(c["ends_at"], tenant.time_zone), reason=c["reason"])
            messages.success(request, "Time off requested; an admin will decide.")
        except DomainError as exc:
            show_refusal(request, exc)
    return redirect("petcare:schedule")


@login_required
@require_POST
def rotate_ical(request):
    """A new iCal link for the walker (their own, or any walker's for an admin who manages staff): the old one stops working."""
    tenant = require(request, "notifications.view")
    walker_id = request.POST.get("walker_id", "")
    if not walker_id.isdigit():
        raise Http404("No such walker.")
    try:
        walker = services.rotate_ical_link(tenant=tenant, actor=request.user, walker_id=int(walker_id))
    except DomainError as exc:
        show_refusal(request, exc)
        return redirect("petcare:schedule")
    messages.success(request, "A new calendar link was made; the old one no longer works. Subscribe your calendar to the new link.")
    return redirect(reverse("petcare:schedule") + (f"?walker={walker.pk}" if walker.user_id != request.user.pk else ""))


def ical(request, token: str):
    """A walker's jobs as an iCalendar feed (subscribed to by calendar apps, so a signed URL, no session)."""
    from icalendar import Calendar, Event

    found = selectors.walker_for_ical_token(token)
    if found is None:
        raise Http404("Unknown calendar.")
    tenant, walker = found
    cal = Calendar()
    cal.add("prodid", "-//holdfast//petcare//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{walker} · {tenant.name}")
    since = clock.now() - dt.timedelta(days=30)
    for job in selectors.jobs(tenant).filter(booking__resource_id=walker.resource_id, booking__starts_at__gte=since).exclude(booking__status="CANCELLED")[:1000]:
        ev = Event()
        ev.add("uid", f"job-{job.pk}@{tenant.slug}.holdfast")
        ev.add("dtstart", job.booking.starts_at)
        ev.add("dtend", job.booking.ends_at)
        ev.add("dtstamp", job.updated_at)
        ev.add("summary", f"{job.service.name}: {job.booking.customer.name}")
        ev.add("status", "TENTATIVE" if job.booking.status == "PENDING" else "CONFIRMED")
        ev.add("description", f"{job.booking.status}. Dogs: {', '.join(d.name for d in job.dogs.all()) or '—'}. {job.booking.notes}")
        cal.add_component(ev)
    return HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")


# ---------------------------------------------------------------- client portal (§6.4)

@login_required
def portal(request):
    tenant = require(request, "petcare.portal")
    data = selectors.client_portal(tenant, request.user)
    form = RequestForm(request.POST or None)
    form.fields["service_id"].choices = service_choices(tenant)
    form.fields["dog_ids"].choices = [(d.pk, d.name) for d in data["dogs"]]
    if request.method == "POST":
        require(request, "petcare.job.request")
        if form.is_valid():
            c = form.cleaned_data
            try:
                job = services.request_job(tenant=tenant, actor=request.user, service_id=c["service_id"], starts_at=localise(c["start"], tenant.time_zone), dog_ids=c["dog_ids"], notes=c["notes"])
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, f"Request sent for {job.service.name}; the business will confirm it.")
                return redirect("petcare:portal")
        else:
            form_errors(request, form)
    return render(request, "petcare/portal.html", {**data, "form": form, "labels": selectors.CLIENT_LABELS})


# ---------------------------------------------------------------- feedback and the Super Admin portal (§6.5)

@login_required
def feedback(request):
    tenant = require(request, "petcare.feedback.write")
    form = FeedbackForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.submit_feedback(tenant=tenant, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, "Thank you: your feedback reached the platform team.")
                return redirect("petcare:feedback")
        else:
            form_errors(request, form)
    return render(request, "petcare/feedback.html", {"form": form, "mine": selectors.feedback(tenant).filter(author=request.user)[:20]})


@login_required
def platform(request):
    from holdfast.core.accounts.selectors import require_perm

    require_perm(request.user, None, "platform.view_all")  # a business user gets the readable 403 page
    return render(request, "petcare/platform.html", {"p": selectors.platform_dashboard()})

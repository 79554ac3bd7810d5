"""Estate screens. Staff: sales dashboard, approval queue, unit board per project, booking detail
with payments and reminders, lead pipeline, review moderation. Customers: browse projects and
units, request holds, follow their bookings (derived status), payments and reminders, write reviews.
Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import STALE_SCREEN_MESSAGE, can, posted_version, require, show_refusal
from holdfast.core.billing.models import Payment
from holdfast.kit.clock import zone
from holdfast.kit.errors import DomainError, PermissionDenied
from holdfast.kit.money import Money
from holdfast.web.charts import bar_chart

from . import selectors, services
from .forms import ExpectedPaymentForm, LeadForm, NoteForm, PaymentForm, ProjectForm, ReasonForm, ReminderForm, ReviewForm, StageForm, UnitForm
from .models import ACTIVE_STATES, HOLD_APPROVED, HOLD_REQUESTED, Lead, Review, Unit


def _minor(amount, currency: str) -> int:
    return Money.from_decimal(amount, currency).minor


def _form_refusal(request, form) -> None:
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(errors)}")


# ---------------------------------------------------------------- staff

@login_required
def dashboard(request):
    tenant = require(request, "estate.view")
    data = selectors.dashboard(tenant)
    # Thousands of the major unit keep the axis labels short (a whole-unit axis reads 780000).
    chart = bar_chart([(month["label"], month["received_minor"] // 100_000) for month in data["received_by_month"]], label_every=1)
    return render(request, "estate/dashboard.html", {"d": data, "chart": chart, "waiting": selectors.with_display(list(selectors.bookings(tenant, status=HOLD_REQUESTED)[:5])),
                                                     "overdue": selectors.overdue_payments(tenant)[:10], "ratings": selectors.ratings(tenant)})


@login_required
def approvals(request):
    tenant = require(request, "estate.booking.approve")
    return render(request, "estate/approvals.html", {
        "requested": selectors.with_display(list(selectors.bookings(tenant, status=HOLD_REQUESTED).order_by("created_at"))),
        "approved": selectors.with_display(list(selectors.bookings(tenant, status=HOLD_APPROVED).order_by("created_at"))),
        "reason_form": ReasonForm(),
    })


@login_required
def projects(request):
    tenant = require(request, "estate.view")
    form = ProjectForm(request.POST or None)
    if request.method == "POST":
        require(request, "estate.project.manage")
        if form.is_valid():
            try:
                project = services.create_project(tenant=tenant, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, f"Project {project.name} created.")
                return redirect("estate:project", project_id=project.pk)
    return render(request, "estate/projects.html", {"projects": selectors.projects(tenant), "form": form, "can_manage": can(request, "estate.project.manage")})


@login_required
def project_board(request, project_id: int):
    tenant = require(request, "estate.view")
    project = selectors.get_project(tenant, project_id)
    form = UnitForm(request.POST or None)
    if request.method == "POST":
        require(request, "estate.unit.manage")
        if form.is_valid():
            data = form.cleaned_data
            try:
                unit = services.create_unit(tenant=tenant, actor=request.user, project_id=project.pk, code=data["code"], price_minor=_minor(data["price"], project.currency),
                                            bedrooms=data["bedrooms"], floor=data["floor"])
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, f"Unit {unit.code} added.")
                return redirect("estate:project", project_id=project.pk)
    active = {b.unit_id: b for b in selectors.with_display(list(selectors.bookings(tenant, project_id=project.pk).filter(booking__status__in=ACTIVE_STATES)))}
    units = list(selectors.units(tenant, project_id=project.pk))
    for unit in units:
        unit.active_booking = active.get(unit.pk)
    counts = {s: sum(1 for u in units if u.status == s) for s, _ in Unit.STATUSES}
    return render(request, "estate/project_board.html", {"project": project, "units": units, "counts": counts, "form": form, "can_manage_units": can(request, "estate.unit.manage"),
                                                         "reviews": selectors.public_reviews(tenant, project_id=project.pk)[:5]})


def _booking_context(request, tenant, booking):
    return {
        "b": booking, "payments": selectors.with_labels(selectors.payments(tenant, booking_id=booking.pk)), "reminders": selectors.reminders(tenant, booking_id=booking.pk),
        "history": booking.booking.history.all(), "pay_form": PaymentForm(), "expect_form": ExpectedPaymentForm(), "reminder_form": ReminderForm(), "reason_form": ReasonForm(),
        "can_approve": can(request, "estate.booking.approve"), "can_complete": can(request, "estate.booking.complete"), "can_pay": can(request, "estate.payment.record"),
        "can_remind": can(request, "estate.reminder.manage"), "is_staff": can(request, "estate.view"),
    }


@login_required
def booking_detail(request, booking_id: int):
    tenant = require(request, "estate.view") if can(request, "estate.view") else require(request, "estate.booking.request")
    booking = selectors.get_booking(tenant, booking_id, user=request.user)
    return render(request, "estate/booking_detail.html", _booking_context(request, tenant, booking))


def _aware(value: dt.datetime | None, tenant):
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=zone(tenant.time_zone))


@login_required
@require_POST
def booking_action(request, booking_id: int, action: str):
    tenant = require(request, "estate.view") if can(request, "estate.view") else require(request, "estate.booking.request")
    booking = selectors.get_booking(tenant, booking_id, user=request.user)
    reason = request.POST.get("reason", "")
    v = posted_version(request)
    steps = {"approve": ("Hold approved.", lambda: services.approve_hold(tenant=tenant, actor=request.user, booking_id=booking.pk, **v)),
             "reject": ("Hold rejected; the unit is available again.", lambda: services.reject_hold(tenant=tenant, actor=request.user, booking_id=booking.pk, reason=reason, **v)),
             "cancel": ("Hold cancelled.", lambda: services.cancel_hold(tenant=tenant, actor=request.user, booking_id=booking.pk, reason=reason, **v)),
             "complete": ("Booking completed; the unit is sold.", lambda: services.complete_booking(tenant=tenant, actor=request.user, booking_id=booking.pk, **v))}
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
                services.record_payment(tenant=tenant, actor=request.user, booking_id=booking.pk, amount_minor=_minor(d["amount"], booking.currency), method=d["method"], kind=d["kind"], reference=d["reference"])
                messages.success(request, "Payment recorded.")
        elif action == "expect":
            form = ExpectedPaymentForm(request.POST)
            if not form.is_valid():
                _form_refusal(request, form)
            else:
                d = form.cleaned_data
                services.expect_payment(tenant=tenant, actor=request.user, booking_id=booking.pk, amount_minor=_minor(d["amount"], booking.currency), due_date=d["due_date"], kind=d["kind"])
                messages.success(request, "Expected payment added.")
    except DomainError as exc:
        show_refusal(request, exc, stale_message=STALE_SCREEN_MESSAGE)
    if action == "cancel" and not can(request, "estate.view"):
        return redirect("estate:my_bookings")
    next_url = request.POST.get("next")
    if next_url in ("approvals",):
        return redirect("estate:approvals")
    return redirect("estate:booking", booking_id=booking.pk)


@login_required
@require_POST
def payment_action(request, payment_id: int, action: str):
    tenant = require(request, "estate.view")
    payment = selectors.get_payment(tenant, payment_id)
    try:
        if action == "receive":
            services.receive_payment(tenant=tenant, actor=request.user, payment_id=payment.pk, method=request.POST.get("method", "BANK_TRANSFER"), reference=request.POST.get("reference", ""))
            messages.success(request, "Payment received.")
        elif action == "void":
            services.void_payment(tenant=tenant, actor=request.user, payment_id=payment.pk, reason=request.POST.get("reason", ""))
            messages.success(request, "Expected payment voided.")
        elif action == "remind":
            form = ReminderForm(request.POST)
            if not form.is_valid():
                _form_refusal(request, form)
            else:
                reminder = services.create_payment_reminder(tenant=tenant, actor=request.user, payment_id=payment.pk, send_at=_aware(form.cleaned_data["send_at"], tenant),
                                                            message=form.cleaned_data["message"])
                messages.success(request, "Reminder sent." if reminder.status == "SENT" else f"Reminder {reminder.get_status_display().lower()}.")
    except DomainError as exc:
        show_refusal(request, exc)
    return redirect("estate:booking", booking_id=payment.booking_id)


@login_required
def leads(request):
    tenant = require(request, "estate.lead.work")
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.create_lead(tenant=tenant, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, f"Lead {lead.name} added.")
            return redirect("estate:leads")
    rows = list(selectors.leads(tenant, request.user))
    columns = [{"stage": s, "label": label, "leads": [lead for lead in rows if lead.stage == s]} for s, label in Lead.STAGES]
    return render(request, "estate/leads.html", {"columns": columns, "form": form, "sees_all": can(request, "estate.lead.manage")})


@login_required
def lead_detail(request, lead_id: int):
    tenant = require(request, "estate.lead.work")
    lead = selectors.get_lead(tenant, request.user, lead_id)
    return render(request, "estate/lead_detail.html", {"lead": lead, "activities": lead.activities.select_related("actor"), "stage_form": StageForm(initial={"stage": lead.stage}),
                                                       "note_form": NoteForm(), "agents": selectors.staff_members(tenant), "can_assign": can(request, "estate.lead.manage"),
                                                       "can_convert": can(request, "customers.manage")})


@login_required
@require_POST
def lead_action(request, lead_id: int, action: str):
    tenant = require(request, "estate.lead.work")
    lead = selectors.get_lead(tenant, request.user, lead_id)
    try:
        if action == "stage":
            services.move_lead(tenant=tenant, actor=request.user, lead_id=lead.pk, stage=request.POST.get("stage", ""), note=request.POST.get("note", ""))
        elif action == "note":
            services.add_lead_note(tenant=tenant, actor=request.user, lead_id=lead.pk, text=request.POST.get("text", ""))
        elif action == "assign":
            agent = request.POST.get("agent_id")
            services.assign_lead(tenant=tenant, actor=request.user, lead_id=lead.pk, agent_id=int(agent) if agent and agent.isdigit() else None)
        elif action == "convert":
            services.convert_lead(tenant=tenant, actor=request.user, lead_id=lead.pk)
            messages.success(request, "Customer created and linked.")
    except DomainError as exc:
        show_refusal(request, exc)
    return redirect("estate:lead", lead_id=lead.pk)


@login_required
def moderation(request):
    tenant = require(request, "estate.review.moderate")
    status = request.GET.get("status", Review.PENDING)
    return render(request, "estate/moderation.html", {"reviews": selectors.reviews(tenant, status=status or None), "status": status, "statuses": Review.STATUSES,
                                                      "ratings": selectors.ratings(tenant)})


@login_required
@require_POST
def moderate(request, review_id: int, decision: str):
    tenant = require(request, "estate.review.moderate")
    try:
        services.moderate_review(tenant=tenant, actor=request.user, review_id=review_id, approve=decision == "approve", note=request.POST.get("note", ""))
        messages.success(request, "Review approved." if decision == "approve" else "Review rejected.")
    except DomainError as exc:
        show_refusal(request, exc)
    return redirect("estate:moderation")


# ---------------------------------------------------------------- customer portal

@login_required
def portal(request):
    tenant = require(request, "estate.booking.request")
    return render(request, "estate/portal.html", {"projects": selectors.projects(tenant, published_only=True), "ratings": selectors.ratings(tenant)})


@login_required
def portal_project(request, project_id: int):
    tenant = require(request, "estate.booking.request")
    project = selectors.get_project(tenant, project_id)
    if not project.is_published:
        raise PermissionDenied("This project is not open for reservations.", code="project_not_published")
    return render(request, "estate/portal_project.html", {"project": project, "units": selectors.units(tenant, project_id=project.pk),
                                                          "reviews": selectors.public_reviews(tenant, project_id=project.pk), "review_form": ReviewForm(),
                                                          "agents": selectors.staff_members(tenant)})


@login_required
@require_POST
def request_hold(request, unit_id: int):
    tenant = require(request, "estate.booking.request")
    try:
        booking = services.create_hold(tenant=tenant, actor=request.user, unit_id=unit_id)
    except DomainError as exc:
        show_refusal(request, exc)
        unit = selectors.get_unit(tenant, unit_id)
        return redirect("estate:portal_project", project_id=unit.project_id)
    messages.success(request, f"Hold requested on {booking.unit.code}. The sales office will review it.")
    return redirect("estate:my_bookings")


@login_required
@require_POST
def write_review(request):
    tenant = require(request, "estate.review.write")
    form = ReviewForm(request.POST)
    project_id = request.POST.get("project_id")
    agent_id = request.POST.get("agent_id")
    back = redirect("estate:portal_project", project_id=int(project_id)) if project_id and project_id.isdigit() else redirect("estate:portal")
    if not form.is_valid():
        _form_refusal(request, form)
        return back
    target = {"agent_id": int(agent_id)} if agent_id and agent_id.isdigit() else {"project_id": int(project_id) if project_id and project_id.isdigit() else None}
    try:
        services.write_review(tenant=tenant, actor=request.user, rating=form.cleaned_data["rating"], text=form.cleaned_data["text"], **target)
        messages.success(request, "Thank you! Your review will appear once the sales office has approved it.")
    except DomainError as exc:
        show_refusal(request, exc)
    return back


@login_required
def my_bookings(request):
    tenant = require(request, "estate.booking.request")
    rows = selectors.with_display(list(selectors.bookings_for(tenant, request.user)))
    for row in rows:
        row.payment_rows = selectors.with_labels(selectors.payments(tenant, booking_id=row.pk))
        row.reminder_rows = list(selectors.reminders(tenant, booking_id=row.pk))
    return render(request, "estate/my_bookings.html", {"bookings": rows, "expected": Payment.EXPECTED})

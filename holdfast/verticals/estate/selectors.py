"""Tenant-scoped reads for estate, and the UI-derived booking states of seed 000 §E.

Stored (business truth), as the engine booking's status (`booking__status`): HOLD_REQUESTED,
HOLD_APPROVED, BOOKED, CANCELLED, EXPIRED.
Derived for display only, never written anywhere:
- APPROVAL_IN_PROGRESS: HOLD_REQUESTED and its hold still live — staff have not decided yet.
- PAYMENT_PENDING: HOLD_APPROVED and the received payments are below the project's payment rule.
- BOOKING_CONFIRMED: HOLD_APPROVED and the received payments meet the rule — ready to complete.
- A requested/approved booking whose hold has lapsed but was not swept yet shows EXPIRED (it no
  longer blocks the unit; the worker will store EXPIRED).
Otherwise the stored state is shown as it is.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Avg, BigIntegerField, Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.timezone import localtime

from holdfast.core.accounts.selectors import has_perm, require_member
from holdfast.core.billing.models import Payment, PaymentReminder, Refund
from holdfast.core.billing.selectors import with_payment_amounts
from holdfast.core.customers.models import Customer
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit.clock import local_today, zone
from holdfast.kit import dates

from .models import ACTIVE_STATES, BOOKED, HOLD_APPROVED, HOLD_REQUESTED, PAYMENT_KINDS, EstateBooking, Lead, Project, Review, Unit

KIND_LABELS = dict(PAYMENT_KINDS)

APPROVAL_IN_PROGRESS, PAYMENT_PENDING, BOOKING_CONFIRMED = "APPROVAL_IN_PROGRESS", "PAYMENT_PENDING", "BOOKING_CONFIRMED"
DERIVED_LABELS = {
    APPROVAL_IN_PROGRESS: "Approval in progress", PAYMENT_PENDING: "Payment pending", BOOKING_CONFIRMED: "Booking confirmed",
    HOLD_REQUESTED: "Hold requested", HOLD_APPROVED: "Hold approved", BOOKED: "Booked", "CANCELLED": "Cancelled", "EXPIRED": "Expired",
}

BADGES = {APPROVAL_IN_PROGRESS: "warn", PAYMENT_PENDING: "info", BOOKING_CONFIRMED: "ok", BOOKED: "ok", "CANCELLED": "muted", "EXPIRED": "muted"}


def derived_status(status: str, *, received_minor: int, required_minor: int, hold_expires_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if status in (HOLD_REQUESTED, HOLD_APPROVED) and hold_expires_at is not None and hold_expires_at <= now:
        return "EXPIRED"
    if status == HOLD_REQUESTED:
        return APPROVAL_IN_PROGRESS
    if status == HOLD_APPROVED:
        return BOOKING_CONFIRMED if received_minor >= required_minor else PAYMENT_PENDING
    return status


def _received():
    """RECEIVED billing money of the booking net of refunds, as the completion guard counts it."""
    paid = Payment.objects.filter(booking_id=OuterRef("pk"), status=Payment.RECEIVED, currency=OuterRef("currency")).order_by().values("booking_id").annotate(s=Sum("amount_minor")).values("s")
    refunded = (Refund.objects.filter(payment__booking_id=OuterRef("pk"), payment__status=Payment.RECEIVED, payment__currency=OuterRef("currency")).order_by()
                .values("payment__booking_id").annotate(s=Sum("amount_minor")).values("s"))
    return (Coalesce(Subquery(paid[:1], output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())
            - Coalesce(Subquery(refunded[:1], output_field=BigIntegerField()), Value(0), output_field=BigIntegerField()))


def with_display(rows):
    """Attach `.received_minor`, `.display_status`, `.display_label` to annotated bookings."""
    now = timezone.now()
    for row in rows:
        row.display_status = derived_status(row.status, received_minor=row.received_minor, required_minor=row.required_minor, hold_expires_at=row.hold_expires_at, now=now)
        row.display_label = DERIVED_LABELS.get(row.display_status, row.display_status)
        row.remaining_minor = max(0, row.price_minor - row.received_minor)
        row.badge = BADGES.get(row.display_status, "")
    return rows


# ---------------------------------------------------------------- projects and units

def projects(tenant, *, published_only: bool = False):
    qs = Project.objects.for_tenant(tenant).select_related("site").annotate(
        unit_count=Count("units", distinct=True),
        available_count=Count("units", filter=Q(units__status=Unit.AVAILABLE), distinct=True),
        held_count=Count("units", filter=Q(units__status=Unit.HELD), distinct=True),
        sold_count=Count("units", filter=Q(units__status=Unit.SOLD), distinct=True),
    )
    return qs.filter(is_published=True) if published_only else qs


def get_project(tenant, project_id) -> Project:
    return get_owned(Project.objects.select_related("site"), tenant, project_id, what="project")


def units(tenant, *, project_id: int | None = None, status: str | None = None):
    require_owned(tenant, (Project, project_id))
    qs = Unit.objects.for_tenant(tenant).select_related("project__site")
    if project_id:
        qs = qs.filter(project_id=project_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_unit(tenant, unit_id) -> Unit:
    return get_owned(Unit.objects.select_related("project__site"), tenant, unit_id, what="unit")


def active_booking_of(unit: Unit) -> EstateBooking | None:
    rows = with_display(list(bookings(unit.tenant).filter(unit=unit, booking__status__in=ACTIVE_STATES)[:1]))
    return rows[0] if rows else None


# ---------------------------------------------------------------- bookings

def bookings(tenant, *, status: str | None = None, customer_id: int | None = None, unit_id: int | None = None, project_id: int | None = None):
    require_owned(tenant, (Customer, customer_id), (Unit, unit_id), (Project, project_id))
    qs = (EstateBooking.objects.for_tenant(tenant).select_related("unit__project__site", "customer", "booking")
          .annotate(received_minor=_received(), hold_expires_at=F("booking__hold__expires_at")))
    if status:
        qs = qs.filter(booking__status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if project_id:
        qs = qs.filter(unit__project_id=project_id)
    return qs


def bookings_for(tenant, user, **filters):
    """Staff see every booking; a customer only their own."""
    if has_perm(user, tenant, "estate.view"):
        return bookings(tenant, **filters)
    customer = customer_of(tenant, user)
    return bookings(tenant, **filters).filter(customer=customer) if customer else EstateBooking.objects.none()


def get_booking(tenant, booking_id, *, user=None) -> EstateBooking:
    qs = bookings_for(tenant, user) if user is not None else bookings(tenant)
    booking = get_owned(qs, tenant, booking_id, what="booking")
    return with_display([booking])[0]


def customer_of(tenant, user) -> Customer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.for_tenant(tenant).filter(user=user).first()


def payments(tenant, *, booking_id: int | None = None, status: str | None = None):
    """Billing payments of estate bookings (any source: money bound to the booking is its money)."""
    qs = Payment.objects.for_tenant(tenant).filter(booking__estate__isnull=False).select_related("customer", "booking__estate__unit")
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def get_payment(tenant, payment_id) -> Payment:
    return get_owned(payments(tenant), tenant, payment_id, what="payment")


def with_labels(rows):
    """Attach `.kind_label` (estate's word for billing's free `kind`) to payments."""
    rows = list(rows)
    for row in rows:
        row.kind_label = KIND_LABELS.get(row.kind, row.kind.replace("_", " ").capitalize() or "Payment")
    return rows


def reminders(tenant, *, payment_id: int | None = None, booking_id: int | None = None):
    qs = PaymentReminder.objects.for_tenant(tenant).filter(payment__booking__estate__isnull=False).select_related("payment")
    if payment_id:
        qs = qs.filter(payment_id=payment_id)
    if booking_id:
        qs = qs.filter(payment__booking_id=booking_id)
    return qs


def overdue_payments(tenant):
    today = local_today(tenant.time_zone)
    return payments(tenant, status=Payment.EXPECTED).filter(due_date__lt=today).order_by("due_date", "id")


# ---------------------------------------------------------------- leads and reviews

def leads(tenant, user, *, stage: str | None = None):
    """Managers see every lead; an agent only their assigned leads."""
    qs = Lead.objects.for_tenant(tenant).select_related("assigned_agent", "customer", "project__site")
    if not has_perm(user, tenant, "estate.lead.manage"):
        qs = qs.filter(assigned_agent_id=getattr(user, "pk", None))
    if stage:
        qs = qs.filter(stage=stage)
    return qs


def get_lead(tenant, user, lead_id) -> Lead:
    return get_owned(leads(tenant, user), tenant, lead_id, what="lead")


def reviews(tenant, *, status: str | None = None, project_id: int | None = None, agent_id: int | None = None):
    require_owned(tenant, (Project, project_id))
    require_member(tenant, agent_id)
    qs = Review.objects.for_tenant(tenant).select_related("customer", "project__site", "agent")
    qs = qs.filter(status=status) if status else qs
    if project_id:
        qs = qs.filter(project_id=project_id)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    return qs


def public_reviews(tenant, *, project_id: int | None = None, agent_id: int | None = None):
    return reviews(tenant, status=Review.APPROVED, project_id=project_id, agent_id=agent_id)


def ratings(tenant) -> dict:
    """Average rating and count of APPROVED reviews per project and per agent."""
    approved = Review.objects.for_tenant(tenant).filter(status=Review.APPROVED)
    by_project = approved.filter(project__isnull=False).values("project_id", "project__site__name").annotate(average=Avg("rating"), count=Count("id")).order_by("project__site__name")
    by_agent = approved.filter(agent__isnull=False).values("agent_id", "agent__email", "agent__full_name").annotate(average=Avg("rating"), count=Count("id")).order_by("agent__email")
    return {"projects": [{"project_id": r["project_id"], "name": r["project__site__name"], "average": round(float(r["average"]), 2), "count": r["count"]} for r in by_project],
            "agents": [{"agent_id": r["agent_id"], "name": r["agent__full_name"] or r["agent__email"], "average": round(float(r["average"]), 2), "count": r["count"]} for r in by_agent]}


def staff_members(tenant):
    from holdfast.core.accounts.models import Membership

    return [m.user for m in Membership.objects.for_tenant(tenant).filter(is_active=True).select_related("user", "role").order_by("user__email")
            if has_perm(m.user, tenant, "estate.view")]


# ---------------------------------------------------------------- dashboard

def dashboard(tenant) -> dict:
    counts = dict(EstateBooking.objects.for_tenant(tenant).values_list("booking__status").annotate(n=Count("pk")).values_list("booking__status", "n"))
    overdue = overdue_payments(tenant)
    units_by_status = dict(Unit.objects.for_tenant(tenant).values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    today = local_today(tenant.time_zone)
    months = []
    year, month = today.year, today.month
    for _ in range(6):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    # Money kept (received net of refunds), by the month it was received in the tenant's time zone.
    by_month: dict[tuple[int, int], int] = {}
    received_total = 0
    for payment in with_payment_amounts(payments(tenant, status=Payment.RECEIVED)):
        kept = payment.amount_minor - payment.refunded_minor
        received_total += kept
        day = localtime(payment.paid_at, zone(tenant.time_zone)).date()
        by_month[(day.year, day.month)] = by_month.get((day.year, day.month), 0) + kept
    return {
        "holds_waiting": counts.get(HOLD_REQUESTED, 0),
        "approved": counts.get(HOLD_APPROVED, 0),
        "units_sold": units_by_status.get(Unit.SOLD, 0),
        "units_available": units_by_status.get(Unit.AVAILABLE, 0),
        "units_held": units_by_status.get(Unit.HELD, 0),
        "payments_received_minor": received_total,
        "overdue_count": overdue.count(),
        "overdue_minor": overdue.aggregate(s=Sum("amount_minor"))["s"] or 0,
        "currency": tenant.currency,
        "received_by_month": [{"month": f"{y:04d}-{m:02d}", "label": dates.render(dt.date(y, m, 1), "YEAR_MONTH_FORMAT", tenant), "received_minor": by_month.get((y, m), 0) or 0}
                              for y, m in months],
    }

"""Petcare reads: scoped lists and the dashboards of seed 003 §6, each figure exactly as the seed
defines it, in the business time zone, with the rows behind it (`figure_rows`). Dashboards never write.

Revenue is billing's (PAID invoices only, §5.5); jobs are workload and forecast, never revenue.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.billing import reports
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.core.customers.models import Customer
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit import clock
from holdfast.kit.errors import ValidationFailed

from .models import ACTIVE_STATES, CANCELLED, COMPLETED, ITEM_SOURCE, PENDING, ClientProfile, Dog, Feedback, Job, RecurringSeries, Service, TimeOff, Walker

RANGES = (7, 30, 90)


def jobs(tenant):
    return (Job.objects.for_tenant(tenant).select_related("booking", "booking__customer", "booking__resource", "service")
            .prefetch_related("dogs").order_by("booking__starts_at", "booking_id"))


def jobs_for(tenant, user):
    """What `user` may see: everything with petcare.view; a walker their assigned jobs; a client their own."""
    qs = jobs(tenant)
    if has_perm(user, tenant, "petcare.view"):
        return qs
    mine = Q(booking__customer__user=user)
    if has_perm(user, tenant, "petcare.view_own"):
        mine |= Q(booking__resource__petcare_walker__user=user)
    return qs.filter(mine)


def filter_jobs(qs, *, status: str | None = None, walker_id: int | None = None, customer_id: int | None = None, service_id: int | None = None,
                since: dt.datetime | None = None, until: dt.datetime | None = None, unassigned: bool | None = None, series_id: int | None = None,
                tenant=None):
    """Narrow a job queryset; with `tenant`, ids a client named must be that tenant's (404 otherwise)."""
    if tenant is not None:
        require_owned(tenant, (Walker, walker_id), (Customer, customer_id), (Service, service_id), (RecurringSeries, series_id))
    if status:
        qs = qs.filter(booking__status=status)
    if walker_id:
        qs = qs.filter(booking__resource__petcare_walker__id=walker_id)
    if customer_id:
        qs = qs.filter(booking__customer_id=customer_id)
    if service_id:
        qs = qs.filter(service_id=service_id)
    if since:
        qs = qs.filter(booking__starts_at__gte=since)
    if until:
        qs = qs.filter(booking__starts_at__lt=until)
    if unassigned is not None:
        qs = qs.filter(booking__resource__isnull=unassigned)
    if series_id:
        qs = qs.filter(series_id=series_id)
    return qs


def get_job(tenant, user, job_id: int) -> Job:
    return get_owned(jobs_for(tenant, user), tenant, job_id, what="job")


def job_transitions(tenant, user, job: Job) -> set[str]:
    """The flow steps (approve, decline, complete, cancel) `user` may take on `job` now, asked of the
    engine: the same permissions, own-permissions and guards (staff switches, a client cancels only
    PENDING, a billed job stays) that the step enforces, kept in one place (flows.py)."""
    from holdfast.core.bookings.selectors import allowed_transitions

    return {step.name for step in allowed_transitions(tenant, user, job.booking)}


def walker_of_job(job: Job) -> Walker | None:
    resource = job.booking.resource
    return getattr(resource, "petcare_walker", None) if resource is not None else None


def walkers(tenant):
    return Walker.objects.for_tenant(tenant).select_related("resource", "user").prefetch_related("services", "availability").order_by("resource__name")


ICAL_SALT = "petcare.ical"


def ical_token(tenant, walker: Walker) -> str:
    """The signed token of a walker's iCal feed link; it names the walker's current token version."""
    from django.core import signing

    return signing.dumps({"w": walker.pk, "t": tenant.pk, "v": walker.ical_token_version}, salt=ICAL_SALT)


def walker_for_ical_token(token: str):
    """(tenant, walker) of a live feed token, or None: a bad signature, an inactive business or walker,
    or a token of an older version (the link was rotated; links from before versions count as 1)."""
    from django.core import signing

    from holdfast.core.tenancy.models import Tenant

    try:
        data = signing.loads(token, salt=ICAL_SALT)
        tenant = Tenant.objects.get(pk=data["t"], is_active=True)
        walker = walkers(tenant).get(pk=data["w"], is_active=True)
    except Exception:  # any malformed or unknown token is simply not a calendar
        return None
    return (tenant, walker) if data.get("v", 1) == walker.ical_token_version else None


def walker_for_user(tenant, user) -> Walker | None:
    return Walker.objects.for_tenant(tenant).select_related("resource").filter(user=user).first() if user.is_authenticated else None


def services(tenant, *, active: bool | None = None):
    qs = Service.objects.for_tenant(tenant)
    return qs.filter(is_active=active) if active is not None else qs


def clients(tenant, *, active: bool | None = None, search: str | None = None):
    qs = Customer.objects.for_tenant(tenant).select_related("petcare_profile").annotate(dog_count=Count("petcare_dogs", distinct=True))
    if active is not None:
        qs = qs.filter(is_active=active)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    return qs.order_by("name", "id")


def profile_complete(customer) -> bool:
    """Derived, never stored (§11.5): contact, address, a dog, vet details and an emergency contact."""
    profile = getattr(customer, "petcare_profile", None)
    return bool((customer.email or customer.phone) and (customer.address or {}).get("line1") and profile and profile.vet_details and profile.emergency_contact
                and Dog.objects.filter(customer=customer, is_active=True).exists())


def dogs(tenant, *, customer_id: int | None = None):
    qs = Dog.objects.for_tenant(tenant).select_related("customer")
    return qs.filter(customer_id=customer_id) if customer_id else qs


def time_off(tenant, *, walker_id: int | None = None, status: str | None = None):
    require_owned(tenant, (Walker, walker_id))
    qs = TimeOff.objects.for_tenant(tenant).select_related("walker__resource")
    if walker_id:
        qs = qs.filter(walker_id=walker_id)
    return qs.filter(status=status) if status else qs


def series(tenant):
    return RecurringSeries.objects.for_tenant(tenant).select_related("customer", "service", "walker__resource")


def profiles(tenant):
    return ClientProfile.objects.for_tenant(tenant)


def invoice_items(tenant, *, customer_id: int | None = None, status: str | None = None):
    require_owned(tenant, (Customer, customer_id))
    return billing_selectors.invoice_items(tenant, customer_id=customer_id, status=status).filter(source=ITEM_SOURCE)


def invoices(tenant, *, customer_id: int | None = None, status: str | None = None, overdue: bool | None = None):
    require_owned(tenant, (Customer, customer_id))
    return billing_selectors.invoices(tenant, customer_id=customer_id, status=status, overdue=overdue)


def feedback(tenant=None):
    qs = Feedback.objects.select_related("tenant", "author")
    return qs.filter(tenant=tenant) if tenant is not None else qs


# ---------------------------------------------------------------- §6.1 business admin dashboard

def _today(tenant, at=None) -> dt.date:
    return clock.local_today(tenant.time_zone, at)


def _local_span(tenant, first: dt.date, last_exclusive: dt.date):
    return clock.local_midnight(first, tenant.time_zone), clock.local_midnight(last_exclusive, tenant.time_zone)


def figure_rows(tenant, figure: str, *, at: dt.datetime | None = None, days: int = 30):
    """The rows behind a dashboard figure (jobs or invoices), so every number can be opened."""
    today = _today(tenant, at)
    live = jobs(tenant).exclude(booking__status=CANCELLED)
    if figure == "today":
        return live.filter(booking__starts_at__range=_half_open(*_local_span(tenant, today, today + dt.timedelta(days=1))))
    if figure == "week":
        first, end = clock.week_bounds(today)
        return live.filter(booking__starts_at__range=_half_open(*_local_span(tenant, first, end)))
    if figure == "completed":
        first = today - dt.timedelta(days=days - 1)
        return jobs(tenant).filter(booking__status=COMPLETED, booking__starts_at__range=_half_open(*_local_span(tenant, first, today + dt.timedelta(days=1))))
    if figure == "pending_requests":
        return jobs(tenant).filter(booking__status=PENDING)
    if figure == "unassigned":
        return jobs(tenant).filter(booking__status__in=ACTIVE_STATES, booking__resource__isnull=True, booking__starts_at__gte=at or clock.now())
    if figure in ("unpaid", "overdue", "paid_month", "revenue_7d"):
        qs = billing_selectors.with_amounts(Invoice.objects.for_tenant(tenant).select_related("customer"))
        if figure == "unpaid":
            return qs.filter(status__in=[Invoice.DRAFT, Invoice.PENDING]).exclude(status=Invoice.PENDING, due_date__lt=today)
        if figure == "overdue":
            return qs.filter(status=Invoice.PENDING, due_date__lt=today)
        if figure == "paid_month":
            first, end = clock.month_bounds(today)
            return qs.filter(status=Invoice.PAID, paid_at__range=_half_open(*_local_span(tenant, first, end)))
        moment = at or clock.now()
        return qs.filter(status=Invoice.PAID, paid_at__gte=moment - dt.timedelta(days=7), paid_at__lte=moment)
    if figure == "uninvoiced":
        return InvoiceItem.objects.for_tenant(tenant).filter(source=ITEM_SOURCE, status=InvoiceItem.PENDING).select_related("customer")
    raise ValidationFailed("Unknown figure.", fields={"figure": ["today, week, completed, pending_requests, unassigned, unpaid, overdue, paid_month, revenue_7d or uninvoiced."]})


def _half_open(start, end):
    # __range is inclusive: stop one microsecond before the next day/week/month starts.
    return start, end - dt.timedelta(microseconds=1)


def jobs_over_time(tenant, days: int = 30, *, at: dt.datetime | None = None) -> list[tuple[dt.date, int]]:
    """§6.1: non-cancelled jobs per local day of their start, over the last `days` days (today included)."""
    if days not in RANGES:
        raise ValidationFailed("Unknown range.", fields={"days": ["7, 30 or 90."]})
    today = _today(tenant, at)
    first = today - dt.timedelta(days=days - 1)
    start, end = _local_span(tenant, first, today + dt.timedelta(days=1))
    rows = (Job.objects.for_tenant(tenant).exclude(booking__status=CANCELLED).filter(booking__starts_at__gte=start, booking__starts_at__lt=end)
            .annotate(day=TruncDate("booking__starts_at", tzinfo=ZoneInfo(tenant.time_zone))).values("day").annotate(n=Count("pk")))
    counts = {r["day"]: r["n"] for r in rows}
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]


def service_breakdown(tenant, days: int = 30, *, at: dt.datetime | None = None) -> list[dict]:
    """§6.1: COMPLETED jobs per service over the period."""
    rows = figure_rows(tenant, "completed", at=at, days=days).values("service_id", "service__name").annotate(n=Count("pk")).order_by("-n", "service__name")
    return [{"service_id": r["service_id"], "service": r["service__name"], "completed": r["n"]} for r in rows]


def admin_dashboard(tenant, *, days: int = 30, at: dt.datetime | None = None) -> dict:
    money = reports.revenue_summary(tenant, at=at)
    return {
        "currency": tenant.currency,
        "todays_jobs": figure_rows(tenant, "today", at=at).count(),
        "this_weeks_jobs": figure_rows(tenant, "week", at=at).count(),
        "active_clients": Customer.objects.for_tenant(tenant).filter(is_active=True).count(),
        "revenue_last_7_days_minor": money["revenue_last_7_days_minor"],
        "unpaid_count": money["unpaid_count"], "unpaid_minor": money["unpaid_minor"],
        "overdue_count": money["overdue_count"], "overdue_minor": money["overdue_minor"],
        "paid_this_month_minor": money["paid_this_month_minor"],
        "jobs_over_time": [{"day": d, "jobs": n} for d, n in jobs_over_time(tenant, days, at=at)],
        "service_breakdown": service_breakdown(tenant, days, at=at),
        "revenue_trend": reports.monthly_trend(tenant, months=6, at=at),
        "days": days,
        "action_centre": action_centre(tenant, at=at),
    }


def action_centre(tenant, *, at: dt.datetime | None = None) -> list[dict]:
    """What needs an admin now, each with its count and the figure whose rows it opens."""
    items = [
        ("pending_requests", "Client requests to approve or decline"),
        ("unassigned", "Upcoming jobs without a walker"),
        ("overdue", "Overdue invoices"),
        ("uninvoiced", "Completed jobs' items waiting to be invoiced"),
    ]
    out = [{"figure": key, "label": label, "count": figure_rows(tenant, key, at=at).count()} for key, label in items]
    out.append({"figure": "time_off", "label": "Time off requests to decide", "count": time_off(tenant, status=TimeOff.REQUESTED).count()})
    return [row for row in out if row["count"]]


# ---------------------------------------------------------------- §6.2 finance, §6.3 staff, §6.4 client

def finance(tenant, *, since: dt.date | None = None, until: dt.date | None = None) -> dict:
    return {
        "overview": reports.revenue_summary(tenant),
        "forecast": reports.forecast(tenant),
        "by_service": reports.revenue_by(tenant, "service", since=since, until=until),
        "by_staff": _label_staff(tenant, reports.revenue_by(tenant, "staff", since=since, until=until)),
        "by_client": reports.revenue_by(tenant, "customer", since=since, until=until),
        "trend": reports.monthly_trend(tenant, months=6),
    }


def _label_staff(tenant, rows):
    names = dict(Walker.objects.for_tenant(tenant).values_list("pk", "resource__name"))
    return [{**r, "label": names.get(r["key"], "Unassigned")} for r in rows]


def staff_dashboard(tenant, user, *, at: dt.datetime | None = None) -> dict:
    """§6.3: the walker's jobs today and this week, upcoming and completed."""
    walker = walker_for_user(tenant, user)
    mine = jobs(tenant).filter(booking__resource__petcare_walker=walker) if walker else jobs(tenant).none()
    today = _today(tenant, at)
    first, end = clock.week_bounds(today)
    week = mine.filter(booking__starts_at__range=_half_open(*_local_span(tenant, first, end))).exclude(booking__status=CANCELLED)
    day = mine.filter(booking__starts_at__range=_half_open(*_local_span(tenant, today, today + dt.timedelta(days=1)))).exclude(booking__status=CANCELLED)
    return {
        "walker": walker,
        "today": list(day),
        "week": list(week),
        "upcoming_count": mine.filter(booking__status__in=ACTIVE_STATES, booking__starts_at__gte=at or clock.now()).count(),
        "completed_week": week.filter(booking__status=COMPLETED).count(),
        "pending_response": mine.filter(booking__status__in=ACTIVE_STATES, staff_response="").count(),
    }


def schedule(tenant, *, walker: Walker | None, first: dt.date, days: int) -> list[dict]:
    """Day/week calendar: the walker's (or every walker's) non-cancelled jobs per local day."""
    start, end = _local_span(tenant, first, first + dt.timedelta(days=days))
    qs = jobs(tenant).exclude(booking__status=CANCELLED).filter(booking__starts_at__gte=start, booking__starts_at__lt=end)
    if walker is not None:
        qs = qs.filter(booking__resource__petcare_walker=walker)
    zone = clock.zone(tenant.time_zone)
    by_day: dict[dt.date, list] = {first + dt.timedelta(days=i): [] for i in range(days)}
    for job in qs:
        by_day.setdefault(job.booking.starts_at.astimezone(zone).date(), []).append(job)
    return [{"day": d, "jobs": js} for d, js in sorted(by_day.items())]


def client_portal(tenant, user) -> dict:
    customer = Customer.objects.for_tenant(tenant).filter(user=user).first()
    if customer is None:
        return {"customer": None, "upcoming": [], "cancellable": set(), "past": [], "invoices": [], "dogs": []}
    mine = jobs(tenant).filter(booking__customer=customer)
    now = clock.now()
    upcoming = list(mine.filter(booking__starts_at__gte=now).exclude(booking__status=CANCELLED))
    return {
        "customer": customer,
        "upcoming": upcoming,
        "cancellable": {j.pk for j in upcoming if "cancel" in job_transitions(tenant, user, j)},  # the engine's rule, not the template's
        "past": list(mine.filter(Q(booking__starts_at__lt=now) | Q(booking__status=CANCELLED)).order_by("-booking__starts_at")[:30]),
        "invoices": list(billing_selectors.invoices(tenant, customer_id=customer.pk).exclude(status=Invoice.DRAFT)),
        "dogs": list(Dog.objects.for_tenant(tenant).filter(customer=customer, is_active=True)),
    }


CLIENT_LABELS = {"PENDING": "Requested", "BOOKED": "Confirmed", "COMPLETED": "Completed", "CANCELLED": "Cancelled"}


# ---------------------------------------------------------------- §6.5 super admin (platform)

def platform_dashboard(*, at: dt.datetime | None = None) -> dict:
    """Across every business: revenue (PAID, per currency), active businesses, jobs, users, errors, feedback, churn."""
    from django.contrib.auth import get_user_model
    from django.db.models import Sum

    from holdfast.core.audit.models import SystemLog
    from holdfast.core.billing.models import PaymentAllocation, Payment
    from holdfast.core.tenancy.models import Tenant

    moment = at or clock.now()
    month_ago = moment - dt.timedelta(days=30)
    paid = (PaymentAllocation.objects.filter(invoice__status=Invoice.PAID, payment__status=Payment.RECEIVED)
            .values("invoice__currency").annotate(total=Sum("amount_minor")).order_by("invoice__currency"))
    paid_30 = (PaymentAllocation.objects.filter(invoice__status=Invoice.PAID, payment__status=Payment.RECEIVED, invoice__paid_at__gte=month_ago)
               .values("invoice__currency").annotate(total=Sum("amount_minor")).order_by("invoice__currency"))
    tenants = Tenant.objects.all()
    return {
        "revenue": [{"currency": r["invoice__currency"], "minor": r["total"]} for r in paid],
        "revenue_30d": [{"currency": r["invoice__currency"], "minor": r["total"]} for r in paid_30],
        "active_businesses": tenants.filter(is_active=True, deleted_at__isnull=True).count(),
        "businesses": tenants.count(),
        "churned_30d": tenants.filter(Q(is_active=False) | Q(deleted_at__isnull=False), updated_at__gte=month_ago).count(),
        "jobs_total": Job.objects.count(),
        "jobs_30d": Job.objects.filter(booking__starts_at__gte=month_ago, booking__starts_at__lt=moment).exclude(booking__status=CANCELLED).count(),
        "users": get_user_model().objects.filter(is_active=True).count(),
        "errors_7d": SystemLog.objects.filter(severity__in=["ERROR", "CRITICAL"], created_at__gte=moment - dt.timedelta(days=7)).count(),
        "recent_errors": list(SystemLog.objects.filter(severity__in=["ERROR", "CRITICAL"]).order_by("-created_at")[:10]),
        "feedback": list(Feedback.objects.select_related("tenant", "author").order_by("-created_at")[:20]),
        "per_business": _per_business(tenants),
    }


def _per_business(tenants) -> list[dict]:
    jobs_by = dict(Job.objects.values("tenant_id").annotate(n=Count("pk")).values_list("tenant_id", "n"))
    return [{"pk": t.pk, "name": t.name, "is_active": t.is_active, "verticals": ", ".join(t.enabled_verticals or []), "jobs": jobs_by.get(t.pk, 0)} for t in tenants.order_by("name")]

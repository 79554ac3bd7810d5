"""Revenue figures and forecast (seed 003 §5.5, §6.1–6.2). Read-only, derived from canonical rows.

Revenue is PAID money only: the allocations (which only RECEIVED payments have) on invoices whose
status is PAID, dated by the invoice's paid_at (refunds release allocations and reopen the invoice, so they drop out; credit notes
are not money and never count). Periods are days in the tenant's time zone. VOID, DRAFT and
UNCOLLECTIBLE invoices are never revenue; VOID and UNCOLLECTIBLE are never unpaid or overdue.
EXPECTED payments are a schedule, not money: they appear only in the forecast (and as overdue when
their due date has passed); VOID payments appear nowhere.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Sum

from holdfast.kit import clock

from .models import Invoice, InvoiceItem, InvoiceLine, Payment, PaymentAllocation, Refund
from .selectors import tenant_today, with_amounts


def _paid_allocations(tenant):
    return PaymentAllocation.objects.for_tenant(tenant).filter(invoice__status=Invoice.PAID, payment__status=Payment.RECEIVED)


def _paid_between(tenant, start: dt.datetime, end: dt.datetime) -> int:
    return _paid_allocations(tenant).filter(invoice__paid_at__gte=start, invoice__paid_at__lt=end).aggregate(s=Sum("amount_minor"))["s"] or 0


def _local_range(tenant, first: dt.date, last_exclusive: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = tenant.time_zone or "UTC"
    return clock.local_midnight(first, tz), clock.local_midnight(last_exclusive, tz)


def revenue_summary(tenant, *, at: dt.datetime | None = None) -> dict:
    moment = at or clock.now()
    today = tenant_today(tenant) if at is None else clock.local_today(tenant.time_zone or "UTC", at)
    month_start, month_end = clock.month_bounds(today)
    live = with_amounts(Invoice.objects.for_tenant(tenant))
    overdue = live.filter(status=Invoice.PENDING, due_date__lt=today)
    unpaid = live.filter(status__in=[Invoice.DRAFT, Invoice.PENDING]).exclude(status=Invoice.PENDING, due_date__lt=today)
    return {
        "currency": tenant.currency,
        "revenue_last_7_days_minor": _paid_between(tenant, moment - dt.timedelta(days=7), moment + dt.timedelta(microseconds=1)),
        "paid_this_month_minor": _paid_between(tenant, *_local_range(tenant, month_start, month_end)),
        "unpaid_count": unpaid.count(),
        "unpaid_minor": sum(i.remaining_minor for i in unpaid),
        "overdue_count": overdue.count(),
        "overdue_minor": sum(i.remaining_minor for i in overdue),
        "uncollectible_minor": sum(i.remaining_minor for i in live.filter(status=Invoice.UNCOLLECTIBLE)),
    }


def monthly_trend(tenant, *, months: int = 6, at: dt.datetime | None = None) -> list[dict]:
    """PAID money per month, oldest first, the current month last."""
    today = clock.local_today(tenant.time_zone or "UTC", at)
    starts = []
    cursor = today.replace(day=1)
    for _ in range(months):
        starts.append(cursor)
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    rows = []
    for start in reversed(starts):
        end = clock.month_bounds(start)[1]
        rows.append({"month": start.strftime("%Y-%m"), "paid_minor": _paid_between(tenant, *_local_range(tenant, start, end))})
    return rows


def revenue_by(tenant, dimension: str, *, since: dt.date | None = None, until: dt.date | None = None) -> list[dict]:
    """Breakdown of PAID revenue by customer (allocated money) or by service/staff (paid invoices' lines incl. tax)."""
    if dimension == "customer":
        qs = _paid_allocations(tenant)
        qs = _window(tenant, qs, "invoice__paid_at", since, until)
        rows = qs.values("invoice__customer_id", "invoice__customer__name").annotate(paid_minor=Sum("amount_minor")).order_by("-paid_minor")
        return [{"key": r["invoice__customer_id"], "label": r["invoice__customer__name"], "paid_minor": r["paid_minor"]} for r in rows]
    field = {"service": "category", "staff": "staff_id"}.get(dimension)
    if field is None:
        raise ValueError("dimension is customer, service or staff")
    qs = InvoiceLine.objects.for_tenant(tenant).filter(invoice__status=Invoice.PAID)
    qs = _window(tenant, qs, "invoice__paid_at", since, until)
    rows = qs.values(field).annotate(paid_minor=Sum(F("amount_minor") + F("tax_minor")), lines=Count("id")).order_by("-paid_minor")
    return [{"key": r[field], "label": str(r[field] if r[field] not in (None, "") else "—"), "paid_minor": r["paid_minor"]} for r in rows]


def _window(tenant, qs, field: str, since, until):
    if since:
        qs = qs.filter(**{f"{field}__gte": clock.local_midnight(since, tenant.time_zone or "UTC")})
    if until:
        qs = qs.filter(**{f"{field}__lt": clock.local_midnight(until + dt.timedelta(days=1), tenant.time_zone or "UTC")})
    return qs


def forecast(tenant) -> dict:
    """Expected money: completed-not-invoiced items (pipeline), PENDING invoices not yet due, and
    EXPECTED payments (a down payment, an instalment…; those past due counted apart as overdue)."""
    today = tenant_today(tenant)
    pipeline = InvoiceItem.objects.for_tenant(tenant).filter(status=InvoiceItem.PENDING).aggregate(s=Sum(F("amount_minor") + F("tax_minor")), n=Count("id"))
    upcoming = with_amounts(Invoice.objects.for_tenant(tenant).filter(status=Invoice.PENDING, due_date__gte=today))
    upcoming_minor = sum(i.remaining_minor for i in upcoming)
    expected = Payment.objects.for_tenant(tenant).filter(status=Payment.EXPECTED, currency=tenant.currency)
    due = expected.filter(due_date__gte=today).aggregate(s=Sum("amount_minor"), n=Count("id"))
    late = expected.filter(due_date__lt=today).aggregate(s=Sum("amount_minor"), n=Count("id"))
    return {
        "currency": tenant.currency,
        "uninvoiced_items_count": pipeline["n"] or 0,
        "uninvoiced_minor": pipeline["s"] or 0,
        "pending_due_count": upcoming.count(),
        "pending_due_minor": upcoming_minor,
        "expected_payments_count": due["n"] or 0,
        "expected_payments_minor": due["s"] or 0,
        "overdue_payments_count": late["n"] or 0,
        "overdue_payments_minor": late["s"] or 0,
        "expected_minor": (pipeline["s"] or 0) + upcoming_minor + (due["s"] or 0),
    }


# ---------------------------------------------------------------- money received (every vertical alike)
#
# The business-wide finance screen counts cash: RECEIVED payments dated by paid_at, less refunds dated
# by refunded_at, per currency. That is the one figure every vertical shares — an estate token, a
# hotel desk payment, a storage receipt and a paid pet-care invoice are all RECEIVED payments — so the
# finance screen and each vertical's "received" agree. (Seed 003's dashboard keeps its own definition
# above: PAID invoices.)

def _net_received(tenant, start: dt.datetime | None, end: dt.datetime | None, *, currency: str, source: str | None = None) -> int:
    received = Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED, currency=currency)
    refunds = Refund.objects.for_tenant(tenant).filter(payment__status=Payment.RECEIVED, payment__currency=currency)
    if source is not None:
        received, refunds = received.filter(source=source), refunds.filter(payment__source=source)
    if start is not None:
        received, refunds = received.filter(paid_at__gte=start), refunds.filter(refunded_at__gte=start)
    if end is not None:
        received, refunds = received.filter(paid_at__lt=end), refunds.filter(refunded_at__lt=end)
    return (received.aggregate(s=Sum("amount_minor"))["s"] or 0) - (refunds.aggregate(s=Sum("amount_minor"))["s"] or 0)


def received_currencies(tenant) -> list[str]:
    """The tenant's currency first, then every other currency money was received in."""
    others = set(Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED).order_by().values_list("currency", flat=True).distinct())
    return [tenant.currency] + sorted(others - {tenant.currency})


def received_summary(tenant, *, currency: str | None = None, at: dt.datetime | None = None) -> dict:
    currency = currency or tenant.currency
    moment = at or clock.now()
    today = clock.local_today(tenant.time_zone or "UTC", moment)
    month_start, month_end = clock.month_bounds(today)
    return {
        "currency": currency,
        "last_7_days_minor": _net_received(tenant, moment - dt.timedelta(days=7), moment + dt.timedelta(microseconds=1), currency=currency),
        "this_month_minor": _net_received(tenant, *_local_range(tenant, month_start, month_end), currency=currency),
        "all_time_minor": _net_received(tenant, None, None, currency=currency),
    }


def received_trend(tenant, *, currency: str | None = None, months: int = 6, at: dt.datetime | None = None) -> list[dict]:
    """Net money received per month (first day of the month as `month`), oldest first."""
    currency = currency or tenant.currency
    today = clock.local_today(tenant.time_zone or "UTC", at)
    starts, cursor = [], today.replace(day=1)
    for _ in range(months):
        starts.append(cursor)
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    return [{"month": start, "received_minor": _net_received(tenant, *_local_range(tenant, start, clock.month_bounds(start)[1]), currency=currency)}
            for start in reversed(starts)]


def received_by_source(tenant, *, currency: str | None = None) -> list[dict]:
    """Net money received per source (the vertical that took it: "estate.booking", "hotel.reservation"…)."""
    currency = currency or tenant.currency
    sources = Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED, currency=currency).order_by().values_list("source", flat=True).distinct()
    rows = [{"source": s, "received_minor": _net_received(tenant, None, None, currency=currency, source=s)} for s in sources]
    return sorted(rows, key=lambda r: -r["received_minor"])

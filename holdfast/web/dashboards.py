"""Read-only figures for the four portals' home pages (seed 003 §6: dashboards never write)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from holdfast.core.accounts.models import Membership
from holdfast.core.audit.models import AuditEntry, SystemLog
from holdfast.core.customers.models import Customer
from holdfast.core.events.models import Notification
from holdfast.core.tenancy.models import Tenant
from holdfast.kit import clock
from holdfast.kit import dates

from .charts import bar_chart

CHART_DAYS = 14


def customers_per_day(tenant, days: int = CHART_DAYS) -> list[tuple[dt.date, int]]:
    """Customers created per local day (the tenant's time zone) over the last `days` days, today included."""
    today = clock.local_today(tenant.time_zone)
    first = today - dt.timedelta(days=days - 1)
    rows = (Customer.objects.for_tenant(tenant).filter(created_at__gte=clock.local_midnight(first, tenant.time_zone))
            .annotate(day=TruncDate("created_at", tzinfo=ZoneInfo(tenant.time_zone))).values("day").annotate(n=Count("id")))
    counts = {row["day"]: row["n"] for row in rows}
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]


def unread_notifications(tenant, user):
    return Notification.objects.for_tenant(tenant).filter(recipient=user, read_at__isnull=True)


def recent_notifications(tenant, user, limit: int = 8):
    return list(Notification.objects.for_tenant(tenant).filter(recipient=user)[:limit])


def notifications_since(tenant, user, *, days: int) -> int:
    return Notification.objects.for_tenant(tenant).filter(recipient=user, created_at__gte=clock.now() - dt.timedelta(days=days)).count()


def active_customers(tenant) -> int:
    return Customer.objects.for_tenant(tenant).filter(is_active=True).count()


def admin_stats(tenant, user) -> dict:
    week_ago = clock.now() - dt.timedelta(days=7)
    series = customers_per_day(tenant)
    chart = bar_chart([(dates.render(day, "MONTH_DAY_FORMAT"), n) for day, n in series])
    return {
        "active_customers": active_customers(tenant),
        "members": Membership.objects.for_tenant(tenant).filter(is_active=True).count(),
        "audit_week": AuditEntry.objects.for_tenant(tenant).filter(occurred_at__gte=week_ago).count(),
        "unread": unread_notifications(tenant, user).count(),
        "chart": chart,
        "chart_days": CHART_DAYS,
    }


def recent_audit(tenant, limit: int = 8):
    return list(AuditEntry.objects.for_tenant(tenant).select_related("actor")[:limit])


def platform_tenants():
    return Tenant.objects.active().annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
    ).order_by("name")


def customer_counts(tenant_ids) -> dict[int, int]:
    rows = Customer.objects.filter(tenant_id__in=list(tenant_ids), is_active=True).values("tenant_id").annotate(n=Count("id"))
    return {row["tenant_id"]: row["n"] for row in rows}


def platform_errors(limit: int = 10):
    return list(SystemLog.objects.filter(severity__in=[SystemLog.ERROR_SEVERITY, SystemLog.CRITICAL]).select_related("tenant")[:limit])


def platform_stats() -> dict:
    day_ago = clock.now() - dt.timedelta(days=1)
    return {
        "tenants": Tenant.objects.active().count(),
        "users": Membership.objects.filter(is_active=True).values("user").distinct().count(),
        "customers": Customer.objects.filter(is_active=True).count(),
        "errors_day": SystemLog.objects.filter(severity__in=[SystemLog.ERROR_SEVERITY, SystemLog.CRITICAL], created_at__gte=day_ago).count(),
    }

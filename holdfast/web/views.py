"""Shell views: login/logout, tenant switcher, the portal home pages and the platform screens.
Thin: rules live in services/selectors; the dashboards only read."""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from holdfast.core.accounts import selectors as account_selectors
from holdfast.core.accounts import services as account_services
from holdfast.core.accounts.api_auth import SESSION_TENANT_KEY
from holdfast.core.accounts.forms import TenantCreateForm, apply_domain_error
from holdfast.core.accounts.views import can, current_tenant, page_of, querystring_without_page, require
from holdfast.core.audit import selectors as audit_selectors
from holdfast.core.audit.models import SystemLog
from holdfast.core.customers.selectors import customer_for_user
from holdfast.core.tenancy.models import Tenant
from holdfast.kit.errors import DomainError, PermissionDenied

from . import dashboards
from .forms import LoginForm
from .navigation import ADMIN, CLIENT, PLATFORM, STAFF, portal_for


def client_ip(request) -> str | None:
    """The address login throttling keys on. Behind N trusted proxies (HOLDFAST_TRUSTED_PROXIES=N) it is
    the address the outermost of them saw, taken from the right of X-Forwarded-For (entries further left
    are the client's own claims and can be forged); with 0 proxies, REMOTE_ADDR."""
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def _safe_next(request) -> str:
    target = request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def login_view(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = client_ip(request)
        try:
            account_services.check_login_allowed(email, ip)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            account_services.record_login(email=email, ip=ip, succeeded=user is not None, user=user)
            if user is None:
                form.add_error(None, "That email and password do not match an account.")
            else:
                login(request, user)
                return redirect(_safe_next(request))
    return render(request, "web/login.html", {"form": form}, status=200 if not form.errors else 400)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("web:login")


@login_required
@require_POST
def switch_tenant(request):
    tenant = Tenant.objects.active().filter(slug=request.POST.get("tenant", "")).first()
    if tenant is None or not account_selectors.can_enter_tenant(request.user, tenant):
        messages.error(request, "You are not a member of that business.")
    else:
        request.session[SESSION_TENANT_KEY] = tenant.pk
        messages.success(request, f"Now working in {tenant.name}.")
    return redirect("web:home")


# ---- home: one dashboard per portal --------------------------------------------------------


@login_required
def home(request):
    tenant = current_tenant(request)
    portal = portal_for(request.user, tenant)
    if portal == PLATFORM:
        return platform(request)
    if portal == ADMIN:
        return render(request, "web/home_admin.html", {
            "stats": dashboards.admin_stats(tenant, request.user), "recent_audit": dashboards.recent_audit(tenant) if can(request, "audit.view") else None,
            "notifications": dashboards.recent_notifications(tenant, request.user), "can_create_customer": can(request, "customers.manage"),
        })
    if portal == STAFF:
        return render(request, "web/home_staff.html", {
            "unread": dashboards.unread_notifications(tenant, request.user).count(),
            "week": dashboards.notifications_since(tenant, request.user, days=7),
            "active_customers": dashboards.active_customers(tenant) if can(request, "customers.view") else None,
            "notifications": dashboards.recent_notifications(tenant, request.user, limit=15),
        })
    if portal == CLIENT:
        return render(request, "web/home_client.html", {
            "profile": customer_for_user(tenant, request.user), "notifications": dashboards.recent_notifications(tenant, request.user, limit=15),
            "unread": dashboards.unread_notifications(tenant, request.user).count(),
        })
    return render(request, "web/home_none.html", {})


@login_required
def dashboard_stats(request):
    """The admin dashboard's figures as an HTMX partial, refetched on hf:stats-changed."""
    tenant = require(request, "dashboard.view")
    return render(request, "web/partials/admin_stats.html", {"stats": dashboards.admin_stats(tenant, request.user)})


# ---- platform super admin ------------------------------------------------------------------


def _require_platform(request, perm: str = "platform.view_all") -> None:
    if not account_selectors.has_perm(request.user, None, perm):
        raise PermissionDenied("This page is for platform administrators.", code="permission_denied")


@login_required
def platform(request, form=None, status=200):
    _require_platform(request)
    tenants = list(dashboards.platform_tenants())
    counts = dashboards.customer_counts(t.pk for t in tenants)
    for t in tenants:
        t.customer_count = counts.get(t.pk, 0)
    may_create = account_selectors.has_perm(request.user, None, "platform.manage_tenants")
    return render(request, "web/platform.html", {
        "tenants": tenants, "errors": dashboards.platform_errors(), "stats": dashboards.platform_stats(),
        "form": form or (TenantCreateForm() if may_create else None),
    }, status=status)


@login_required
@require_POST
def platform_create_tenant(request):
    _require_platform(request, "platform.manage_tenants")
    form = TenantCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            owner = None
            if data["owner_email"]:
                owner = account_selectors.find_user(data["owner_email"]) or account_services.create_user(email=data["owner_email"], password=None)
            tenant = account_services.provision_tenant(
                name=data["name"], slug=data["slug"] or None, currency=data["currency"].upper(), time_zone=data["time_zone"],
                country=data["country"].upper(), enabled_verticals=data["enabled_verticals"], owner=owner, actor=request.user,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Business {tenant.name} ({tenant.slug}) created{' with ' + owner.email + ' as Admin' if owner else ''}.")
            return redirect("web:platform")
    return platform(request, form=form, status=422)


@login_required
def platform_logs(request):
    _require_platform(request, "platform.view_logs")
    filters = {k: request.GET.get(k, "").strip() for k in ("log_type", "severity")}
    qs = audit_selectors.system_logs(None, log_type=filters["log_type"] or None, severity=filters["severity"] or None, all_tenants=True).select_related("tenant")
    return render(request, "audit/logs.html", {
        "page": page_of(request, qs, 50), "filters": filters, "qs": querystring_without_page(request),
        "log_types": [t for t, _ in SystemLog.LOG_TYPES], "severities": [s for s, _ in SystemLog.SEVERITIES], "platform": True,
    })

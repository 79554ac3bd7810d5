"""Webhook and notification screens. Thin: rules live in services; refusals become readable messages."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.errors import Conflict, DomainError, ValidationFailed

from . import selectors, services
from .forms import WebhookForm, apply_error
from .models import WebhookDelivery


def _tenant(request, perm: str):
    tenant = getattr(request, "tenant", None) or None
    require_perm(request.user, tenant, perm)  # PermissionDenied renders as a readable 403 page
    return tenant


def _page(request, qs, per_page: int = 50):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- webhooks


@login_required
def webhooks(request):
    tenant = _tenant(request, "webhooks.manage")
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_webhook_endpoint(tenant=tenant, actor=request.user, **form.service_data())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            form = WebhookForm()
    status = 422 if form.errors else 201 if created else 200
    return render(request, "events/webhooks.html", {"endpoints": selectors.webhook_endpoints(tenant), "form": form, "created": created}, status=status)


@login_required
def webhook_detail(request, webhook_id: int):
    tenant = _tenant(request, "webhooks.manage")
    endpoint = selectors.get_webhook_endpoint(tenant, webhook_id)
    state = request.GET.get("state", "").upper()
    state = state if state in dict(WebhookDelivery.STATES) else ""
    page = _page(request, selectors.deliveries(tenant, endpoint, state=state or None))
    return render(request, "events/webhook_detail.html", {"endpoint": endpoint, "page": page, "state": state, "states": [s for s, _ in WebhookDelivery.STATES]})


def _webhook_action(request, webhook_id: int, action, success: str):
    tenant = _tenant(request, "webhooks.manage")
    try:
        action(tenant)
    except (Conflict, ValidationFailed) as exc:  # a missing/foreign id stays a 404 page
        messages.error(request, exc.detail)
    else:
        messages.success(request, success)
    return redirect("events:webhook_detail", webhook_id=webhook_id)


@login_required
@require_POST
def webhook_test(request, webhook_id: int):
    return _webhook_action(request, webhook_id, lambda t: services.send_test_event(tenant=t, actor=request.user, endpoint_id=webhook_id),
                           "Test event queued; it appears in the delivery log within a few seconds.")


@login_required
@require_POST
def webhook_toggle(request, webhook_id: int):
    enable = request.POST.get("enable") == "1"
    return _webhook_action(request, webhook_id, lambda t: services.update_webhook_endpoint(tenant=t, actor=request.user, endpoint_id=webhook_id, is_active=enable),
                           "Endpoint enabled." if enable else "Endpoint disabled; no more deliveries are sent to it.")


@login_required
@require_POST
def delivery_retry(request, webhook_id: int, delivery_id: int):
    return _webhook_action(request, webhook_id, lambda t: services.retry_delivery(tenant=t, actor=request.user, endpoint_id=webhook_id, delivery_id=delivery_id),
                           "Delivery queued again.")


@login_required
@require_POST
def webhook_delete(request, webhook_id: int):
    tenant = _tenant(request, "webhooks.manage")
    try:
        services.delete_webhook_endpoint(tenant=tenant, actor=request.user, endpoint_id=webhook_id)
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Webhook endpoint deleted.")
    return redirect("events:webhooks")


# ---------------------------------------------------------------- notifications


@login_required
def notifications(request):
    tenant = _tenant(request, "notifications.view")
    unread_only = request.GET.get("unread") in ("1", "true")
    qs = selectors.notifications_for(tenant, request.user, unread=True if unread_only else None)
    return render(request, "events/notifications.html", {"page": _page(request, qs), "unread_only": unread_only, "unread_count": selectors.unread_count(tenant, request.user)})


@login_required
@require_POST
def notification_read(request, notification_id: int):
    tenant = _tenant(request, "notifications.view")
    services.mark_notification_read(tenant=tenant, actor=request.user, notification_id=notification_id)
    return HttpResponseRedirect(request.POST["next"]) if _safe_next(request) else redirect("events:notifications")


@login_required
@require_POST
def notifications_read_all(request):
    tenant = _tenant(request, "notifications.view")
    count = services.mark_all_notifications_read(tenant=tenant, actor=request.user)
    messages.success(request, f"Marked {count} notification(s) as read.")
    return redirect("events:notifications")


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    # A path on this site only ("-1" is no URL; redirect() would take it for a view name).
    return target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())

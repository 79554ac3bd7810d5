"""Request context: a correlation id for every request, and the current tenant for web pages."""
from __future__ import annotations

import re
import uuid

from django.utils.functional import SimpleLazyObject

from holdfast.kit.context import correlation_id

SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CorrelationIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        value = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = correlation_id.set(value)
        request.correlation_id = value
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(token)
        response["X-Request-ID"] = value
        return response


def _web_tenant(request):
    from holdfast.core.accounts.api_auth import SESSION_TENANT_KEY, resolve_session_tenant

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    tenant = resolve_session_tenant(request, user)
    if tenant is not None and request.session.get(SESSION_TENANT_KEY) != tenant.pk:
        request.session[SESSION_TENANT_KEY] = tenant.pk
    return tenant


class CurrentTenantMiddleware:
    """`request.tenant` for web pages: the session's chosen tenant if the user may enter it, else
    their first. The API sets its own from the token or X-Tenant header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = SimpleLazyObject(lambda: _web_tenant(request)) if not request.path.startswith("/api/") else None
        request.actor = getattr(request, "user", None)
        return self.get_response(request)


class VerticalGuardMiddleware:
    """A tenant serves only the verticals it has enabled (`Tenant.enabled_verticals`): every path of a
    vertical's API router or screens (config.registry.VERTICAL_PREFIXES) answers 404 for any other
    tenant — a problem body on the API, the not-found page on screens. Requests without a tenant
    (anonymous, a platform session without one) pass: authentication refuses them on its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from holdfast.config.registry import vertical_of_path

        vertical = vertical_of_path(request.path)
        if vertical is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from holdfast.core.accounts.api_auth import resolve_api_tenant
            from holdfast.kit.api import problem

            tenant = resolve_api_tenant(request)
            if tenant and not tenant.has_vertical(vertical):
                return problem(404, "vertical_not_enabled", "Not found", f"This business does not use {vertical}.")
            return self.get_response(request)
        tenant = request.tenant  # lazy: bool() is False when there is none
        if tenant and not tenant.has_vertical(vertical):
            from django.http import Http404

            raise Http404(f"This business does not use {vertical}.")
        return self.get_response(request)


class BusinessTimeMiddleware:
    """Screens show times in the business's own zone (named on the page) and dates in its locale's one
    style (kit.dates). The API keeps UTC and ISO 8601."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from holdfast.kit.dates import business_time

        tenant = getattr(request, "tenant", None)
        with business_time(tenant if tenant else None):  # TemplateResponses render inside the handler, so in the zone too
            return self.get_response(request)

"""API authentication and tenant resolution, shared by every router.

Two ways in: a browser session (with CSRF, tenant from the `X-Tenant` header or the session's
current tenant) or `Authorization: Bearer hf_…` API tokens, which carry their own tenant.
After auth, `request.tenant` and `request.actor` are set; views only call services/selectors.
"""
from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from ninja.security import APIKeyCookie, HttpBearer

from holdfast.core.tenancy.models import Tenant

from . import selectors, services

SESSION_TENANT_KEY = "tenant_id"


def resolve_session_tenant(request, user) -> Tenant | None:
    """The session's tenant, resolved once per request (the guards before ninja's auth ask first)."""
    key = (getattr(user, "pk", None), request.headers.get("X-Tenant"), request.session.get(SESSION_TENANT_KEY) if hasattr(request, "session") else None)
    cached = getattr(request, "_hf_session_tenant", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    tenant = _resolve_session_tenant(request, user)
    request._hf_session_tenant = (key, tenant)
    return tenant


def _resolve_session_tenant(request, user) -> Tenant | None:
    slug = request.headers.get("X-Tenant")
    tenant = None
    if slug:
        tenant = Tenant.objects.active().filter(slug=slug).first()
    elif hasattr(request, "session") and request.session.get(SESSION_TENANT_KEY):
        tenant = Tenant.objects.active().filter(pk=request.session[SESSION_TENANT_KEY]).first()
    if tenant is None and not slug:
        # Only a member falls back to their first business: a platform admin may enter every tenant,
        # so "the first" would be an arbitrary one (issue 16 item 6); they choose with X-Tenant or the switcher.
        tenant = selectors.member_tenants(user).first()
    if tenant is not None and not selectors.can_enter_tenant(user, tenant):
        return None
    return tenant


def token_of(request, raw: str):
    """The request's API token, looked up once per request (the idempotency middleware asks first)."""
    cached = getattr(request, "_hf_token", None)
    if cached is not None and cached[0] == raw:
        return cached[1]
    api_token = selectors.user_for_token(raw)
    request._hf_token = (raw, api_token)
    return api_token


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        api_token = token_of(request, token)
        if api_token is None:
            return None
        services.touch_token(api_token)
        request.user = api_token.user
        request.actor = api_token.user
        request.tenant = api_token.tenant
        request.api_token = api_token
        return api_token.user


class SessionAuth(APIKeyCookie):
    """Django session cookie; CSRF is enforced for unsafe methods."""

    param_name = "sessionid"

    def __init__(self):
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = getattr(request, "_cached_user", None) or getattr(request, "user", None)
        if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
            return None
        tenant = resolve_session_tenant(request, user)
        if tenant is None and request.headers.get("X-Tenant"):
            return None
        request.actor = user
        request.tenant = tenant
        return user


def api_auth():
    return [TokenAuth(), SessionAuth()]


def resolve_api_tenant(request) -> Tenant | None:
    """Tenant of an API request before ninja's auth runs."""
    return resolve_api_identity(request)[0]


def resolve_api_identity(request) -> tuple[Tenant | None, int | None]:
    """(tenant, user id) of an API request before ninja's auth runs (used by the idempotency middleware)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = token_of(request, header.split(" ", 1)[1].strip())
        return (token.tenant, token.user_id) if token else (None, None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        tenant = resolve_session_tenant(request, user)
        return tenant, (user.pk if tenant is not None else None)
    return None, None

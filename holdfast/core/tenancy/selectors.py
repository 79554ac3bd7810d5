"""Tenant-scoped reads. A row of another tenant is indistinguishable from a missing row: 404."""
from __future__ import annotations

from holdfast.kit.errors import NotFound

from .models import Tenant


def get_owned(model_or_qs, tenant, pk, *, what: str | None = None):
    """Fetch one tenant-owned row by primary key or raise NotFound (also for other tenants' ids)."""
    qs = model_or_qs if hasattr(model_or_qs, "for_tenant") and not isinstance(model_or_qs, type) else model_or_qs.objects
    label = what or getattr(getattr(qs, "model", None), "_meta", None) and qs.model._meta.verbose_name
    try:
        return qs.for_tenant(tenant).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No {label or 'record'} with id {pk}.", code="not_found") from None


def require_owned(tenant, *pairs) -> None:
    """A filter naming ids (`?site_id=`, `?customer_id=`) must name the tenant's own rows: each
    (model, pk) whose pk is given is looked up, and another tenant's id is a 404 like a missing one,
    never an empty page that reads as "nothing there"."""
    for model, pk in pairs:
        if pk is not None:
            get_owned(model, tenant, pk)


def get_tenant_by_slug(slug: str) -> Tenant:
    try:
        return Tenant.objects.active().get(slug=slug)
    except Tenant.DoesNotExist:
        raise NotFound(f"No tenant '{slug}'.", code="tenant_not_found") from None


def active_tenants():
    return Tenant.objects.active()

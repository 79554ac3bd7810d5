"""Tenants and the one scoping mechanism every tenant-owned model uses."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

VERTICALS = ("estate", "apartments", "storage", "petcare", "hotel")

DEFAULT_SETTINGS = {
    "payment_terms_days": 14,
    "hold_ttl_minutes": 30,
    "hold_max_extensions": 2,
    "staff_may_complete_jobs": True,
    "staff_may_approve": False,
    "brand_name": "",
    "brand_color": "#1f4e79",
}


class TenantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, deleted_at__isnull=True)


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(max_length=64, default="UTC")
    country = models.CharField(max_length=2, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    settings = models.JSONField(default=dict, blank=True)
    enabled_verticals = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="tenant_currency_iso"),
        ]

    def __str__(self) -> str:
        return self.name

    def setting(self, key: str):
        return (self.settings or {}).get(key, DEFAULT_SETTINGS.get(key))

    def has_vertical(self, vertical: str) -> bool:
        return vertical in (self.enabled_verticals or [])


class TenantOwnedQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """The only way tenant-owned rows are read: every selector starts here."""
        if tenant is None:
            return self.none()
        return self.filter(tenant=tenant)


class TenantOwned(models.Model):
    """Every tenant-owned row carries tenant_id (so tenants can later be distributed by it)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", db_index=True)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        abstract = True

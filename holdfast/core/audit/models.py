"""Append-only audit entries (business changes) and system logs (operational events)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from holdfast.core.tenancy.models import Tenant, TenantOwnedQuerySet


class AuditEntry(models.Model):
    """One business change: who did what to which record, with the diff. Never updated or deleted
    (a PostgreSQL trigger refuses UPDATE and DELETE)."""

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    actor_label = models.CharField(max_length=254, blank=True, default="")
    entity_type = models.CharField(max_length=80)
    entity_id = models.CharField(max_length=64)
    action = models.CharField(max_length=120)
    diff = models.JSONField(default=dict, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["tenant", "entity_type", "entity_id", "occurred_at"], name="audit_entity_idx"),
            models.Index(fields=["tenant", "actor", "occurred_at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type}#{self.entity_id}"


class SystemLog(models.Model):
    AUTH, ERROR, PAYMENT, SYSTEM = "AUTH", "ERROR", "PAYMENT", "SYSTEM"
    LOG_TYPES = [(t, t) for t in (AUTH, ERROR, PAYMENT, SYSTEM)]
    INFO, WARN, ERROR_SEVERITY, CRITICAL = "INFO", "WARN", "ERROR", "CRITICAL"
    SEVERITIES = [(s, s) for s in (INFO, WARN, ERROR_SEVERITY, CRITICAL)]

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    log_type = models.CharField(max_length=10, choices=LOG_TYPES)
    severity = models.CharField(max_length=10, choices=SEVERITIES, default=INFO)
    message = models.CharField(max_length=500)
    metadata = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "log_type", "created_at"], name="systemlog_type_idx")]

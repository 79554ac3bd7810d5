from __future__ import annotations

from .models import AuditEntry, SystemLog


def audit_entries(tenant, *, entity_type: str | None = None, entity_id=None, action_prefix: str | None = None):
    qs = AuditEntry.objects.for_tenant(tenant).select_related("actor")
    if entity_type:
        qs = qs.filter(entity_type=entity_type)
    if entity_id is not None:
        qs = qs.filter(entity_id=str(entity_id))
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return qs


def system_logs(tenant, *, log_type: str | None = None, severity: str | None = None, all_tenants: bool = False):
    qs = SystemLog.objects.all() if all_tenants else SystemLog.objects.for_tenant(tenant)
    if log_type:
        qs = qs.filter(log_type=log_type)
    if severity:
        qs = qs.filter(severity=severity)
    return qs

"""The only writers of audit entries and system logs."""
from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import models

from holdfast.kit.context import current_correlation_id

from .models import AuditEntry, SystemLog


def _jsonable(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def diff_of(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed."""
    keys = set(before) | set(after)
    return {k: [_jsonable(before.get(k)), _jsonable(after.get(k))] for k in sorted(keys) if before.get(k) != after.get(k)}


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


def log_action(*, tenant, actor, entity, action: str, diff: dict | None = None, entity_type: str | None = None, entity_id=None) -> AuditEntry:
    """Record one business change. Call inside the service's transaction.

    `entity` is a model instance (its type and id are taken) or None with entity_type/entity_id.
    `action` is namespaced: `estate.booking.approved`, `accounts.role.updated`.
    """
    if entity is not None:
        entity_type = entity_type or entity._meta.label_lower
        entity_id = entity.pk if entity_id is None else entity_id
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=actor_obj,
        actor_label=str(getattr(actor, "email", None) or actor or "system"),
        entity_type=entity_type or "unknown",
        entity_id=str(entity_id if entity_id is not None else ""),
        action=action,
        diff=_jsonable(diff or {}),
        correlation_id=current_correlation_id(),
    )


def log_system(log_type: str, message: str, *, severity: str = SystemLog.INFO, tenant=None, user=None, **metadata) -> SystemLog:
    return SystemLog.objects.create(
        tenant=tenant,
        log_type=log_type,
        severity=severity,
        message=message[:500],
        metadata=_jsonable(metadata),
        user=user if getattr(user, "pk", None) else None,
    )

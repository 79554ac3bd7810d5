"""Writing events: `emit()` stores an outbox row in the caller's transaction."""
from __future__ import annotations

from holdfast.core.audit.services import _jsonable
from holdfast.kit.context import current_correlation_id

from .models import Notification, OutboxEvent


def emit(tenant, event_type: str, payload: dict | None = None) -> OutboxEvent:
    """Store an event (`entity:verb`) for delivery after commit. Must run inside the business transaction."""
    if ":" not in event_type:
        raise ValueError(f"event names are entity:verb, got {event_type!r}")
    body = dict(_jsonable(payload or {}))
    body.setdefault("correlation_id", current_correlation_id())
    return OutboxEvent.objects.create(tenant=tenant, event_type=event_type, payload=body)


def emit_stats_changed(tenant, scope: str) -> OutboxEvent:
    return emit(tenant, "stats:changed", {"scope": scope})


def notify(tenant, recipient, *, event_type: str, title: str, body: str = "", data: dict | None = None) -> Notification:
    return Notification.objects.create(tenant=tenant, recipient=recipient, event_type=event_type, title=title, body=body, data=_jsonable(data or {}))

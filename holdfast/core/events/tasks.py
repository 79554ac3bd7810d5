"""Periodic jobs of the events app, run by `holdfast worker` (every worker runs them: each is safe in parallel)."""
from __future__ import annotations

from holdfast.kit.periodic import periodic

from . import dispatcher, services


@periodic("events.outbox_dispatch", every_seconds=2)
def dispatch_outbox() -> int:
    """Fan new outbox events out to webhook deliveries (claimed with SKIP LOCKED)."""
    return dispatcher.dispatch_all()


@periodic("events.webhook_delivery", every_seconds=2)
def deliver_webhooks() -> int:
    """POST deliveries that are due: first attempts and retries whose back-off has passed."""
    total = 0
    for _ in range(10):  # bounded so one tick never starves the other jobs
        handled = dispatcher.deliver_due(limit=20)
        total += handled
        if handled < 20:
            break
    return total


@periodic("events.idempotency_purge", every_seconds=600)
def purge_idempotency_keys() -> int:
    return services.purge_expired_idempotency_keys()

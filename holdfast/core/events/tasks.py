"""Periodic jobs of the events app, run by `holdfast worker` (every worker runs them: each is safe in parallel)."""
from __future__ import annotations

import time

from holdfast.kit.periodic import periodic
from holdfast.kit.batches import drain

from . import dispatcher, services

DELIVERY_BUDGET_SECONDS = 10
RETENTION_BATCH = 500
RETENTION_BATCHES_PER_RUN = 20


@periodic("events.outbox_dispatch", every_seconds=2)
def dispatch_outbox() -> int:
    """Fan new outbox events out to webhook deliveries (claimed with SKIP LOCKED)."""
    return dispatcher.dispatch_all()


@periodic("events.webhook_delivery", every_seconds=2)
def deliver_webhooks() -> int:
    """POST deliveries that are due: first attempts and retries whose back-off has passed.

    Small claims and a time budget: a slow receiver (up to WEBHOOK_TIMEOUT_SECONDS per call) must not
    hold this worker's other sweeps back for long, and unclaimed deliveries stay free for other workers."""
    total, started = 0, time.monotonic()
    while time.monotonic() - started < DELIVERY_BUDGET_SECONDS:
        handled = dispatcher.deliver_due(limit=5)
        total += handled
        if handled < 5:
            break
    return total


@periodic("events.idempotency_purge", every_seconds=600)
def purge_idempotency_keys() -> int:
    return services.purge_expired_idempotency_keys()


@periodic("events.outbox_retention", every_seconds=3600)
def purge_old_outbox_events() -> int:
    """Drop finished outbox events (and their deliveries) after the retention period, a few bounded
    batches per run so one run stays short and a backlog drains over several runs."""
    return drain(services.purge_old_outbox_events, batch=RETENTION_BATCH, batches=RETENTION_BATCHES_PER_RUN)


@periodic("events.notification_retention", every_seconds=3600)
def purge_read_notifications() -> int:
    return drain(services.purge_read_notifications, batch=RETENTION_BATCH, batches=RETENTION_BATCHES_PER_RUN)

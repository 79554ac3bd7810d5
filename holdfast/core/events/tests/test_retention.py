"""Outbox retention: finished events older than 30 days go (with their deliveries), in bounded batches."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from holdfast.core.events import services, tasks
from holdfast.core.events.management.commands.worker import discover_periodic_jobs
from holdfast.core.events.models import OutboxEvent, WebhookDelivery
from tests.factories import OutboxEventFactory, TenantFactory, WebhookDeliveryFactory, WebhookEndpointFactory

OLD = dt.timedelta(days=31)


def _event(tenant, *, processed_ago, states=()):
    event = OutboxEventFactory(tenant=tenant, processed_at=None if processed_ago is None else timezone.now() - processed_ago)
    for state in states:
        WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=tenant), event=event, state=state)
    return event


def test_old_finished_events_are_deleted_with_their_deliveries(tenant):
    done = _event(tenant, processed_ago=OLD, states=[WebhookDelivery.DELIVERED, WebhookDelivery.FAILED])
    no_deliveries = _event(tenant, processed_ago=OLD)

    assert services.purge_old_outbox_events() == 2

    assert not OutboxEvent.objects.filter(pk__in=[done.pk, no_deliveries.pk]).exists()
    assert not WebhookDelivery.objects.filter(event_id=done.pk).exists()


def test_recent_unprocessed_and_still_pending_events_are_kept(tenant):
    recent = _event(tenant, processed_ago=dt.timedelta(days=29), states=[WebhookDelivery.DELIVERED])
    unprocessed = _event(tenant, processed_ago=None)
    unprocessed.occurred_at = timezone.now() - OLD
    unprocessed.save()
    pending = _event(tenant, processed_ago=OLD, states=[WebhookDelivery.DELIVERED, WebhookDelivery.PENDING])

    assert services.purge_old_outbox_events() == 0

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, unprocessed.pk, pending.pk}
    assert WebhookDelivery.objects.filter(event=pending).count() == 2


def test_one_purge_deletes_at_most_its_batch(tenant):
    for _ in range(3):
        _event(tenant, processed_ago=OLD)
    assert services.purge_old_outbox_events(limit=2) == 2
    assert OutboxEvent.objects.count() == 1


def test_the_periodic_job_is_registered_and_drains_a_backlog_in_bounded_batches(tenant, monkeypatch):
    assert "events.outbox_retention" in {job.name for job in discover_periodic_jobs()}
    monkeypatch.setattr(tasks, "RETENTION_BATCH", 2)
    monkeypatch.setattr(tasks, "RETENTION_BATCHES_PER_RUN", 2)
    for _ in range(5):
        _event(tenant, processed_ago=OLD)

    assert tasks.purge_old_outbox_events() == 4  # two batches of two, then the run stops
    assert tasks.purge_old_outbox_events() == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_parallel_purges_delete_each_event_once_without_errors():
    tenant = TenantFactory()
    for _ in range(40):
        _event(tenant, processed_ago=OLD, states=[WebhookDelivery.DELIVERED])
    results, errors = [], []

    def purge():
        try:
            while (n := services.purge_old_outbox_events(limit=5)):
                results.append(n)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=purge) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(results) == 40
    assert not OutboxEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_notifications_read_long_ago_go_and_unread_ones_stay(tenant, settings):
    from tests.factories import NotificationFactory

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "read_notifications": 10}
    now = timezone.now()
    old_read = NotificationFactory(tenant=tenant, read_at=now - dt.timedelta(days=11))
    recent_read = NotificationFactory(tenant=tenant, read_at=now - dt.timedelta(days=9))
    old_unread = NotificationFactory(tenant=tenant, created_at=now - dt.timedelta(days=400))
    assert tasks.purge_read_notifications() == 1
    from holdfast.core.events.models import Notification

    assert set(Notification.objects.values_list("pk", flat=True)) == {recent_read.pk, old_unread.pk}
    assert old_read.pk not in set(Notification.objects.values_list("pk", flat=True))


def test_system_logs_past_their_retention_go_and_audit_entries_stay(tenant, settings):
    from holdfast.core.audit import tasks as audit_tasks
    from holdfast.core.audit.models import AuditEntry, SystemLog
    from tests.factories import AuditEntryFactory, SystemLogFactory

    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "system_logs": 5}
    now = timezone.now()
    SystemLogFactory(created_at=now - dt.timedelta(days=6))
    keep = SystemLogFactory(created_at=now - dt.timedelta(days=4))
    AuditEntryFactory(tenant=tenant, occurred_at=now - dt.timedelta(days=4000))
    assert audit_tasks.purge_system_logs() == 1
    assert list(SystemLog.objects.values_list("pk", flat=True)) == [keep.pk]
    assert AuditEntry.objects.count() == 1


def test_the_worker_schedules_every_retention_sweep():
    names = {job.name for job in discover_periodic_jobs()}
    assert {"events.outbox_retention", "events.notification_retention", "accounts.login_attempt_retention", "audit.system_log_retention"} <= names

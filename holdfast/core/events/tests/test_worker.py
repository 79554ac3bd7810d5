"""`holdfast worker`: periodic jobs discovered from every app's tasks.py, --once, and a real process."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import task

from holdfast.core.events.management.commands.worker import discover_periodic_jobs
from holdfast.core.events.models import OutboxEvent, WebhookDelivery
from holdfast.kit import periodic
from tests.factories import OutboxEventFactory, TenantFactory, WebhookEndpointFactory


def test_discovery_registers_the_events_jobs():
    names = {job.name for job in discover_periodic_jobs()}
    assert {"events.outbox_dispatch", "events.webhook_delivery", "events.idempotency_purge"} <= names


def test_once_dispatches_and_delivers_then_exits(tenant, hook_server):
    hook_server.secret = "s"
    WebhookEndpointFactory(tenant=tenant, url=hook_server.url, secret="s")
    OutboxEventFactory(tenant=tenant, event_type="booking:created")
    out = io.StringIO()

    call_command("worker", "--once", "--only", "events.", stdout=out)

    assert "events.outbox_dispatch: 1" in out.getvalue()
    assert "events.webhook_delivery: 1" in out.getvalue()
    assert WebhookDelivery.objects.get().state == WebhookDelivery.DELIVERED
    assert len(hook_server.received) == 1 and hook_server.received[0].signature_ok


def test_a_failing_job_does_not_stop_the_others(tenant, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(periodic.PERIODIC, "events.aaa_broken", periodic.PeriodicJob("events.aaa_broken", 1, broken))
    OutboxEventFactory(tenant=tenant)
    out = io.StringIO()
    call_command("worker", "--once", "--only", "events.", stdout=out)
    assert "events.aaa_broken: failed" in out.getvalue()
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_process_delivers_and_stops_gracefully_on_sigterm(hook_server):
    tenant = TenantFactory()
    hook_server.secret = "proc"
    WebhookEndpointFactory(tenant=tenant, url=hook_server.url, secret="proc")
    OutboxEventFactory(tenant=tenant)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "holdfast.config.settings", "LOG_LEVEL": "INFO"}
    holdfast = Path(sys.executable).with_name("holdfast")
    proc = subprocess.Popen([str(holdfast), "worker", "--interval", "0.2", "--only", "events."], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while not hook_server.received and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert hook_server.received and hook_server.received[0].signature_ok
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "worker stopped" in output
    assert "events.outbox_dispatch handled 1" in output



RAN: list[int] = []


@task()
def sample_task(value: int) -> int:
    RAN.append(value)
    return value * 2


def test_once_runs_ready_database_tasks(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    result = sample_task.enqueue(21)
    RAN.clear()
    call_command("worker", "--once", "--only", "none", stdout=io.StringIO())
    assert RAN == [21]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"

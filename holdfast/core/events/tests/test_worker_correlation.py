"""Every periodic job run and every task run in `holdfast worker` gets its own correlation id."""
from __future__ import annotations

import io

from django.core.management import call_command
from django.tasks import task

from holdfast.core.audit.models import AuditEntry
from holdfast.core.audit.services import log_action
from holdfast.core.tenancy.models import Tenant
from holdfast.kit import periodic
from holdfast.kit.context import correlation_id


def _audited_job() -> int:
    log_action(tenant=Tenant.objects.order_by("pk").first(), actor=None, entity=None, action="test.job.ran", entity_type="test", entity_id=1)
    return 1


def test_two_runs_of_a_periodic_job_write_different_correlation_ids(tenant, monkeypatch):
    monkeypatch.setitem(periodic.PERIODIC, "zz_test.audited", periodic.PeriodicJob("zz_test.audited", 1, _audited_job))
    before = correlation_id.get()  # earlier tests in this thread may have set one outside a request

    call_command("worker", "--once", "--no-tasks", "--only", "zz_test.", stdout=io.StringIO())
    call_command("worker", "--once", "--no-tasks", "--only", "zz_test.", stdout=io.StringIO())

    ids = list(AuditEntry.objects.filter(action="test.job.ran").values_list("correlation_id", flat=True))
    assert len(ids) == 2 and all(ids)
    assert ids[0] != ids[1]
    assert before not in ids
    assert correlation_id.get() == before  # the run's id does not leak into the caller


@task()
def audited_task() -> None:
    _audited_job()


def test_two_task_runs_write_different_correlation_ids(tenant, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    audited_task.enqueue()
    audited_task.enqueue()

    call_command("worker", "--once", "--only", "none", stdout=io.StringIO())

    ids = list(AuditEntry.objects.filter(action="test.job.ran").values_list("correlation_id", flat=True))
    assert len(ids) == 2 and all(ids)
    assert ids[0] != ids[1]

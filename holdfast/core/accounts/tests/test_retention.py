"""Login attempts are kept 30 days, deleted by a periodic job in bounded batches."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdfast.core.accounts import tasks
from holdfast.core.accounts.models import LoginAttempt
from holdfast.core.events.management.commands.worker import discover_periodic_jobs


def _attempt(age: dt.timedelta) -> LoginAttempt:
    return LoginAttempt.objects.create(email="a@example.com", at=timezone.now() - age)


def test_attempts_older_than_thirty_days_are_deleted_and_recent_ones_kept(db):
    _attempt(dt.timedelta(days=31))
    recent = _attempt(dt.timedelta(days=29))

    assert tasks.purge_old_login_attempts() == 1

    assert list(LoginAttempt.objects.values_list("pk", flat=True)) == [recent.pk]


def test_one_purge_deletes_at_most_its_batch(db):
    for _ in range(3):
        _attempt(dt.timedelta(days=40))
    assert tasks.purge_old_login_attempts(limit=2) == 2
    assert LoginAttempt.objects.count() == 1


def test_the_periodic_job_is_registered_and_drains_in_bounded_batches(db, monkeypatch):
    assert "accounts.login_attempt_retention" in {job.name for job in discover_periodic_jobs()}
    monkeypatch.setattr(tasks, "RETENTION_BATCH", 2)
    monkeypatch.setattr(tasks, "RETENTION_BATCHES_PER_RUN", 2)
    for _ in range(5):
        _attempt(dt.timedelta(days=40))

    assert tasks.purge_login_attempts() == 4
    assert tasks.purge_login_attempts() == 1

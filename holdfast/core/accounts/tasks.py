"""Periodic jobs of the accounts app, run by `holdfast worker` (every worker runs them: each is safe in parallel)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from holdfast.kit.periodic import periodic

from .models import LoginAttempt

LOGIN_ATTEMPT_RETENTION_DAYS = 30  # throttling only looks back minutes; the rest is kept for audit questions
RETENTION_BATCH = 1000
RETENTION_BATCHES_PER_RUN = 20


def purge_old_login_attempts(*, limit: int = RETENTION_BATCH, now=None) -> int:
    """Delete one batch of login attempts older than the retention period; returns how many.

    Re-checking the age in the DELETE keeps it correct when several workers pick the same batch (the
    slower one simply deletes nothing)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=LOGIN_ATTEMPT_RETENTION_DAYS)
    with transaction.atomic():
        ids = list(LoginAttempt.objects.filter(at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        deleted, _ = LoginAttempt.objects.filter(pk__in=ids, at__lt=cutoff).delete()
    return deleted


@periodic("accounts.login_attempt_retention", every_seconds=3600)
def purge_login_attempts() -> int:
    """A few bounded batches per run: short runs, and a backlog drains over several runs."""
    total = 0
    for _ in range(RETENTION_BATCHES_PER_RUN):
        deleted = purge_old_login_attempts(limit=RETENTION_BATCH)
        total += deleted
        if deleted < RETENTION_BATCH:
            break
    return total

"""Periodic jobs of the accounts app, run by `holdfast worker` (every worker runs them: each is safe in parallel)."""
from __future__ import annotations

from django.conf import settings

from holdfast.kit.periodic import periodic
from holdfast.kit.batches import drain
from holdfast.kit.retention import purge_older_than

from .models import LoginAttempt

RETENTION_BATCH = 1000
RETENTION_BATCHES_PER_RUN = 20


def purge_old_login_attempts(*, limit: int = RETENTION_BATCH, now=None) -> int:
    """One batch of login attempts past settings.RETENTION_DAYS["login_attempts"] (throttling only looks
    back minutes; the rest is kept for audit questions)."""
    return purge_older_than(LoginAttempt.objects.all(), "at", settings.RETENTION_DAYS["login_attempts"], limit=limit, now=now)


@periodic("accounts.login_attempt_retention", every_seconds=3600)
def purge_login_attempts() -> int:
    return drain(purge_old_login_attempts, batch=RETENTION_BATCH, batches=RETENTION_BATCHES_PER_RUN)

"""Periodic jobs of the audit app, run by `holdfast worker`. Audit entries are kept for good (append-only,
refused UPDATE/DELETE on PostgreSQL); system logs are operational and expire."""
from __future__ import annotations

from django.conf import settings

from holdfast.kit.periodic import periodic
from holdfast.kit.batches import drain
from holdfast.kit.retention import purge_older_than

from .models import SystemLog

RETENTION_BATCH = 1000
RETENTION_BATCHES_PER_RUN = 20


def purge_old_system_logs(*, limit: int = RETENTION_BATCH, now=None) -> int:
    return purge_older_than(SystemLog.objects.all(), "created_at", settings.RETENTION_DAYS["system_logs"], limit=limit, now=now)


@periodic("audit.system_log_retention", every_seconds=3600)
def purge_system_logs() -> int:
    return drain(purge_old_system_logs, batch=RETENTION_BATCH, batches=RETENTION_BATCHES_PER_RUN)

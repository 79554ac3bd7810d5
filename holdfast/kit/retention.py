"""Retention: delete rows older than a period in short, bounded batches (several workers may run it).

The age is re-checked in the DELETE, so two workers picking the same batch stay correct (the slower
one deletes nothing), and each run stops after a few batches so a backlog drains over several runs.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone


def purge_older_than(queryset, field: str, days: int, *, limit: int = 1000, now=None) -> int:
    """Delete one batch of `queryset` rows whose `field` is older than `days`; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = queryset.filter(**{f"{field}__lt": cutoff})
    with transaction.atomic():
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        deleted, _ = old.filter(pk__in=ids).delete()
    return deleted

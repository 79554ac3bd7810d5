"""Periodic sweeps that `holdfast worker` schedules (hold expiry, due reminders, overdue marking,
outbox delivery, …). An app registers them in its `tasks.py`:

    @periodic("inventory.expire_holds", every_seconds=30)
    def expire_holds() -> int: ...      # returns how many items it handled

Every sweep must be idempotent and safe with several workers at once (claim rows with
SKIP LOCKED or make the write conditional), because every worker runs the schedule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[], int | None]


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every_seconds: float):
    def decorator(fn):
        PERIODIC[name] = PeriodicJob(name=name, every_seconds=every_seconds, run=fn)
        return fn

    return decorator

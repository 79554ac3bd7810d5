"""Locking helpers: take scarce rows briefly, in a fixed order, and turn database refusals into answers.

- `lock_timeout()` bounds how long a statement waits for a row lock (PostgreSQL `lock_timeout`).
- `translate_db_errors()` maps deadlock (40P01), exclusion (23P01), check (23514), unique (23505)
  and lock-timeout (55P03) failures to Conflict / Busy so no client ever sees a 500 for a race.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection

from .errors import Busy, Conflict

SQLSTATE_MESSAGES = {
    "40P01": ("conflict_deadlock", Conflict, "Another request changed the same items at the same moment; nothing was changed. Retry."),
    "40001": ("conflict_serialization", Conflict, "Another request changed the same items at the same moment; nothing was changed. Retry."),
    "23P01": ("conflict_overlap", Conflict, "That period overlaps something already booked or blocked."),
    "23514": ("conflict_check", Conflict, "The change would break a rule of the data (for example capacity would be exceeded)."),
    "23505": ("conflict_duplicate", Conflict, "Something with the same unique value already exists."),
    "55P03": ("busy_retry", Busy, "The items are busy with another request; nothing was changed. Retry shortly."),
    "57014": ("busy_retry", Busy, "The request waited too long for a lock; nothing was changed. Retry shortly."),
}


def sqlstate_of(exc: BaseException) -> str | None:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)


def constraint_of(exc: BaseException) -> str | None:
    cause = exc.__cause__ or exc
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def set_lock_timeout(ms: int | None = None) -> None:
    """Bound row-lock waits for the rest of the current transaction (no-op on SQLite)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{ms or settings.LOCK_TIMEOUT_MS}ms"])


@contextlib.contextmanager
def translate_db_errors(messages: dict[str, str] | None = None):
    """Re-raise race-born database errors as Conflict/Busy with stable codes.

    `messages` maps a constraint name to a clearer detail for that constraint.
    """
    try:
        yield
    except (IntegrityError, OperationalError, DatabaseError) as exc:
        state = sqlstate_of(exc)
        if state is None and connection.vendor == "sqlite":
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                state = "55P03"
            elif "unique" in text:
                state = "23505"
            elif "check constraint" in text:
                state = "23514"
        if state not in SQLSTATE_MESSAGES:
            raise
        code, cls, detail = SQLSTATE_MESSAGES[state]
        name = constraint_of(exc)
        if messages and name in messages:
            detail = messages[name]
        raise cls(detail, code=code, extra={"constraint": name} if name else None) from exc


def sorted_ids(ids: Iterable) -> list:
    """Lock order: always ascending primary key, so two transactions never wait on each other in a cycle."""
    return sorted(set(ids))

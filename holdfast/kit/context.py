"""Per-request context that services may read without it being passed through every call."""
from __future__ import annotations

import contextvars
import uuid

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id() -> str:
    value = correlation_id.get()
    if value is None:
        value = uuid.uuid4().hex
        correlation_id.set(value)
    return value


class correlation_scope:
    """Give one unit of background work (a periodic sweep, a task) its own correlation id, so the
    audit entries and events it writes group together and do not share the id of earlier work."""

    def __init__(self, value: str | None = None):
        self.value = value or uuid.uuid4().hex

    def __enter__(self) -> str:
        self._token = correlation_id.set(self.value)
        return self.value

    def __exit__(self, *exc) -> None:
        correlation_id.reset(self._token)

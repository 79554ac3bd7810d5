"""Domain errors: every refusal a service makes carries a stable code and an HTTP status.

The API turns them into RFC 9457 problem bodies; the web shows `detail` as a readable message.
"""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str = "", *, code: str | None = None, fields: dict[str, list[str]] | None = None, status: int | None = None, extra: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}

    def as_problem(self) -> dict:
        body = {
            "type": f"https://holdfast.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.fields:
            body["errors"] = self.fields
        for key, value in self.extra.items():
            # An extra never overwrites the problem's own members: a conflict's extra {"status": "PENDING"}
            # used to replace the HTTP status (an int by RFC 9457 and ProblemSchema) with the booking's.
            body[f"current_{key}" if key in PROBLEM_MEMBERS else key] = value
        return body


PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "errors"})


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"
    title = "Validation failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class StaleVersion(Conflict):
    code = "stale_version"
    title = "The record was changed by someone else"


class Busy(DomainError):
    """A lock could not be taken in time: nothing was changed, the client should retry."""

    status = 503
    code = "busy_retry"
    title = "Busy, retry"


class Throttled(DomainError):
    status = 429
    code = "throttled"
    title = "Too many attempts"

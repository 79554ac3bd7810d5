"""Turn domain refusals raised by web views into readable pages (the API has its own problem bodies)."""
from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied as DjangoPermissionDenied, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from holdfast.kit.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied

TEMPLATES = {403: "403.html", 404: "404.html"}
logger = logging.getLogger("holdfast.web")
# Exceptions Django itself turns into 4xx pages: not crashes, so no error log.
HANDLED_BY_DJANGO = (Http404, DjangoPermissionDenied, BadRequest, SuspiciousOperation)


def record_unexpected(request, exception) -> None:
    """A web view crashed: leave an ERROR system log (seen on the platform dashboard), like the API does."""
    try:
        from holdfast.core.audit.models import SystemLog
        from holdfast.core.audit.services import log_system

        tenant = getattr(request, "tenant", None) or None
        log_system(SystemLog.ERROR, f"unhandled web error: {type(exception).__name__}", severity=SystemLog.ERROR_SEVERITY,
                   tenant=getattr(tenant, "_wrapped", tenant), path=request.path)
    except Exception:  # the log must never mask the original failure
        logger.exception("could not write system log")


def readable(exception: DomainError) -> str:
    """For a missing permission, say what it would allow in words, with the code for the admin."""
    code = (exception.extra or {}).get("permission")
    if isinstance(exception, PermissionDenied) and code:
        from holdfast.core.accounts.permissions import CATALOGUE

        text = CATALOGUE.get(code)
        if text:
            return f"Your role does not allow this: “{text}” ({code})."
    return exception.detail


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, (DataError, OverflowError)):
            # As in the API: a value the database cannot hold (NUL byte, out of range) is the person's input;
            # the service's transaction rolled back, so nothing was half-saved.
            logger.warning("value refused by the database: %s", exception)
            detail = "A value you entered is too long, out of range or contains characters that cannot be stored. Nothing was saved."
            return TemplateResponse(request, "web/error.html", {"exception": detail, "status": 400}, status=400).render()
        if not isinstance(exception, DomainError):
            if not isinstance(exception, HANDLED_BY_DJANGO):
                record_unexpected(request, exception)
            return None  # Django answers with its 404/403/400 or the 500 page

        if isinstance(exception, NotAuthenticated):
            return redirect(f"/login/?next={request.path}")
        status = 403 if isinstance(exception, PermissionDenied) else 404 if isinstance(exception, NotFound) else exception.status
        template = TEMPLATES.get(status, "web/error.html")
        response = TemplateResponse(request, template, {"exception": readable(exception), "error": exception, "status": status}, status=status)
        return response.render()

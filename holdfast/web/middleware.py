"""Turn domain refusals raised by web views into readable pages (the API has its own problem bodies)."""
from __future__ import annotations

from django.shortcuts import redirect
from django.template.response import TemplateResponse

from holdfast.kit.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied

TEMPLATES = {403: "403.html", 404: "404.html"}


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
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotAuthenticated):
            return redirect(f"/login/?next={request.path}")
        status = 403 if isinstance(exception, PermissionDenied) else 404 if isinstance(exception, NotFound) else exception.status
        template = TEMPLATES.get(status, "web/error.html")
        response = TemplateResponse(request, template, {"exception": readable(exception), "error": exception, "status": status}, status=status)
        return response.render()

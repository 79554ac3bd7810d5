"""API conventions shared by every router: problem bodies, pagination, list filters."""
from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from ninja import Schema

from .errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_response(error: DomainError) -> JsonResponse:
    response = JsonResponse(error.as_problem(), status=error.status, content_type=PROBLEM_CONTENT_TYPE)
    if error.status == 503:
        response["Retry-After"] = "1"
    return response


def problem(status: int, code: str, title: str, detail: str, fields: dict | None = None) -> JsonResponse:
    error = DomainError(detail, code=code, status=status, fields=fields)
    error.title = title
    return problem_response(error)


class ProblemSchema(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: dict[str, list[str]] | None = None


MAX_PAGE_SIZE = 200


class Page(Schema):
    count: int
    page: int
    page_size: int
    results: list[Any]


def paginate(queryset, page: int = 1, page_size: int = 50) -> dict:
    """Offset pagination with bounded page size; `count` lets clients show totals."""
    page = max(1, int(page or 1))
    page_size = max(1, min(MAX_PAGE_SIZE, int(page_size or 50)))
    start = (page - 1) * page_size
    return {"count": queryset.count(), "page": page, "page_size": page_size, "results": list(queryset[start : start + page_size])}

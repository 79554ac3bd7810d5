"""API conventions shared by every router: problem bodies, pagination, list filters."""
from __future__ import annotations

import json
from typing import Any, ClassVar

from django.http import JsonResponse
from ninja import Schema
from ninja.parser import Parser
from pydantic import ConfigDict, ValidationInfo, field_validator

from .errors import DomainError, ValidationFailed

PROBLEM_CONTENT_TYPE = "application/problem+json"
# For input Schemas (`model_config = STRICT_INPUT`): unknown fields are refused, so a typo ("nmae")
# is a 422 instead of a silently ignored change.
STRICT_INPUT = ConfigDict(from_attributes=True, extra="forbid")


class PatchSchema(Schema):
    """A partial update: an omitted field keeps its value; an explicit null is accepted only for the
    fields in `clearable` (the record's nullable ones: null clears them) and is otherwise a 422 field
    error, never a NOT NULL violation (500) in the service."""

    model_config = STRICT_INPUT
    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_clearable(cls, value, info: ValidationInfo):
        if value is None and info.field_name not in cls.clearable:
            raise ValueError("May not be null: leave the field out to keep its value.")
        return value


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
# Beyond this a page number only produces an offset the database cannot represent; there is nothing there.
MAX_PAGE = 1_000_000


class Page(Schema):
    count: int
    page: int
    page_size: int
    results: list[Any]


def paginate(queryset, page: int = 1, page_size: int = 50) -> dict:
    """Offset pagination with bounded page size; `count` lets clients show totals."""
    page = min(MAX_PAGE, max(1, int(page or 1)))
    page_size = max(1, min(MAX_PAGE_SIZE, int(page_size or 50)))
    start = (page - 1) * page_size
    return {"count": queryset.count(), "page": page, "page_size": page_size, "results": list(queryset[start : start + page_size])}


def find_nul(value, path: tuple = ()) -> str | None:
    """Where a NUL character hides in parsed JSON (PostgreSQL text cannot store it), or None."""
    if isinstance(value, str):
        return (".".join(path) or "body") if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = find_nul(str(key), path) or find_nul(item, (*path, str(key)))
        if found:
            return found
    return None


class StrictJsonParser(Parser):
    """JSON bodies and query strings that cannot be stored are refused up front as 422 problems,
    instead of failing deep in the database as a 500."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed("The request body is not valid JSON.", code="malformed_json", fields={"body": [f"Malformed JSON: {exc}"[:200]]}) from None
        where = find_nul(data)
        if where:
            raise ValidationFailed("Text may not contain NUL characters.", code="invalid_characters", fields={where: ["Contains a NUL character."]})
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                raise ValidationFailed("Query parameters may not contain NUL characters.", code="invalid_characters", fields={key.replace("\x00", ""): ["Contains a NUL character."]})
        return super().parse_querydict(data, list_fields, request)

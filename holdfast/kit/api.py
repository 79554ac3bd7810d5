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


MAX_JSON_DEPTH = 32  # no request body of ours nests deeper; deeper input only costs recursion
MAX_QUERY_STRING = 8192  # characters of an API query string
MAX_QUERY_PARAMETERS = 200


def json_depth_exceeds(value, limit: int) -> bool:
    """Whether parsed JSON nests deeper than `limit` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def is_json_media_type(content_type: str) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def refuse_oversized_query(request) -> JsonResponse | None:
    """A 414 problem for a query string beyond what any API operation reads (Django would otherwise fail
    on too many fields as a 500), or None."""
    query = request.META.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY_STRING:
        return problem(414, "query_too_long", "Query string too long", f"The query string may be at most {MAX_QUERY_STRING} characters.")
    if query.count("&") + 1 > MAX_QUERY_PARAMETERS:
        return problem(414, "too_many_parameters", "Too many query parameters", f"At most {MAX_QUERY_PARAMETERS} query parameters.")
    return None


class ApiRequestLimitsMiddleware:
    """Under /api/: over-long query strings are a 414 problem before Django parses them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            refusal = refuse_oversized_query(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


class StrictJsonParser(Parser):
    """JSON bodies and query strings that cannot be stored are refused up front as 4xx problems,
    instead of failing deep in the database as a 500: a body that is not JSON (415 for another media
    type, 422 when malformed), nested deeper than MAX_JSON_DEPTH (422) or holding NUL characters (422)."""

    def parse_body(self, request):
        if request.body and not is_json_media_type(request.content_type):
            raise DomainError(f"Send the body as application/json (not {request.content_type or 'an unnamed type'}).", code="unsupported_media_type", status=415)
        try:
            data = json.loads(request.body)
        except RecursionError:
            data = None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed("The request body is not valid JSON.", code="malformed_json", fields={"body": [f"Malformed JSON: {exc}"[:200]]}) from None
        if data is None and request.body.strip()[:1] in (b"[", b"{") or json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ValidationFailed(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", code="json_too_deep", fields={"body": [f"At most {MAX_JSON_DEPTH} levels of nesting."]})
        where = find_nul(data)
        if where:
            raise ValidationFailed("Text may not contain NUL characters.", code="invalid_characters", fields={where: ["Contains a NUL character."]})
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                raise ValidationFailed("Query parameters may not contain NUL characters.", code="invalid_characters", fields={key.replace("\x00", ""): ["Contains a NUL character."]})
        return super().parse_querydict(data, list_fields, request)

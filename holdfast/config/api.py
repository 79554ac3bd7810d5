"""The one NinjaAPI: every app mounts its router under /api/v1/; errors become RFC 9457 problems."""
from __future__ import annotations

import logging
import threading

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from holdfast.core.accounts.api_auth import api_auth
from holdfast.kit.api import StrictJsonParser, problem, problem_response
from holdfast.kit.errors import DomainError
from holdfast.kit.locking import translate_db_errors

logger = logging.getLogger("holdfast.api")

UNSAFE_METHODS = ("post", "put", "patch", "delete")
CONFLICT_DESCRIPTION = ("Conflict: the request clashes with the current state (a stale `version`, a taken resource, an illegal "
                        "transition, ...), or a copy of it with the same `Idempotency-Key` is still running (`idempotency_in_progress`, "
                        "with `Retry-After`). The problem body's `code` says which.")


def document_conflicts(schema: dict) -> dict:
    """Every operation that can answer 409 documents it: every write (its service may refuse a conflict,
    and a POST under an Idempotency-Key may be in progress), with the problem body and Retry-After."""
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            if method not in UNSAFE_METHODS:
                continue
            responses = op.setdefault("responses", {})
            key = next((k for k in responses if str(k) == "409"), 409)
            entry = responses.setdefault(key, {"content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemSchema"}}}})
            entry["description"] = CONFLICT_DESCRIPTION
            entry.setdefault("headers", {})["Retry-After"] = {"description": "Seconds to wait before retrying (idempotency_in_progress, busy).", "schema": {"type": "integer"}}
    return schema


PROBLEM_REF = {"$ref": "#/components/schemas/ProblemSchema"}
PROBLEM_STATUSES = {
    400: "Bad request: a body that is not valid JSON, or a malformed multipart form.",
    401: "Not authenticated: no session or API token, or a revoked one.",
    403: "Permission denied: the caller's role may not do this.",
    404: "Not found: no such record in this tenant (another tenant's ids answer the same).",
    413: "The request body is too large.",
    415: "Unsupported media type: send the body as application/json.",
    422: "Validation failed: the problem body's `errors` name the fields.",
    503: "Busy: a lock could not be taken in time; retry after `Retry-After` seconds.",
}


def document_problems(schema: dict) -> dict:
    """Every refusal is an RFC 9457 problem (`application/problem+json`): document it as one, on every
    operation, with the statuses any operation can answer (auth, permission, tenant lookup, validation,
    a busy lock), so a client generated from the document knows the shape of every 4xx."""
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            has_body = "requestBody" in op
            for status, description in PROBLEM_STATUSES.items():
                if status in (400, 413, 415) and not has_body:
                    continue
                if status in (401, 403) and not op.get("security"):
                    continue
                if not any(str(k) == str(status) for k in responses):
                    responses[status] = {"description": description}
            for key, entry in responses.items():
                if str(key).isdigit() and int(key) >= 400:
                    entry["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
                    entry.setdefault("description", PROBLEM_STATUSES.get(int(key), "Refused: see the problem body's `code`."))
    return schema


class HoldfastAPI(NinjaAPI):
    """The NinjaAPI with its OpenAPI document rendered once per process (it took over 60 s per gunicorn
    worker under load, for every request of /api/openapi.json). Ninja freezes the routers at the first
    render; the cache is still keyed on the mounted operations (and is per API instance), so it can never
    hand out a document of other operations; `clear_schema_cache()` forgets it.
    The returned document is shared: treat it as read-only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schema_cache: dict = {}
        self._schema_lock = threading.Lock()

    def _operations_fingerprint(self) -> tuple:
        return tuple((prefix, id(router), len(router.path_operations), sum(len(view.operations) for view in router.path_operations.values()))
                     for prefix, router in self._routers)

    def clear_schema_cache(self) -> None:
        self._schema_cache.clear()

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        key = (path_prefix, tuple(sorted((path_params or {}).items())), self._operations_fingerprint())
        schema = self._schema_cache.get(key)
        if schema is None:
            with self._schema_lock:  # one render per process even when the first requests arrive together
                schema = self._schema_cache.get(key)
                if schema is None:
                    schema = document_problems(document_conflicts(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)))
                    self._schema_cache[key] = schema
        return schema


api = HoldfastAPI(
    title="holdfast API",
    version="1",
    description="Multi-tenant booking and billing. Authenticate with a session or `Authorization: Bearer hf_…`; "
    "with a session choose the tenant with the `X-Tenant: <slug>` header. Creating POSTs accept `Idempotency-Key`: the same key and body "
    "replay the first answer (`Idempotent-Replayed: true`); while the first request still runs a copy answers 409 "
    "`idempotency_in_progress` with `Retry-After` (seconds), and retrying after it gets the first answer; the same key "
    "with another body is 422 `idempotency_key_reused`. "
    "Every 4xx is an RFC 9457 problem body with a stable `code`.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth(),
    parser=StrictJsonParser(),
)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return problem_response(exc)


def _loc_to_field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form", "header", "cookie")]
    return ".".join(parts) or "body"


# The detail of a refusal by the request schema itself (not by a service): the contract test tells the
# two apart with it, because a documented body that the schema refuses is a broken contract.
SCHEMA_REFUSAL_DETAIL = "Some fields are missing or invalid."


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_loc_to_field(err.get("loc", [])), []).append(err.get("msg", "Invalid value."))
    return problem(422, "validation_failed", "Validation failed", SCHEMA_REFUSAL_DETAIL, fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return problem(401, "not_authenticated", "Authentication required", "Log in or send a valid API token (Authorization: Bearer hf_…).")


@api.exception_handler(AuthorizationError)
def on_authorization_error(request, exc):
    return problem(403, "permission_denied", "Permission denied", str(exc) or "You may not do this.")


@api.exception_handler(DjangoPermissionDenied)
def on_django_permission_denied(request, exc):
    return problem(403, "permission_denied", "Permission denied", str(exc) or "You may not do this.")


@api.exception_handler(Http404)
def on_404(request, exc):
    return problem(404, "not_found", "Not found", str(exc) or "No such record.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, DomainError):
        # ninja wraps body-parser failures in a plain 400; the parser's own problem is more useful.
        return problem_response(exc.__cause__)
    code = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed", 409: "conflict"}.get(exc.status_code, "error")
    return problem(exc.status_code, code, "Request refused", str(exc))


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc):
    return problem(400, "malformed_multipart", "Malformed form", f"The multipart body could not be read: {exc}.")


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
def on_data_error(request, exc):
    # The last line, after schema and service validation: a value the database cannot hold (too long,
    # out of range, NUL byte) is the client's input, not our failure. The service's transaction rolled back.
    logger.warning("value refused by the database: %s", exc)
    return problem(422, "invalid_value", "Validation failed", "A value is too long, out of range or contains characters that cannot be stored.", {"body": ["A value cannot be stored."]})


@api.exception_handler(IntegrityError)
@api.exception_handler(OperationalError)
def on_database_refusal(request, exc):
    # Services translate races themselves (kit.locking.translate_db_errors); this is the net under
    # the ones that forgot: a unique/check/exclusion refusal or lock timeout is a 409/503, not a 500.
    try:
        with translate_db_errors():
            raise exc
    except DomainError as translated:
        logger.warning("database refusal reached the API untranslated: %s", exc)
        return problem_response(translated)
    except Exception:
        return on_unexpected(request, exc)


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("unhandled API error")
    try:
        from holdfast.core.audit.models import SystemLog
        from holdfast.core.audit.services import log_system

        log_system(SystemLog.ERROR, f"unhandled API error: {type(exc).__name__}", severity=SystemLog.ERROR_SEVERITY, tenant=getattr(request, "tenant", None), path=request.path)
    except Exception:  # the log must never mask the original failure
        logger.exception("could not write system log")
    return problem(500, "internal_error", "Internal error", "Something went wrong on our side; nothing you sent was half-applied. The error was logged.")


def _mount_routers() -> None:
    from holdfast.core.accounts.api import router as accounts_router
    from holdfast.core.audit.api import router as audit_router
    from holdfast.core.customers.api import router as customers_router
    from holdfast.core.events.api import router as events_router

    api.add_router("/v1/", accounts_router)
    api.add_router("/v1/customers", customers_router)
    api.add_router("/v1/audit", audit_router)
    api.add_router("/v1/", events_router)
    from holdfast.config.registry import extra_routers

    for prefix, router in extra_routers():
        api.add_router(prefix, router)


_mount_routers()

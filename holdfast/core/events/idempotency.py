"""Idempotency keys for API POSTs (DESIGN rule 9: every write is retry-safe).

A POST under /api/ with an `Idempotency-Key` header, by a caller whose tenant can be resolved:

- the key row, the request's business writes and its stored answer are ONE transaction: the
  middleware opens it, claims the key (a transaction-scoped advisory lock on PostgreSQL, the
  write lock on SQLite), inserts the row, runs the request (services' own transactions become
  savepoints of it) and stores the answer before it commits. A process that dies anywhere
  before that commit leaves neither the effect nor the key: a retry runs once, at once. A key
  row is never committed without its answer, so no retry can run a committed step twice;
- a response below 500 is stored (status + JSON body) and later requests with the same key and
  the same method+path+body get it replayed with `Idempotent-Replayed: true` and no second
  effect; a 5xx rolls the whole request back (key and any effect) so a retry runs again, and so
  do 401/403/429 (refused before anything ran: a retry with fixed credentials must run);
- the same key with a different request is refused (422 `idempotency_key_reused`);
- the same key while the first request still runs answers 409 `idempotency_in_progress` with
  `Retry-After`; retrying then replays the first answer. (A row without an answer can only have
  been left by an older release; one older than STALE_SECONDS is taken over.)
- expired keys (IDEMPOTENCY_TTL_HOURS) count as absent; the worker purges them.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone

from holdfast.kit.api import PROBLEM_CONTENT_TYPE, problem

from .models import IdempotencyKey

logger = logging.getLogger("holdfast.idempotency")

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
STALE_SECONDS = 60
RELEASE_STATUSES = {401, 403, 429}
IN_PROGRESS_RETRY_AFTER = 1  # seconds


def request_hash(request, user_id: int | None = None) -> str:
    """Method, path, body and who sends it: another user of the tenant reusing a key is refused
    (422 idempotency_key_reused), never handed the first user's answer."""
    digest = hashlib.sha256()
    digest.update(f"user:{user_id}\n".encode())
    digest.update(request.method.encode() + b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(request.body or b"")
    return digest.hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    body = b"" if row.response_json is None else json.dumps(row.response_json).encode()
    content_type = PROBLEM_CONTENT_TYPE if row.response_status >= 400 else "application/json"
    response = HttpResponse(body, status=row.response_status, content_type=content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _stored_json(response):
    if getattr(response, "streaming", False):
        return None
    if "json" not in response.get("Content-Type", ""):
        return None
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return problem(422, "idempotency_key_invalid", "Invalid Idempotency-Key", f"An {HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", {HEADER: [f"1 to {MAX_KEY_LENGTH} characters."]})

        from holdfast.core.accounts.api_auth import resolve_api_identity

        tenant, user_id = resolve_api_identity(request)
        if tenant is None:  # unauthenticated: the API answers 401 itself, nothing to remember
            return self.get_response(request)

        fingerprint = request_hash(request, user_id)
        try:
            with transaction.atomic():
                if not _lock_key(tenant, key):
                    return _in_progress()
                row, refusal = self._claim(tenant, key, request, fingerprint)
                if refusal is not None:
                    return refusal
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code in RELEASE_STATUSES:
                    transaction.set_rollback(True)  # the key and anything the request wrote go together
                else:
                    row.response_status, row.response_json = response.status_code, _stored_json(response)
                    try:
                        with transaction.atomic():
                            row.save(update_fields=["response_status", "response_json"])
                    except DatabaseError:  # the request broke the transaction outside a service: nothing of it stays
                        logger.warning("idempotency key %s not stored; the request is rolled back", key)
                        transaction.set_rollback(True)
                return response
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            return _in_progress()  # SQLite: the key's first request still holds the write lock

    def _claim(self, tenant, key: str, request, fingerprint: str):
        """(owned row, None) when this request owns the key, else (None, the response to send)."""
        now = timezone.now()
        for _ in range(3):
            try:
                with transaction.atomic():
                    # An expired key counts as absent: clear it before inserting ours.
                    IdempotencyKey.objects.filter(tenant=tenant, key=key, expires_at__lte=now).delete()
                    row = IdempotencyKey.objects.create(
                        tenant=tenant,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_hash=fingerprint,
                        created_at=now,
                        expires_at=now + timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS),
                    )
                return row, None
            except IntegrityError:
                pass
            existing = IdempotencyKey.objects.filter(tenant=tenant, key=key).first()
            if existing is None or existing.expires_at <= now:
                continue  # deleted or expired meanwhile: try to insert again
            if existing.request_hash != fingerprint:
                return None, problem(422, "idempotency_key_reused", "Idempotency key reused", f"This {HEADER} was already used for a different request; use a new key for a new request.")
            if existing.response_status is not None:
                return None, _replay(existing)
            if existing.created_at < now - timedelta(seconds=STALE_SECONDS):
                # The first request died without answering: take the key over (only one taker wins).
                taken = IdempotencyKey.objects.filter(pk=existing.pk, response_status__isnull=True, created_at=existing.created_at).update(created_at=now)
                if taken:
                    logger.warning("taking over stale idempotency key %s of tenant %s", key, tenant.pk)
                    existing.created_at = now
                    return existing, None
            return None, _in_progress()
        return None, _in_progress()


def _lock_key(tenant, key: str) -> bool:
    """Own the key for this transaction, or False when a running request owns it (PostgreSQL: an
    advisory transaction lock, released by the commit or rollback, or when the process dies).
    SQLite serialises writers: the transaction's write lock already makes a second copy wait."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [int(tenant.pk) & 0x7FFFFFFF, key])
        return bool(cursor.fetchone()[0])


def _in_progress() -> HttpResponse:
    """409 while the key's first request still runs; Retry-After tells a client when to ask again,
    and that retry gets the first request's stored answer (replayed), never a second effect."""
    response = problem(409, "idempotency_in_progress", "Request in progress", f"A request with this {HEADER} is still running; retry after {IN_PROGRESS_RETRY_AFTER} s to get its answer.")
    response["Retry-After"] = str(IN_PROGRESS_RETRY_AFTER)
    return response

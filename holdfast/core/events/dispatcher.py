"""Outbox dispatcher and webhook delivery.

Two steps, each safe with several workers at once:

1. `dispatch_outbox()` claims unprocessed `OutboxEvent` rows (`SELECT … FOR UPDATE SKIP LOCKED` on
   PostgreSQL; SQLite serialises writers anyway), fans each out to one `WebhookDelivery` per active
   matching endpoint of the same tenant and marks the event processed, all in one transaction. The
   unique (endpoint, event) constraint makes the fan-out exactly-once even if a claim were lost.
2. `deliver_due()` claims due PENDING deliveries, leases them (pushes `next_attempt_at` forward so no
   other worker takes them while the HTTP call runs outside any transaction), POSTs them, and records
   the outcome: DELIVERED on 2xx, otherwise exponential back-off until WEBHOOK_MAX_ATTEMPTS, then FAILED.
   Delivery is at least once: a worker that dies mid-call leaves the lease to expire and the call is
   repeated, so receivers should de-duplicate on `X-Holdfast-Delivery` / the body's `id`.

Signature scheme (what receivers verify)
----------------------------------------
Each request carries

    X-Holdfast-Event:      the event type, e.g. booking:created
    X-Holdfast-Delivery:   the delivery id (stable across retries of the same delivery)
    X-Holdfast-Timestamp:  unix seconds when this attempt was signed
    X-Holdfast-Signature:  t=<timestamp>,v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>

The body is JSON `{"id", "type", "occurred_at", "tenant", "data"}`. A receiver recomputes the HMAC over
the exact raw bytes it received, compares in constant time, and refuses timestamps older than a few
minutes (replay protection): `verify_signature(secret, body, header)` does all of that.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from holdfast.kit.batches import drain

from .models import OutboxEvent, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("holdfast.events")

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600
SIGNATURE_TOLERANCE_SECONDS = 300
TEST_EVENT = "webhook:test"


# ---------------------------------------------------------------- signing


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, body: bytes | str, header: str, *, tolerance: int = SIGNATURE_TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True when `header` (X-Holdfast-Signature) signs `body` with `secret` and is recent enough."""
    if isinstance(body, str):
        body = body.encode()
    parts = dict(item.split("=", 1) for item in (header or "").split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if tolerance and abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# ---------------------------------------------------------------- fan-out


def endpoint_wants(endpoint: WebhookEndpoint, event: OutboxEvent) -> bool:
    if event.event_type == TEST_EVENT:
        # A test ping goes only to the endpoint it was requested for.
        return (event.payload or {}).get("endpoint_id") == endpoint.pk
    patterns = endpoint.event_types or []
    return not patterns or any(fnmatchcase(event.event_type, p) for p in patterns)


def dispatch_outbox(*, batch: int = 200) -> int:
    """Fan one batch of unprocessed events out to webhook deliveries; returns how many events it processed."""
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(processed_at__isnull=True).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        events = list(pending[:batch])
        if not events:
            return 0
        endpoints: dict[int, list[WebhookEndpoint]] = {}
        for endpoint in WebhookEndpoint.objects.filter(tenant_id__in={e.tenant_id for e in events}, is_active=True).order_by("id"):
            endpoints.setdefault(endpoint.tenant_id, []).append(endpoint)
        now = timezone.now()
        deliveries = [
            WebhookDelivery(tenant_id=event.tenant_id, endpoint=endpoint, event=event, next_attempt_at=now, created_at=now)
            for event in events
            for endpoint in endpoints.get(event.tenant_id, [])
            if endpoint_wants(endpoint, event)
        ]
        # ignore_conflicts + the unique (endpoint, event) constraint: never two deliveries for one pair.
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        OutboxEvent.objects.filter(pk__in=[e.pk for e in events], processed_at__isnull=True).update(processed_at=now, attempts=F("attempts") + 1)
    logger.info("dispatched %d outbox event(s) into %d webhook deliver(ies)", len(events), len(deliveries))
    return len(events)


def dispatch_all(*, batch: int = 200, max_batches: int = 50) -> int:
    return drain(lambda limit: dispatch_outbox(batch=limit), batch=batch, batches=max_batches)


# ---------------------------------------------------------------- delivery


def backoff_seconds(attempts: int) -> float:
    """Delay before the next try after `attempts` failed tries: 30 s · 2^(n-1), capped at 6 h, +0–10 % jitter."""
    base = min(BACKOFF_BASE_SECONDS * (2 ** max(0, attempts - 1)), BACKOFF_CAP_SECONDS)
    return base * (1 + random.random() * 0.1)  # noqa: S311 - jitter, not crypto


def lease_seconds() -> float:
    return float(settings.WEBHOOK_TIMEOUT_SECONDS) + 60


def claim_due_deliveries(*, limit: int = 20) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries for this worker by leasing them (next_attempt_at pushed ahead)."""
    now = timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(state=WebhookDelivery.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        claimed = list(due[:limit])
        if claimed:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(next_attempt_at=now + timedelta(seconds=lease_seconds()))
    return claimed


def build_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    document = {
        "id": event.pk,
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "tenant": event.tenant.slug,
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook POST must reach the configured URL; a redirect counts as a failed attempt."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def refuse_private_target(url: str) -> str:
    """Why `url` must not be called ("" when it may): unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES, a tenant's
    webhook must not reach loopback, private, link-local or reserved addresses (our own services, the
    cloud metadata endpoint). Checked on every attempt, so a DNS change is seen; a name that resolves
    differently between this check and the connect is not caught (no pinning with urllib)."""
    return _private_target(url, unresolvable="refuse")


def refuse_private_registration(url: str) -> str:
    """The same rule when an endpoint is registered or changed, so a tenant learns at once that an
    address like http://10.0.0.5/ or http://localhost/ will never be delivered to. A name that does not
    resolve yet is accepted here (delivery checks again on every attempt)."""
    return _private_target(url, unresolvable="accept")


def _private_target(url: str, *, unresolvable: str) -> str:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return ""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        return "" if unresolvable == "accept" else f"cannot resolve {host!r}: {exc}"[:500]
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return f"{host} resolves to a non-public address ({address}); webhooks go to public addresses only"
    return ""


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """POST and return (status or None, response excerpt, error text)."""
    if not url.lower().startswith(("http://", "https://")):
        return None, "", "only http and https URLs are delivered"
    refusal = refuse_private_target(url)
    if refusal:
        return None, "", refusal
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS)) as response:
            return response.status, response.read(2000).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        try:
            excerpt = exc.read(2000).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - the body of an error is best effort
            excerpt = ""
        return exc.code, excerpt, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, "", f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]


def attempt_delivery(delivery: WebhookDelivery) -> str:
    """One HTTP attempt for a claimed delivery; records the outcome and returns the new state."""
    delivery = WebhookDelivery.objects.select_related("endpoint", "event", "event__tenant").get(pk=delivery.pk)
    endpoint = delivery.endpoint
    attempts = delivery.attempts + 1
    now = timezone.now()
    if not endpoint.is_active:
        status, excerpt, error = None, "", "endpoint is disabled"
        ok, final = False, True
    else:
        body = build_body(delivery)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "holdfast-webhooks/1",
            "X-Holdfast-Event": delivery.event.event_type,
            "X-Holdfast-Delivery": str(delivery.pk),
            "X-Holdfast-Timestamp": str(timestamp),
            "X-Holdfast-Signature": sign(endpoint.secret, body, timestamp),
        }
        status, excerpt, error = post(endpoint.url, body, headers)
        ok = status is not None and 200 <= status < 300
        final = ok or attempts >= settings.WEBHOOK_MAX_ATTEMPTS
        now = timezone.now()
    changes = {"attempts": attempts, "last_status_code": status, "last_error": "" if ok else (error or f"HTTP {status}"), "response_excerpt": excerpt[:500]}
    if ok:
        changes.update(state=WebhookDelivery.DELIVERED, delivered_at=now)
    elif final:
        changes.update(state=WebhookDelivery.FAILED)
    else:
        changes.update(next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))
    # Conditional on the attempt count we read: a late duplicate attempt cannot overwrite a newer outcome.
    WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.PENDING, attempts=delivery.attempts).update(**changes)
    logger.info("webhook delivery %s to %s: attempt %d -> %s %s", delivery.pk, endpoint.url, attempts, changes.get("state", "retry"), status or error)
    return changes.get("state", WebhookDelivery.PENDING)


def deliver_due(*, limit: int = 20) -> int:
    """Deliver the deliveries that are due now; returns how many attempts were made."""
    claimed = claim_due_deliveries(limit=limit)
    for delivery in claimed:
        try:
            attempt_delivery(delivery)
        except Exception:  # one broken delivery must not stop the others; its lease expires and it is retried
            logger.exception("webhook delivery %s crashed", delivery.pk)
    return len(claimed)

"""Payment providers: a Stripe-compatible webhook.

Signature scheme (Stripe's): header `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]` where
v1 = HMAC-SHA256(secret, f"{t}.{raw body}"); the timestamp must be within TOLERANCE seconds.
The secret is the tenant's setting `stripe_webhook_secret`, else settings.STRIPE_WEBHOOK_SECRET;
the tenant comes from `data.object.metadata.tenant` (its slug) and the invoice from
`metadata.invoice_id`. Events are stored once per event id (a replay answers "duplicate" and
changes nothing). A payment for a VOID invoice or a cancelled booking is recorded, left
unallocated and flagged for refund — never lost.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import IntegrityError, transaction

from holdfast.core.tenancy.models import Tenant
from holdfast.kit.errors import DomainError

from .. import hooks
from ..models import Invoice, Payment, ProviderEvent
from .payments import invoice_payment_binding, record_payment

TOLERANCE_SECONDS = 300
PAID_EVENTS = {"payment_intent.succeeded", "checkout.session.completed", "charge.succeeded", "invoice.paid"}
FAILED_EVENTS = {"payment_intent.payment_failed", "charge.failed", "invoice.payment_failed", "checkout.session.async_payment_failed"}


class WebhookRefused(DomainError):
    status = 400
    code = "webhook_refused"
    title = "Webhook refused"


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header value a sender computes (used by tests and by anyone replaying events)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify_signature(payload: bytes, header: str, secret: str, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None) -> None:
    if not secret:
        raise WebhookRefused("No webhook secret is configured for this tenant.", code="webhook_not_configured")
    parts: dict[str, list[str]] = {}
    for piece in (header or "").split(","):
        key, _, value = piece.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts.get("t", [""])[0])
    except ValueError:
        raise WebhookRefused("The Stripe-Signature header has no timestamp.", code="signature_invalid") from None
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise WebhookRefused("The signature timestamp is outside the tolerance.", code="signature_expired")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in parts.get("v1", [])):
        raise WebhookRefused("The signature does not match.", code="signature_invalid")


def _object(event: dict) -> dict:
    obj = (event.get("data") or {}).get("object") or {}
    return obj if isinstance(obj, dict) else {}


def handle_stripe_webhook(payload: bytes, signature_header: str) -> dict:
    try:
        event = json.loads(payload)
        assert isinstance(event, dict) and event.get("id") and event.get("type")
    except (ValueError, AssertionError):
        raise WebhookRefused("The body is not a Stripe event.", code="invalid_payload") from None
    obj = _object(event)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    tenant = Tenant.objects.active().filter(slug=str(metadata.get("tenant", ""))).first()
    if tenant is None:
        raise WebhookRefused("The event names no known tenant (metadata.tenant).", code="unknown_tenant")
    verify_signature(payload, signature_header, tenant.setting("stripe_webhook_secret") or getattr(settings, "STRIPE_WEBHOOK_SECRET", ""))
    with transaction.atomic():
        if ProviderEvent.objects.filter(provider="stripe", event_id=event["id"]).exists():
            return {"received": True, "duplicate": True}
        try:
            with transaction.atomic():
                record = ProviderEvent.objects.create(provider="stripe", event_id=str(event["id"])[:200], event_type=str(event["type"])[:100], tenant=tenant, payload=event)
        except IntegrityError:  # the same event raced in on another connection
            return {"received": True, "duplicate": True}
        record.outcome, record.payment = _apply(tenant, event["type"], obj, metadata, event["id"])
        record.save(update_fields=["outcome", "payment"])
    return {"received": True, "duplicate": False, "outcome": record.outcome, "payment_id": record.payment_id}


def _apply(tenant, event_type: str, obj: dict, metadata: dict, event_id: str):
    if event_type in FAILED_EVENTS:
        return _payment_failed(tenant, obj, metadata), None
    if event_type not in PAID_EVENTS:
        return "ignored", None
    invoice = None
    if str(metadata.get("invoice_id", "")).isdigit():
        invoice = Invoice.objects.for_tenant(tenant).filter(pk=int(metadata["invoice_id"])).first()
    if invoice is None:
        return "unmatched_invoice", None
    amount = obj.get("amount_received") or obj.get("amount_total") or obj.get("amount_paid") or obj.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return "invalid_amount", None
    currency = str(obj.get("currency") or invoice.currency).upper()
    binding = invoice_payment_binding(tenant, invoice)
    common = {"tenant": tenant, "actor": "stripe", "customer_id": invoice.customer_id, "amount_minor": amount, "method": Payment.STRIPE, "currency": currency,
              "reference": str(obj.get("id", ""))[:200], "provider_ref": str(event_id)[:200], "booking_id": binding[0], "source": binding[1]}
    cancelled = invoice.status == Invoice.VOID or hooks.booking_is_cancelled(tenant, invoice.source, invoice.booking_id)
    if cancelled or currency != invoice.currency:
        reason = "Payment arrived for a cancelled booking or voided invoice." if cancelled else f"Paid in {currency}, invoice is in {invoice.currency}."
        payment = record_payment(**common, needs_refund=True, flag_reason=reason)
        return "flagged_for_refund", payment
    if invoice.status != Invoice.PENDING:
        payment = record_payment(**common, notes=f"Invoice {invoice.display_number} was already {invoice.status}; kept as customer credit.")
        return "kept_as_credit", payment
    payment = record_payment(**common, invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    return ("invoice_paid" if invoice.status == Invoice.PAID else "partially_paid"), payment


def _payment_failed(tenant, obj: dict, metadata: dict) -> str:
    """A failed card payment changes no money; the admins are told (stored, shown, emailed: seed 003 §7)."""
    from holdfast.core.audit.models import SystemLog
    from holdfast.core.events.services import emit, notify_members_with

    invoice = None
    if str(metadata.get("invoice_id", "")).isdigit():
        invoice = Invoice.objects.for_tenant(tenant).select_related("customer").filter(pk=int(metadata["invoice_id"])).first()
    reason = str((obj.get("last_payment_error") or {}).get("message") or obj.get("failure_message") or "the card was declined")[:300]
    label = f"{invoice.display_number} of {invoice.customer.name}" if invoice else "an unknown invoice"
    notify_members_with(tenant, "billing.record_payment", event_type="payment:failed", title=f"A card payment failed: {label}", body=reason,
                        data={"invoice_id": invoice.pk if invoice else None}, email=True)
    emit(tenant, "payment:failed", {"invoice_id": invoice.pk if invoice else None, "reason": reason})
    SystemLog.objects.create(tenant=tenant, log_type="PAYMENT", severity="WARN", message=f"Stripe payment failed for {label}: {reason}"[:500], metadata={"invoice_id": invoice.pk if invoice else None})
    return "payment_failed" if invoice else "payment_failed_unmatched"

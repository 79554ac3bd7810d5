"""Writing events: `emit()` stores an outbox row in the caller's transaction; `notify()` stores a
notification row. Also the writes behind the webhook and notification screens/API."""
from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from holdfast.core.audit.services import _jsonable, log_action
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.context import current_correlation_id
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.retention import purge_older_than

from .dispatcher import refuse_private_registration
from .models import IdempotencyKey, Notification, OutboxEvent, WebhookDelivery, WebhookEndpoint


def emit(tenant, event_type: str, payload: dict | None = None) -> OutboxEvent:
    """Store an event (`entity:verb`) for delivery after commit. Must run inside the business transaction."""
    if ":" not in event_type:
        raise ValueError(f"event names are entity:verb, got {event_type!r}")
    body = dict(_jsonable(payload or {}))
    body.setdefault("correlation_id", current_correlation_id())
    return OutboxEvent.objects.create(tenant=tenant, event_type=event_type, payload=body)


def emit_stats_changed(tenant, scope: str) -> OutboxEvent:
    return emit(tenant, "stats:changed", {"scope": scope})


def _email_after_commit(tenant, notifications) -> None:
    """Email stored notifications once the business transaction has committed (slow I/O never runs
    inside it, and a rolled-back step sends nothing). A failed send is logged; the row stays."""
    rows = [(n.recipient.email, n.title, n.body) for n in notifications if getattr(n.recipient, "email", "")]
    if not rows:
        return
    brand = tenant.setting("brand_name") or tenant.name

    def send():
        import logging

        from django.core.mail import EmailMessage

        try:
            for to, title, body in rows:
                EmailMessage(subject=f"{brand}: {title}", body=body or title, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()
        except Exception:  # the notification is stored; email is best effort
            logging.getLogger("holdfast.notifications").exception("notification email failed")

    transaction.on_commit(send)


def notify(tenant, recipient, *, event_type: str, title: str, body: str = "", data: dict | None = None, email: bool = False) -> Notification:
    """Store a notification for one person. Call inside the business transaction; it only reflects data.
    `email=True` also emails it after commit (through Django's email backend)."""
    row = Notification.objects.create(tenant=tenant, recipient=recipient, event_type=event_type, title=title[:200], body=body, data=_jsonable(data or {}))
    if email:
        _email_after_commit(tenant, [row])
    return row


def notify_many(tenant, recipients, *, event_type: str, title: str, body: str = "", data: dict | None = None, email: bool = False) -> int:
    rows = [Notification(tenant=tenant, recipient=r, event_type=event_type, title=title[:200], body=body, data=_jsonable(data or {})) for r in {r.pk: r for r in recipients}.values()]
    Notification.objects.bulk_create(rows)
    if email:
        _email_after_commit(tenant, rows)
    return len(rows)


def notify_members_with(tenant, permission: str, *, event_type: str, title: str, body: str = "", data: dict | None = None, exclude=None, email: bool = False) -> int:
    """Notify every active member of `tenant` whose role grants `permission` (e.g. admins about a
    failed payment: `notify_members_with(t, "billing.manage", …)`). Returns how many were notified."""
    from holdfast.core.accounts.models import Membership
    from holdfast.core.accounts.permissions import pattern_grants

    memberships = Membership.objects.for_tenant(tenant).filter(is_active=True, user__is_active=True).select_related("user", "role")
    recipients = [m.user for m in memberships if pattern_grants(m.role.permissions, permission, platform=False) and (exclude is None or m.user_id != getattr(exclude, "pk", exclude))]
    return notify_many(tenant, recipients, event_type=event_type, title=title, body=body, data=data, email=email)


# ---------------------------------------------------------------- notifications


def mark_notification_read(*, tenant, actor, notification_id: int) -> Notification:
    """Only the recipient marks their own notification; anyone else's id is a 404."""
    notification = get_owned(Notification.objects.filter(recipient=actor), tenant, notification_id, what="notification")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_notifications_read(*, tenant, actor) -> int:
    return Notification.objects.for_tenant(tenant).filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------- webhook endpoints

EVENT_PATTERN = re.compile(r"^(\*|[a-z0-9_*?\-]+:[a-z0-9_*?\-.]+)$")
MAX_PATTERNS = 50
_url_validator = URLValidator(schemes=["http", "https"])


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _clean_endpoint(*, url=None, event_types=None, description=None) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if url is not None:
        url = (url or "").strip()
        try:
            _url_validator(url)
        except DjangoValidationError:
            errors["url"] = ["Enter a full http:// or https:// URL."]
        if len(url) > 500:
            errors["url"] = ["At most 500 characters."]
        if "url" not in errors:
            refusal = refuse_private_registration(url)
            if refusal:
                errors["url"] = [f"Webhooks are delivered to public addresses only: {refusal}."]
        cleaned["url"] = url
    if event_types is not None:
        if not isinstance(event_types, list) or not all(isinstance(p, str) for p in event_types):
            errors["event_types"] = ["A list of event types or patterns such as booking:* (empty means every event)."]
        else:
            patterns = sorted({p.strip().lower() for p in event_types if p.strip()})
            bad = [p for p in patterns if not EVENT_PATTERN.match(p)]
            if bad:
                errors["event_types"] = [f"Not an event type or pattern (entity:verb, * allowed): {', '.join(bad)}."]
            elif len(patterns) > MAX_PATTERNS:
                errors["event_types"] = [f"At most {MAX_PATTERNS} patterns."]
            cleaned["event_types"] = patterns
    if description is not None:
        description = description.strip()
        if len(description) > 200:
            errors["description"] = ["At most 200 characters."]
        cleaned["description"] = description
    if errors:
        raise ValidationFailed("The webhook endpoint was not saved.", fields=errors)
    return cleaned


def create_webhook_endpoint(*, tenant, actor, url: str, event_types: list[str] | None = None, description: str = "", is_active: bool = True) -> WebhookEndpoint:
    """The secret is generated here; callers show it once (it is never listed again)."""
    data = _clean_endpoint(url=url, event_types=event_types or [], description=description)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(tenant=tenant, secret=new_secret(), is_active=is_active, **data)
        log_action(tenant=tenant, actor=actor, entity=endpoint, action="events.webhook.created", diff={k: [None, v] for k, v in {**data, "is_active": is_active}.items()})
        emit(tenant, "webhook:created", {"webhook_id": endpoint.pk})
    return endpoint


def update_webhook_endpoint(*, tenant, actor, endpoint_id: int, **changes) -> WebhookEndpoint:
    is_active = changes.pop("is_active", None)
    unknown = set(changes) - {"url", "event_types", "description"}
    if unknown:
        raise ValidationFailed("The webhook endpoint was not saved.", fields={k: ["Not an editable field."] for k in unknown})
    data = _clean_endpoint(**changes)
    if is_active is not None:
        data["is_active"] = bool(is_active)
    with transaction.atomic():
        endpoint = get_owned(WebhookEndpoint.objects.select_for_update(), tenant, endpoint_id, what="webhook endpoint")
        diff = {k: [getattr(endpoint, k), v] for k, v in data.items() if getattr(endpoint, k) != v}
        for key, value in data.items():
            setattr(endpoint, key, value)
        if diff:
            endpoint.save()
            log_action(tenant=tenant, actor=actor, entity=endpoint, action="events.webhook.updated", diff=diff)
            emit(tenant, "webhook:updated", {"webhook_id": endpoint.pk})
    return endpoint


def rotate_webhook_secret(*, tenant, actor, endpoint_id: int) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = get_owned(WebhookEndpoint.objects.select_for_update(), tenant, endpoint_id, what="webhook endpoint")
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret"])
        log_action(tenant=tenant, actor=actor, entity=endpoint, action="events.webhook.secret_rotated", diff={"secret": ["(old)", "(new)"]})
    return endpoint


def delete_webhook_endpoint(*, tenant, actor, endpoint_id: int) -> None:
    """Deleting removes the endpoint and its delivery log (the audit trail keeps the record)."""
    with transaction.atomic():
        endpoint = get_owned(WebhookEndpoint.objects.select_for_update(), tenant, endpoint_id, what="webhook endpoint")
        log_action(tenant=tenant, actor=actor, entity=endpoint, action="events.webhook.deleted", diff={"url": [endpoint.url, None]})
        emit(tenant, "webhook:deleted", {"webhook_id": endpoint.pk})
        endpoint.delete()


def send_test_event(*, tenant, actor, endpoint_id: int) -> OutboxEvent:
    """Enqueue a `webhook:test` event that the dispatcher routes to this endpoint only."""
    with transaction.atomic():
        endpoint = get_owned(WebhookEndpoint, tenant, endpoint_id, what="webhook endpoint")
        if not endpoint.is_active:
            raise Conflict("The endpoint is disabled; enable it before sending a test.", code="webhook_disabled")
        log_action(tenant=tenant, actor=actor, entity=endpoint, action="events.webhook.tested")
        return emit(tenant, "webhook:test", {"endpoint_id": endpoint.pk, "message": "Test event from holdfast"})


def retry_delivery(*, tenant, actor, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Put a FAILED delivery back in the queue for one more round of attempts."""
    with transaction.atomic():
        endpoint = get_owned(WebhookEndpoint, tenant, endpoint_id, what="webhook endpoint")
        delivery = get_owned(WebhookDelivery.objects.filter(endpoint=endpoint).select_for_update(), tenant, delivery_id, what="delivery")
        if delivery.state != WebhookDelivery.FAILED:
            raise Conflict("Only a failed delivery can be retried.", code="delivery_not_failed")
        delivery.state = WebhookDelivery.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        log_action(tenant=tenant, actor=actor, entity=delivery, action="events.delivery.retried")
    return delivery


# ---------------------------------------------------------------- housekeeping


def purge_expired_idempotency_keys(*, limit: int = 5000) -> int:
    ids = list(IdempotencyKey.objects.filter(expires_at__lt=timezone.now()).values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    deleted, _ = IdempotencyKey.objects.filter(pk__in=ids, expires_at__lt=timezone.now()).delete()
    return deleted


def purge_read_notifications(*, limit: int = 1000, now=None) -> int:
    """One batch of notifications read more than settings.RETENTION_DAYS["read_notifications"] ago
    (unread ones stay until read)."""
    return purge_older_than(Notification.objects.filter(read_at__isnull=False), "read_at", settings.RETENTION_DAYS["read_notifications"], limit=limit, now=now)


def purge_old_outbox_events(*, limit: int = 500, now=None) -> int:
    """Delete one batch of outbox events processed more than settings.RETENTION_DAYS["outbox"] days ago whose deliveries
    are all final (DELIVERED/FAILED); their deliveries go with them (cascade). Returns events deleted.

    Events are claimed with SKIP LOCKED so parallel workers take disjoint batches; their deliveries are
    then locked (waiting for an in-flight `retry_delivery`) and the condition re-checked, so a delivery
    put back to PENDING meanwhile keeps its event."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RETENTION_DAYS["outbox"])
    pending = WebhookDelivery.objects.filter(event=OuterRef("pk"), state=WebhookDelivery.PENDING)
    old = OutboxEvent.objects.filter(processed_at__lt=cutoff).filter(~Exists(pending))
    with transaction.atomic():
        claim = old.order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            claim = claim.select_for_update(skip_locked=True)
        ids = list(claim.values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        list(WebhookDelivery.objects.filter(event_id__in=ids).order_by("id").select_for_update().values_list("pk", flat=True))
        doomed = list(old.filter(pk__in=ids).values_list("pk", flat=True))
        OutboxEvent.objects.filter(pk__in=doomed).delete()
    return len(doomed)

"""Events API: notifications, webhook endpoints and their delivery log, and the live feed (server-sent events).

Thin: rules live in services/selectors; the live feed is in `live.py`.
"""
from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate

from . import live, selectors, services
from .schemas import DeliveryOut, DeliveryPage, NotificationOut, NotificationPage, ReadAllOut, TestEventOut, WebhookCreatedOut, WebhookIn, WebhookOut, WebhookPatch

router = Router(tags=["events"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema}


# ---------------------------------------------------------------- live feed


@router.get("/events/stream", url_name="live_feed", response={403: ProblemSchema, 401: ProblemSchema})
def live_feed(request, after: int | None = None, max_seconds: float | None = None):
    """Server-sent events of this tenant's outbox (`id:` / `event:` / `data:`), from `Last-Event-ID` or `?after=`.

    The stream ends after about 25 s; EventSource reconnects with Last-Event-ID and misses nothing.
    """
    require_perm(request.actor, request.tenant, "dashboard.view")
    return live.stream_response(request, request.tenant, after=after, max_seconds=max_seconds)


# ---------------------------------------------------------------- notifications


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request, unread: bool | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "notifications.view")
    result = paginate(selectors.notifications_for(request.tenant, request.actor, unread=unread), page, page_size)
    result["unread"] = selectors.unread_count(request.tenant, request.actor)
    return result


@router.post("/notifications/read-all", response={200: ReadAllOut, **ERRORS})
def read_all_notifications(request):
    require_perm(request.actor, request.tenant, "notifications.view")
    return {"updated": services.mark_all_notifications_read(tenant=request.tenant, actor=request.actor)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read_notification(request, notification_id: int):
    require_perm(request.actor, request.tenant, "notifications.view")
    return services.mark_notification_read(tenant=request.tenant, actor=request.actor, notification_id=notification_id)


# ---------------------------------------------------------------- webhooks


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
def list_webhooks(request):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    return list(selectors.webhook_endpoints(request.tenant))


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def create_webhook(request, payload: WebhookIn):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    endpoint = services.create_webhook_endpoint(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, endpoint)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request, webhook_id: int):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    return selectors.get_webhook_endpoint(request.tenant, webhook_id)


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request, webhook_id: int, payload: WebhookPatch):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    return services.update_webhook_endpoint(tenant=request.tenant, actor=request.actor, endpoint_id=webhook_id, **payload.dict(exclude_unset=True))


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request, webhook_id: int):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    services.delete_webhook_endpoint(tenant=request.tenant, actor=request.actor, endpoint_id=webhook_id)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/rotate-secret", response={200: WebhookCreatedOut, **ERRORS})
def rotate_webhook_secret(request, webhook_id: int):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    return services.rotate_webhook_secret(tenant=request.tenant, actor=request.actor, endpoint_id=webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS})
def list_deliveries(request, webhook_id: int, state: str | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    endpoint = selectors.get_webhook_endpoint(request.tenant, webhook_id)
    return paginate(selectors.deliveries(request.tenant, endpoint, state=state), page, page_size)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", response={200: DeliveryOut, **ERRORS})
def retry_delivery(request, webhook_id: int, delivery_id: int):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    return services.retry_delivery(tenant=request.tenant, actor=request.actor, endpoint_id=webhook_id, delivery_id=delivery_id)


@router.post("/webhooks/{webhook_id}/test", response={202: TestEventOut, **ERRORS})
def test_webhook(request, webhook_id: int):
    require_perm(request.actor, request.tenant, "webhooks.manage")
    event = services.send_test_event(tenant=request.tenant, actor=request.actor, endpoint_id=webhook_id)
    return Status(202, {"event_id": event.pk, "event_type": event.event_type})

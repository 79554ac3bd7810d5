"""The live feed: server-sent events of the caller's tenant only, resumable by id."""
from __future__ import annotations

import json

from django.urls import reverse

from holdfast.core.events.live import event_stream
from tests.factories import OutboxEventFactory

URL = "/api/v1/events/stream"


def _frames(chunks: str) -> list[dict]:
    frames = []
    for block in chunks.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":") and ": " in line)
        if "data" in lines:
            frames.append({"id": int(lines["id"]), "event": lines["event"], "data": json.loads(lines["data"])})
    return frames


def _read_all(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_live_feed_url_name():
    assert reverse("api:live_feed") == URL


def test_stream_sends_own_tenant_events_after_the_cursor(owner_api, tenant, other_tenant):
    before = OutboxEventFactory(tenant=tenant, event_type="booking:created")
    mine = OutboxEventFactory(tenant=tenant, event_type="booking:updated", payload={"booking_id": 5})
    OutboxEventFactory(tenant=other_tenant, event_type="booking:updated", payload={"secret": "theirs"})

    response = owner_api.get(URL, {"after": before.pk, "max_seconds": 0})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    frames = _frames(_read_all(response))
    assert frames == [{"id": mine.pk, "event": "booking:updated", "data": {"id": mine.pk, "type": "booking:updated", "occurred_at": mine.occurred_at.isoformat(), "data": {"booking_id": 5}}}]


def test_stream_resumes_from_last_event_id_header(owner_api, tenant):
    first = OutboxEventFactory(tenant=tenant)
    second = OutboxEventFactory(tenant=tenant)
    frames = _frames(_read_all(owner_api.get(URL, {"max_seconds": 0}, headers={"Last-Event-ID": str(first.pk)})))
    assert [f["id"] for f in frames] == [second.pk]


def test_stream_without_cursor_starts_now_and_pushes_new_events(tenant):
    OutboxEventFactory(tenant=tenant)  # history is not replayed
    stream = event_stream(tenant, cursor=OutboxEventFactory(tenant=tenant).pk, duration=5, poll=0.01)
    assert next(stream).startswith("retry:")
    new = OutboxEventFactory(tenant=tenant, event_type="stats:changed")
    chunk = next(stream)
    assert chunk.startswith(f"id: {new.pk}\nevent: stats:changed\n")
    stream.close()


def test_stream_needs_login_and_dashboard_permission(client, api_as, tenant):
    from tests.factories import member

    assert client.get(URL).status_code == 401
    customer_user = member(tenant, "customer")
    assert api_as(customer_user, tenant).get(URL, {"max_seconds": 0}).status_code == 403


def test_event_committed_late_with_a_lower_id_still_arrives_once(tenant):
    from holdfast.core.events.models import OutboxEvent

    lower, higher = OutboxEventFactory(tenant=tenant), OutboxEventFactory(tenant=tenant)
    ids = (lower.pk, higher.pk)
    OutboxEvent.objects.filter(pk__in=ids).delete()
    stream = event_stream(tenant, cursor=ids[0] - 1, duration=5, poll=0.01)
    next(stream)
    OutboxEventFactory(tenant=tenant, id=ids[1])  # the higher id becomes visible first …
    assert next(stream).startswith(f"id: {ids[1]}\n")
    OutboxEventFactory(tenant=tenant, id=ids[0])  # … then a transaction that took the lower id commits
    assert next(stream).startswith(f"id: {ids[0]}\n")
    OutboxEventFactory(tenant=tenant, event_type="stats:changed")
    assert "stats:changed" in next(stream)  # nothing was sent twice on the way
    stream.close()

"""The live feed: the tenant's outbox as server-sent events.

The stream polls the outbox once a second from a cursor (`?after=` or the `Last-Event-ID` header the
browser's EventSource sends on reconnect), writes `id:` / `event:` / `data:` frames, a comment as
heartbeat, and ends after STREAM_SECONDS so a worker thread is never held for long; EventSource then
reconnects with Last-Event-ID and continues where it stopped. Without a cursor it starts at "now".
Only the caller's tenant's events are read (the cursor is an id of the shared sequence, so a cursor
from another tenant reveals nothing: the query is scoped by tenant).

Ids are handed out when a transaction inserts, not when it commits, so an event with a lower id can
become visible after a higher one was sent. While connected, the stream keeps looking below the
newest id it sent for GRACE_SECONDS (skipping what it already sent), so such late commits still
arrive. A reconnect resumes strictly after Last-Event-ID; events are hints to refetch, and the
next `stats:changed` brings screens up to date anyway.
"""
from __future__ import annotations

import json
import time

from django.http import StreamingHttpResponse

from . import selectors

STREAM_SECONDS = 25.0
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 10.0
GRACE_SECONDS = 5.0
RETRY_MS = 3000


def frame(event) -> str:
    data = {"id": event.pk, "type": event.event_type, "occurred_at": event.occurred_at.isoformat(), "data": event.payload}
    return f"id: {event.pk}\nevent: {event.event_type}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _cursor(request, after: int | None, tenant) -> int:
    if after is not None:
        return max(0, after)
    header = request.headers.get("Last-Event-ID", "").strip()
    if header.isdigit():
        return int(header)
    return selectors.latest_event_id(tenant)


def event_stream(tenant, cursor: int, duration: float, *, poll: float = POLL_SECONDS):
    yield f"retry: {RETRY_MS}\n: connected, after {cursor}\n\n"
    started = last_sent = time.monotonic()
    low = cursor  # everything at or below `low` is settled; above it, `sent` says what went out when
    sent: dict[int, float] = {}
    while True:
        events = selectors.events_after(tenant, low, exclude=sent.keys())
        now = time.monotonic()
        for event in events:
            sent[event.pk] = now
            yield frame(event)
        settled = [pk for pk, at in sent.items() if now - at > GRACE_SECONDS]
        if settled:
            low = max(low, max(settled))
            sent = {pk: at for pk, at in sent.items() if pk > low}
        if events:
            last_sent = now
        elif now - last_sent >= HEARTBEAT_SECONDS:
            last_sent = now
            yield ": keepalive\n\n"
        remaining = started + duration - now
        if remaining <= 0:
            break
        if len(events) < 100:  # a full page means more are waiting: read on without sleeping
            time.sleep(min(poll, remaining))
    yield ": end of stream, reconnect with Last-Event-ID\n\n"


def stream_response(request, tenant, *, after: int | None = None, max_seconds: float | None = None) -> StreamingHttpResponse:
    duration = STREAM_SECONDS if max_seconds is None else max(0.0, min(STREAM_SECONDS, float(max_seconds)))
    response = StreamingHttpResponse(event_stream(tenant, _cursor(request, after, tenant), duration), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # proxies must not buffer the stream
    return response

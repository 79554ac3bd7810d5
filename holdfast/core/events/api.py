"""Events API: webhook endpoints and their delivery log, notifications, live feed (filled by the events work)."""
from __future__ import annotations

from ninja import Router

router = Router(tags=["events"])

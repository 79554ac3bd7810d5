"""Time: UTC in storage, the tenant's or site's IANA zone for business dates."""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def is_valid_zone(name: str) -> bool:
    """An IANA zone name. Checked against the zone list first: ZoneInfo on an arbitrary string reads the
    file system (a 300-character name raised OSError: file name too long, which became a 500)."""
    return isinstance(name, str) and 0 < len(name) <= 64 and name in _zone_names()


def local_today(tz_name: str, at: dt.datetime | None = None) -> dt.date:
    return (at or now()).astimezone(ZoneInfo(tz_name)).date()


def local_midnight(day: dt.date, tz_name: str) -> dt.datetime:
    """The aware UTC instant at which `day` starts in `tz_name` (DST-safe)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(tz_name)).astimezone(dt.UTC)


def local_day_bounds(day: dt.date, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(day, tz_name), local_midnight(day + dt.timedelta(days=1), tz_name)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday-started week containing `day`, as a half-open date range."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=7)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end

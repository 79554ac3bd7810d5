"""Time: UTC in storage, the tenant's or site's IANA zone for business dates."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


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

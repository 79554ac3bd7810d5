"""Dates and times as people read them: the business's zone, named, and its locale's one date style.

Storage and the API stay in UTC/ISO; only what a person reads goes through here. A business's locale
is its `locale` setting, else follows its country (US: en-us, elsewhere en-gb). Screens get both
activated per request (tenancy.middleware.BusinessTimeMiddleware); services writing notification
or refusal text call these functions with the tenant, since they may run in a worker.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import formats, timezone, translation

from holdfast.kit.clock import is_valid_zone

US_STYLE_COUNTRIES = frozenset({"US", "PR", "PH"})
LOCALES = ("en-us", "en-gb")


def locale_of(tenant) -> str:
    chosen = (getattr(tenant, "settings", None) or {}).get("locale") if tenant is not None else None
    if chosen in LOCALES:
        return chosen
    return "en-us" if (getattr(tenant, "country", "") or "").upper() in US_STYLE_COUNTRIES else "en-gb"


def zone_of(tenant) -> ZoneInfo:
    name = getattr(tenant, "time_zone", "") or "UTC"
    return ZoneInfo(name if is_valid_zone(name) else "UTC")


@contextlib.contextmanager
def business_time(tenant):
    """Within: |date, localtime() and the helpers below use the tenant's zone and locale."""
    if tenant is None:
        yield
        return
    with timezone.override(zone_of(tenant)), translation.override(locale_of(tenant)):
        yield


def _fmt(name: str) -> str:
    """The active locale's format of that name, including the non-Django WEEKDAY_* names."""
    for module in formats.get_format_modules(translation.get_language()):
        if hasattr(module, name):
            return getattr(module, name)
    return formats.get_format(name) if name in formats.FORMAT_SETTINGS else "D j M Y"


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def render(value, name: str, tenant=None) -> str:
    if value in (None, ""):
        return ""
    with business_time(tenant):
        return formats.date_format(_local(value), _fmt(name))


def day(value, tenant=None) -> str:
    """4 Dec 2026 / Dec 4, 2026 (a datetime is first moved into the business's zone)."""
    return render(value, "DATE_FORMAT", tenant)


def moment(value, tenant=None) -> str:
    """4 Dec 2026, 14:30 GMT / Dec 4, 2026, 2:30 PM EST."""
    return render(value, "DATETIME_FORMAT", tenant)


def short_moment(value, tenant=None) -> str:
    """4 Dec, 14:30 GMT: within the current year, where the year only adds noise."""
    return render(value, "SHORT_DATETIME_FORMAT", tenant)


def clock_time(value, tenant=None) -> str:
    """14:30 / 2:30 PM (a time of day, or a datetime's local time)."""
    if isinstance(value, dt.time):
        with business_time(tenant):
            return formats.time_format(value, _fmt("TIME_FORMAT"))
    return render(value, "TIME_FORMAT", tenant)


def weekday_day(value, tenant=None) -> str:
    """Thu 4 Dec 2026 / Thu, Dec 4, 2026."""
    return render(value, "WEEKDAY_DATE_FORMAT", tenant)


def zone_label(tenant=None) -> str:
    """'Europe/London (GMT)': the zone every time on the page is in, named."""
    zone = zone_of(tenant) if tenant is not None else timezone.get_current_timezone()
    abbreviation = dt.datetime.now(zone).strftime("%Z")
    name = getattr(zone, "key", str(zone))
    return name if abbreviation in ("", name) else f"{name} ({abbreviation})"

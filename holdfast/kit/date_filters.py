"""Template builtins (settings.TEMPLATES builtins) for the weekday forms of the locale's date style.
|date with a Django format name covers the rest; no template writes its own format string."""
from __future__ import annotations

from django import template
from django.utils import formats

from holdfast.kit import dates

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def weekday(value) -> str:
    """{{ day|weekday }} -> Thu 4 Dec 2026 / Thu, Dec 4, 2026."""
    return formats.date_format(value, dates._fmt("WEEKDAY_DATE_FORMAT")) if value not in (None, "") else ""


@register.filter(expects_localtime=True, is_safe=False)
def weekday_short(value) -> str:
    """{{ day|weekday_short }} -> Thu 4 Dec / Thu, Dec 4."""
    return formats.date_format(value, dates._fmt("WEEKDAY_MONTH_DAY_FORMAT")) if value not in (None, "") else ""


@register.simple_tag
def business_zone() -> str:
    """The zone this page's times are in, named: 'America/New_York (EST)'."""
    return dates.zone_label()

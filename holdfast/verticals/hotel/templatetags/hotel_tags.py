from django import template

from holdfast.kit.money import format_minor

register = template.Library()


@register.filter
def cents(minor, currency):
    """{{ res.total_cents|cents:res.currency }} -> 'EUR 12.34'."""
    if minor is None:
        return ""
    return format_minor(int(minor), currency)


STATUS_BADGE = {"HOLD": "warn", "CONFIRMED": "info", "CHECKED_IN": "ok", "CHECKED_OUT": "muted", "CANCELLED": "error", "NO_SHOW": "error",
                "VACANT_CLEAN": "ok", "VACANT_DIRTY": "warn", "OCCUPIED": "info", "OUT_OF_ORDER": "error"}


@register.filter
def badge(status):
    return STATUS_BADGE.get(status, "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None

from django import template
from django.utils.html import format_html

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


@register.simple_tag
def balance(minor, currency, label="Balance", credit_label="Credit"):
    """A signed folio amount as the desk reads it: 'Balance <b>EUR 40.00</b>' or, below zero, 'Credit <b>EUR 40.00</b>'."""
    minor = int(minor or 0)
    if minor < 0:
        return format_html('{} <strong data-credit="{}">{}</strong>', credit_label, -minor, format_minor(-minor, currency))
    return format_html("{} <strong>{}</strong>", label, format_minor(minor, currency))


@register.filter
def neg(minor):
    return -int(minor or 0)


@register.simple_tag(takes_context=True)
def hotel_can(context, perm: str) -> bool:
    """{% hotel_can "hotel.setup" as can_setup %}: whether the signed-in person holds `perm` in the current business
    (so a shared partial, like the tab bar, shows only what the role may do)."""
    from holdfast.core.accounts.views import can

    request = context.get("request")
    return bool(request is not None and request.user.is_authenticated and can(request, perm))

from django import template

from holdfast.kit.money import format_minor

register = template.Library()


@register.filter
def money(minor, currency):
    """{{ invoice.total_minor|money:invoice.currency }} -> 'EUR 12.34'."""
    if minor is None:
        return ""
    return format_minor(int(minor), currency)

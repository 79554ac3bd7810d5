from django import template

from holdfast.kit.money import format_minor

register = template.Library()


@register.filter
def money(minor, currency):
    """{{ invoice.total_minor|money:invoice.currency }} -> 'EUR 12.34'."""
    if minor is None:
        return ""
    return format_minor(int(minor), currency)


@register.filter
def code_label(code):
    """{{ entry.code|code_label }} -> 'Room charge' (never the stored code)."""
    from holdfast.kit.labels import code_label as label

    return label(code)


@register.filter
def source_label(source):
    """{{ payment.source|source_label }} -> 'Hotel'."""
    from holdfast.kit.labels import source_label as label

    return label(source)

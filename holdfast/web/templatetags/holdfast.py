"""Small display helpers for holdfast templates."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """'customers.customer.created' -> 'Customer created'; 'accounts.membership.role_changed' -> 'Membership role changed'."""
    parts = str(action or "").split(".")
    words = " ".join(parts[-2:] if len(parts) >= 2 else parts).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@register.filter
def entity_label(entity_type: str) -> str:
    """'customers.customer' -> 'Customer'; 'accounts.apitoken' -> 'Api token' (the model's verbose name)."""
    from django.apps import apps

    try:
        name = str(apps.get_model(entity_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = str(entity_type or "").split(".")[-1].replace("_", " ")
    return name[:1].upper() + name[1:]


@register.filter
def diff_fields(diff) -> list:
    """(field, [before, after]) pairs. Not `diff.items` in the template: a diff with a field named
    "items" would make the template loop over that field's value (the audit trail answered 500)."""
    return list(diff.items()) if isinstance(diff, dict) else []


@register.filter
def diff_value(value) -> str:
    """A readable audit diff value: dicts as 'key: value', booleans as yes/no, empty as an em dash."""
    if value is None or value == "" or value == {} or value == []:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {diff_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(diff_value(v) for v in value)
    return str(value)


@register.filter
def code_label(code) -> str:
    """{{ room.status|code_label }} -> 'Vacant, dirty' (kit.labels: one word list for every screen)."""
    from holdfast.kit.labels import code_label as label

    return label(code)

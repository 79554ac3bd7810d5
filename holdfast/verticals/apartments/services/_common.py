from __future__ import annotations

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.bookings import services as engine
from holdfast.kit.errors import ValidationFailed

CONSTRAINT_MESSAGES = {
    **engine.CONSTRAINT_MESSAGES,
    "booking_one_active_per_key": "This apartment already has a live booking.",
    "apartments_category_name_unique": "A category with that name already exists.",
    "apartments_booking_addon_once": "That addon is already on the booking.",
}


def check(actor, tenant, code: str) -> None:
    if actor is not None:
        require_perm(actor, tenant, code)


def minor(name: str, value, *, errors: dict) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**13:
        errors[name] = ["A whole number of minor units, 0 or more."]
        return None
    return value


def positive(name: str, value, *, errors: dict, upper: int = 10_000) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > upper:
        errors[name] = [f"A whole number from 1 to {upper}."]
        return None
    return value


def text(name: str, value, *, errors: dict, max_length: int = 200, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not value:
        errors[name] = ["Required."]
    elif len(value) > max_length:
        errors[name] = [f"At most {max_length} characters."]
    return value


def refuse(errors: dict, what: str) -> None:
    if errors:
        raise ValidationFailed(f"The {what} was not saved.", fields=errors)

"""Customer writes: create, edit (optimistic version), verify, deactivate, reactivate, portal login."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from holdfast.core.audit.services import diff_of, log_action, snapshot
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed

from .models import Customer

EDITABLE = ("name", "email", "phone", "address", "notes")
ADDRESS_KEYS = {"line1", "line2", "city", "region", "postal_code", "country"}


def _clean(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for key, value in data.items():
        if key not in EDITABLE:
            errors[key] = ["Not an editable customer field."]
            continue
        if isinstance(value, str):
            value = value.strip()
        cleaned[key] = value
    for key, value in cleaned.items():
        if key == "address":
            continue
        if not isinstance(value, str):
            errors[key] = ["Must be text."]
            continue
        limit = Customer._meta.get_field(key).max_length
        if limit and len(value) > limit:
            errors[key] = [f"At most {limit} characters."]
    if errors:
        raise ValidationFailed("The customer was not saved.", fields=errors)
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = ["A name is required."]
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
            cleaned["email"] = cleaned["email"].lower()
        except DjangoValidationError:
            errors["email"] = ["Enter a valid email address."]
    if "phone" in cleaned and cleaned["phone"] and not all(c.isdigit() or c in "+-() ." for c in cleaned["phone"]):
        errors["phone"] = ["Use digits, spaces and + - ( ) only."]
    if "address" in cleaned:
        address = cleaned["address"] or {}
        if not isinstance(address, dict) or set(address) - ADDRESS_KEYS:
            errors["address"] = [f"Use the keys {', '.join(sorted(ADDRESS_KEYS))}."]
        elif not all(isinstance(v, str) and len(v) <= 200 for v in address.values()):
            errors["address"] = ["Address parts are text of at most 200 characters."]
        else:
            cleaned["address"] = {k: v.strip() for k, v in address.items()}
    if errors:
        raise ValidationFailed("The customer was not saved.", fields=errors)
    return cleaned


def create_customer(*, tenant, actor, name: str, email: str = "", phone: str = "", address: dict | None = None, notes: str = "", is_verified: bool = False, user=None) -> Customer:
    data = _clean({"name": name, "email": email, "phone": phone, "address": address or {}, "notes": notes})
    with transaction.atomic():
        customer = Customer.objects.create(tenant=tenant, is_verified=is_verified, user=user, **data)
        log_action(tenant=tenant, actor=actor, entity=customer, action="customers.customer.created", diff=diff_of({}, snapshot(customer, list(EDITABLE) + ["is_verified"])))
        emit(tenant, "client:created", {"customer_id": customer.pk})
        emit_stats_changed(tenant, "customers")
    return customer


def update_customer(*, tenant, actor, customer_id: int, version: int, **changes) -> Customer:
    data = _clean(changes)
    with transaction.atomic():
        customer = get_owned(Customer.objects.select_for_update(), tenant, customer_id, what="customer")
        if customer.version != version:
            raise Conflict(f"The customer was changed by someone else (now version {customer.version}). Reload and retry.", code="stale_version", extra={"current_version": customer.version})
        before = snapshot(customer, list(EDITABLE))
        for key, value in data.items():
            setattr(customer, key, value)
        diff = diff_of(before, snapshot(customer, list(EDITABLE)))
        if not diff:
            return customer  # nothing changed: no new version, no audit entry, no event
        customer.version += 1
        customer.save()
        log_action(tenant=tenant, actor=actor, entity=customer, action="customers.customer.updated", diff=diff)
        emit(tenant, "client:updated", {"customer_id": customer.pk, "version": customer.version})
    return customer


def verify_customer(*, tenant, actor, customer_id: int) -> Customer:
    with transaction.atomic():
        customer = get_owned(Customer.objects.select_for_update(), tenant, customer_id, what="customer")
        if not customer.is_verified:
            customer.is_verified = True
            customer.version += 1
            customer.save()
            log_action(tenant=tenant, actor=actor, entity=customer, action="customers.customer.verified", diff={"is_verified": [False, True]})
            emit(tenant, "client:updated", {"customer_id": customer.pk, "version": customer.version})
    return customer


# Verticals register checks that refuse deactivation (e.g. unpaid invoices, seed 003 §10.4).
DEACTIVATION_GUARDS: list = []


def deactivate_customer(*, tenant, actor, customer_id: int, reason: str, override: bool = False) -> Customer:
    if not reason or not reason.strip():
        raise ValidationFailed("Say why the customer is deactivated.", fields={"reason": ["A reason is required."]})
    with transaction.atomic():
        customer = get_owned(Customer.objects.select_for_update(), tenant, customer_id, what="customer")
        if not customer.is_active:
            raise Conflict("The customer is already deactivated.", code="already_deactivated")
        if not override:
            for guard in DEACTIVATION_GUARDS:
                problem = guard(tenant, customer)
                if problem:
                    raise Conflict(problem + " Deactivate with override to proceed anyway.", code="deactivation_blocked")
        customer.is_active = False
        customer.deactivated_at = timezone.now()
        customer.deactivation_reason = reason.strip()[:300]
        customer.version += 1
        customer.save()
        log_action(tenant=tenant, actor=actor, entity=customer, action="customers.customer.deactivated", diff={"is_active": [True, False], "reason": [None, customer.deactivation_reason], "override": [None, override]})
        emit(tenant, "client:updated", {"customer_id": customer.pk, "is_active": False})
        emit_stats_changed(tenant, "customers")
    return customer


def reactivate_customer(*, tenant, actor, customer_id: int) -> Customer:
    with transaction.atomic():
        customer = get_owned(Customer.objects.select_for_update(), tenant, customer_id, what="customer")
        if customer.is_active:
            return customer
        customer.is_active = True
        customer.deactivated_at = None
        customer.deactivation_reason = ""
        customer.version += 1
        customer.save()
        log_action(tenant=tenant, actor=actor, entity=customer, action="customers.customer.reactivated", diff={"is_active": [False, True]})
        emit(tenant, "client:updated", {"customer_id": customer.pk, "is_active": True})
        emit_stats_changed(tenant, "customers")
    return customer

from __future__ import annotations

from django.db.models import Q

from holdfast.core.tenancy.selectors import get_owned

from .models import Customer


def customers(tenant, *, search: str | None = None, active: bool | None = None, verified: bool | None = None):
    qs = Customer.objects.for_tenant(tenant)
    if search:
        term = search.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(email__icontains=term) | Q(phone__icontains=term))
    if active is not None:
        qs = qs.filter(is_active=active)
    if verified is not None:
        qs = qs.filter(is_verified=verified)
    return qs


def get_customer(tenant, pk) -> Customer:
    return get_owned(Customer, tenant, pk, what="customer")


def customer_for_user(tenant, user) -> Customer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.for_tenant(tenant).filter(user=user).first()

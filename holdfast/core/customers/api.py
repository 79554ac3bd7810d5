"""Customers API: thin; every rule lives in services."""
from __future__ import annotations

from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate

from . import selectors, services
from .schemas import CustomerIn, CustomerOut, CustomerPage, CustomerPatch, DeactivateIn

router = Router(tags=["customers"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema}


@router.get("", response={200: CustomerPage, **ERRORS})
def list_customers(request, search: str | None = None, active: bool | None = None, verified: bool | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "customers.view")
    return paginate(selectors.customers(request.tenant, search=search, active=active, verified=verified), page, page_size)


@router.post("", response={201: CustomerOut, **ERRORS})
def create_customer(request, payload: CustomerIn):
    require_perm(request.actor, request.tenant, "customers.manage")
    data = payload.dict()
    data["address"] = data.get("address") or {}
    return Status(201, services.create_customer(tenant=request.tenant, actor=request.actor, **data))


@router.get("/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request, customer_id: int):
    require_perm(request.actor, request.tenant, "customers.view")
    return selectors.get_customer(request.tenant, customer_id)


@router.patch("/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request, customer_id: int, payload: CustomerPatch):
    require_perm(request.actor, request.tenant, "customers.manage")
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.update_customer(tenant=request.tenant, actor=request.actor, customer_id=customer_id, version=version, **changes)


@router.post("/{customer_id}/verify", response={200: CustomerOut, **ERRORS})
def verify_customer(request, customer_id: int):
    require_perm(request.actor, request.tenant, "customers.manage")
    return services.verify_customer(tenant=request.tenant, actor=request.actor, customer_id=customer_id)


@router.post("/{customer_id}/deactivate", response={200: CustomerOut, **ERRORS})
def deactivate_customer(request, customer_id: int, payload: DeactivateIn):
    require_perm(request.actor, request.tenant, "customers.manage")
    return services.deactivate_customer(tenant=request.tenant, actor=request.actor, customer_id=customer_id, reason=payload.reason, override=payload.override)


@router.post("/{customer_id}/reactivate", response={200: CustomerOut, **ERRORS})
def reactivate_customer(request, customer_id: int):
    require_perm(request.actor, request.tenant, "customers.manage")
    return services.reactivate_customer(tenant=request.tenant, actor=request.actor, customer_id=customer_id)

"""Inventory API (/api/v1/inventory): sites, resources, capacity, blocks, holds and availability. Thin."""
from __future__ import annotations

import datetime as dt

from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate

from . import selectors, services
from .schemas import (
    BlockIn, BlockOut, BlockPage, CalendarOut, CapacityDayOut, CapacityIn, DayCountOut, ExtendIn, FreeOut, HoldIn, HoldOut, HoldPage, MoveHoldIn,
    PoolIn, PoolOut, ReleaseIn, ResourceIn, ResourceOut, ResourcePage, ResourceStatusIn, ResourceTypeIn, ResourceTypeOut, SiteIn,
    SiteOut, SitePage, SitePatch, TypeFreeOut,
)

router = Router(tags=["inventory"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


def _view(request):
    require_perm(request.actor, request.tenant, "inventory.view")


def _manage(request):
    require_perm(request.actor, request.tenant, "inventory.manage")


# ---------------------------------------------------------------- sites

@router.get("/sites", response={200: SitePage, **ERRORS})
def list_sites(request, kind: str | None = None, status: str | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    return paginate(selectors.sites(request.tenant, kind=kind, status=status), page, page_size)


@router.post("/sites", response={201: SiteOut, **ERRORS})
def create_site(request, payload: SiteIn):
    _manage(request)
    return Status(201, services.create_site(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/sites/{site_id}", response={200: SiteOut, **ERRORS})
def get_site(request, site_id: int):
    _view(request)
    return selectors.get_site(request.tenant, site_id)


@router.patch("/sites/{site_id}", response={200: SiteOut, **ERRORS})
def update_site(request, site_id: int, payload: SitePatch):
    _manage(request)
    return services.update_site(tenant=request.tenant, actor=request.actor, site_id=site_id, **payload.dict(exclude_unset=True))


# ---------------------------------------------------------------- resources and pools

@router.get("/resource-types", response={200: list[ResourceTypeOut], **ERRORS})
def list_resource_types(request, site_id: int | None = None):
    _view(request)
    return list(selectors.resource_types(request.tenant, site_id=site_id)[:500])


@router.post("/resource-types", response={201: ResourceTypeOut, **ERRORS})
def create_resource_type(request, payload: ResourceTypeIn):
    _manage(request)
    return Status(201, services.create_resource_type(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/resources", response={200: ResourcePage, **ERRORS})
def list_resources(request, site_id: int | None = None, resource_type_id: int | None = None, status: str | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    return paginate(selectors.resources(request.tenant, site_id=site_id, resource_type_id=resource_type_id, status=status), page, page_size)


@router.post("/resources", response={201: ResourceOut, **ERRORS})
def create_resource(request, payload: ResourceIn):
    _manage(request)
    return Status(201, services.create_resource(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/resources/{resource_id}", response={200: ResourceOut, **ERRORS})
def get_resource(request, resource_id: int):
    _view(request)
    return selectors.get_resource(request.tenant, resource_id)


@router.post("/resources/{resource_id}/status", response={200: ResourceOut, **ERRORS})
def set_resource_status(request, resource_id: int, payload: ResourceStatusIn):
    _manage(request)
    return services.set_resource_status(tenant=request.tenant, actor=request.actor, resource_id=resource_id, status=payload.status)


@router.get("/pools", response={200: list[PoolOut], **ERRORS})
def list_pools(request, site_id: int | None = None):
    _view(request)
    return list(selectors.pools(request.tenant, site_id=site_id)[:500])


@router.post("/pools", response={201: PoolOut, **ERRORS})
def create_pool(request, payload: PoolIn):
    _manage(request)
    return Status(201, services.create_pool(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.put("/pools/{pool_id}/capacity", response={200: list[CapacityDayOut], **ERRORS})
def set_capacity(request, pool_id: int, payload: CapacityIn):
    _manage(request)
    services.set_capacity(tenant=request.tenant, actor=request.actor, pool_id=pool_id, **payload.dict())
    return selectors.remaining_capacity(request.tenant, pool_id, payload.start_date, payload.end_date)


# ---------------------------------------------------------------- availability

@router.get("/availability/resources/{resource_id}", response={200: FreeOut, **ERRORS})
def resource_free(request, resource_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None = None):
    _view(request)
    return {"resource_id": resource_id, "free": selectors.is_resource_free(request.tenant, resource_id, starts_at, ends_at)}


@router.get("/availability/free", response={200: ResourcePage, **ERRORS})
def free_resources(request, starts_at: dt.datetime, ends_at: dt.datetime | None = None, site_id: int | None = None, resource_type_id: int | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    return paginate(selectors.free_resources(request.tenant, starts_at, ends_at, site_id=site_id, resource_type_id=resource_type_id), page, page_size)


@router.get("/availability/sites/{site_id}/by-type", response={200: list[TypeFreeOut], **ERRORS})
def free_by_type(request, site_id: int, start_date: dt.date, end_date: dt.date):
    _view(request)
    return selectors.free_by_type(request.tenant, selectors.get_site(request.tenant, site_id), start_date, end_date)


@router.get("/availability/sites/{site_id}/per-day", response={200: list[DayCountOut], **ERRORS})
def free_per_day(request, site_id: int, start_date: dt.date, end_date: dt.date, resource_type_id: int | None = None):
    _view(request)
    return selectors.free_counts_per_day(request.tenant, selectors.get_site(request.tenant, site_id), start_date, end_date, resource_type_id=resource_type_id)


@router.get("/availability/pools/{pool_id}", response={200: list[CapacityDayOut], **ERRORS})
def pool_capacity(request, pool_id: int, start_date: dt.date, end_date: dt.date, quantity: int | None = None):
    _view(request)
    return selectors.remaining_capacity(request.tenant, pool_id, start_date, end_date, quantity=quantity)


@router.get("/calendar/sites/{site_id}", response={200: CalendarOut, **ERRORS})
def calendar(request, site_id: int, start_date: dt.date, days: int = 31, resource_type_id: int | None = None):
    _view(request)
    return selectors.calendar_matrix(request.tenant, selectors.get_site(request.tenant, site_id), start_date, days, resource_type_id=resource_type_id)


# ---------------------------------------------------------------- blocks and holds

@router.get("/blocks", response={200: BlockPage, **ERRORS})
def list_blocks(request, resource_id: int | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    return paginate(selectors.blocks(request.tenant, resource_id=resource_id), page, page_size)


@router.post("/blocks", response={201: BlockOut, **ERRORS})
def add_block(request, payload: BlockIn):
    _manage(request)
    return Status(201, services.add_block(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.delete("/blocks/{block_id}", response={200: BlockOut, **ERRORS})
def remove_block(request, block_id: int):
    _manage(request)
    return services.remove_block(tenant=request.tenant, actor=request.actor, block_id=block_id)


@router.get("/holds", response={200: HoldPage, **ERRORS})
def list_holds(request, status: str | None = None, page: int = 1, page_size: int = 50):
    _view(request)
    return paginate(selectors.holds(request.tenant, status=status), page, page_size)


@router.post("/holds", response={201: HoldOut, **ERRORS})
def place_hold(request, payload: HoldIn):
    require_perm(request.actor, request.tenant, "inventory.hold")
    return Status(201, services.place_hold(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/holds/{hold_id}", response={200: HoldOut, **ERRORS})
def get_hold(request, hold_id: int):
    _view(request)
    return selectors.get_hold(request.tenant, hold_id)


@router.post("/holds/{hold_id}/extend", response={200: HoldOut, **ERRORS})
def extend_hold(request, hold_id: int, payload: ExtendIn):
    require_perm(request.actor, request.tenant, "inventory.hold")
    return services.extend_hold(tenant=request.tenant, actor=request.actor, hold_id=hold_id, minutes=payload.minutes)


@router.post("/holds/{hold_id}/release", response={200: HoldOut, **ERRORS})
def release_hold(request, hold_id: int, payload: ReleaseIn):
    require_perm(request.actor, request.tenant, "inventory.hold")
    return services.release_hold(tenant=request.tenant, actor=request.actor, hold_id=hold_id, reason=payload.reason)


@router.post("/holds/{hold_id}/move", response={200: HoldOut, **ERRORS})
def move_hold(request, hold_id: int, payload: MoveHoldIn):
    require_perm(request.actor, request.tenant, "inventory.hold")
    given = payload.dict(exclude_unset=True)
    return services.move_hold(tenant=request.tenant, actor=request.actor, hold_id=hold_id, resource_ids=given.get("resource_ids"),
                              starts_at=given.get("starts_at"), ends_at=given["ends_at"] if "ends_at" in given else ...)


@router.post("/holds/{hold_id}/convert", response={200: HoldOut, **ERRORS})
def convert_hold(request, hold_id: int):
    _manage(request)
    return services.convert_hold(tenant=request.tenant, actor=request.actor, hold_id=hold_id)

"""Accounts API: me, the current tenant's settings, members, roles, API tokens, platform tenants."""
from __future__ import annotations

from ninja import Router, Status

from holdfast.core.tenancy.models import Tenant
from holdfast.core.tenancy.selectors import active_tenants
from holdfast.kit.api import ProblemSchema
from holdfast.kit.errors import NotFound

from . import selectors, services
from .permissions import CATALOGUE, expand
from .schemas import (
    MemberIn, MemberOut, MemberRolePatch, MeOut, PermissionOut, RoleIn, RoleOut, RolePatch, TenantCreate, TenantOut,
    TenantPatch, TokenCreated, TokenIn, TokenOut,
)

router = Router(tags=["accounts"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema}


def _tenant_or_404(request) -> Tenant:
    if request.tenant is None:
        raise NotFound("Choose a business with the X-Tenant header.", code="tenant_required")
    return request.tenant


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    tenant = request.tenant
    membership = selectors.membership_for(request.actor, tenant)
    platform = selectors.platform_membership(request.actor)
    perms = set()
    if membership:
        perms |= set(expand(membership.role.permissions))
    if platform:
        perms |= set(expand(platform.role.permissions, platform=True))
    return {
        "id": request.actor.pk, "email": request.actor.email, "full_name": request.actor.full_name, "tenant": tenant,
        "role": membership.role.key if membership else (platform.role.key if platform else None),
        "is_platform_admin": selectors.is_platform_admin(request.actor), "permissions": sorted(perms),
    }


@router.get("/permissions", response={200: list[PermissionOut], **ERRORS})
def permission_catalogue(request):
    return [{"code": code, "description": text} for code, text in sorted(CATALOGUE.items())]


@router.get("/tenant", response={200: TenantOut, **ERRORS})
def get_tenant(request):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "tenant.view")
    return tenant


@router.patch("/tenant", response={200: TenantOut, **ERRORS})
def update_tenant(request, payload: TenantPatch):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "tenant.manage")
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.update_tenant(tenant=tenant, actor=request.actor, version=version, **changes)


@router.get("/members", response={200: list[MemberOut], **ERRORS})
def list_members(request):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "members.view")
    return list(selectors.members(tenant))


@router.post("/members", response={201: MemberOut, **ERRORS})
def add_member(request, payload: MemberIn):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "members.manage")
    return Status(201, services.add_member(tenant=tenant, actor=request.actor, email=payload.email, role_key=payload.role, full_name=payload.full_name, password=payload.password))


@router.patch("/members/{membership_id}", response={200: MemberOut, **ERRORS})
def change_member_role(request, membership_id: int, payload: MemberRolePatch):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "members.manage")
    return services.change_member_role(tenant=tenant, actor=request.actor, membership_id=membership_id, role_key=payload.role)


@router.post("/members/{membership_id}/deactivate", response={200: MemberOut, **ERRORS})
def deactivate_member(request, membership_id: int):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "members.manage")
    return services.deactivate_member(tenant=tenant, actor=request.actor, membership_id=membership_id)


@router.get("/roles", response={200: list[RoleOut], **ERRORS})
def list_roles(request):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "members.view")
    return list(selectors.roles(tenant))


@router.post("/roles", response={201: RoleOut, **ERRORS})
def create_role(request, payload: RoleIn):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "roles.manage")
    return Status(201, services.create_role(tenant=tenant, actor=request.actor, name=payload.name, key=payload.key, permissions=payload.permissions))


@router.patch("/roles/{role_id}", response={200: RoleOut, **ERRORS})
def update_role(request, role_id: int, payload: RolePatch):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "roles.manage")
    return services.update_role(tenant=tenant, actor=request.actor, role_id=role_id, version=payload.version, name=payload.name, permissions=payload.permissions)


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "tokens.manage")
    return list(selectors.api_tokens(tenant))


@router.post("/tokens", response={201: TokenCreated, **ERRORS})
def issue_token(request, payload: TokenIn):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "tokens.manage")
    token, raw = services.issue_api_token(tenant=tenant, actor=request.actor, name=payload.name, expires_in_days=payload.expires_in_days)
    token.token = raw
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERRORS})
def revoke_token(request, token_id: int):
    tenant = _tenant_or_404(request)
    selectors.require_perm(request.actor, tenant, "tokens.manage")
    return services.revoke_api_token(tenant=tenant, actor=request.actor, token_id=token_id)


@router.get("/platform/tenants", response={200: list[TenantOut], **ERRORS})
def platform_tenants(request):
    selectors.require_perm(request.actor, None, "platform.view_all")
    return list(active_tenants())


@router.post("/platform/tenants", response={201: TenantOut, **ERRORS})
def platform_create_tenant(request, payload: TenantCreate):
    selectors.require_perm(request.actor, None, "platform.manage_tenants")
    owner = selectors.find_user(payload.owner_email) if payload.owner_email else None
    if payload.owner_email and owner is None:
        owner = services.create_user(email=payload.owner_email, password=None)
    tenant = services.provision_tenant(
        name=payload.name, slug=payload.slug, currency=payload.currency, time_zone=payload.time_zone, country=payload.country,
        region=payload.region, enabled_verticals=payload.enabled_verticals, owner=owner, actor=request.actor,
    )
    return Status(201, tenant)


@router.delete("/platform/tenants/{tenant_id}", response={200: TenantOut, **ERRORS})
def platform_delete_tenant(request, tenant_id: int):
    """Soft delete: the business disappears from logins, lists, tokens and the API; its rows stay."""
    selectors.require_perm(request.actor, None, "platform.manage_tenants")
    tenant = active_tenants().filter(pk=tenant_id).first()
    if tenant is None:
        raise NotFound(f"No tenant with id {tenant_id}.", code="tenant_not_found")
    return services.delete_tenant(tenant=tenant, actor=request.actor)

"""Invariants of tenancy and accounts."""
from __future__ import annotations

from django.db.models import Count, F, Q

from holdfast.core.tenancy.models import Tenant
from holdfast.kit.doctor import Finding, check, repair

from .models import Membership, Role
from .permissions import BUILTIN_ROLES


@check("accounts.builtin_roles", "Every tenant has every built-in role")
def builtin_roles_present():
    wanted = {k for k, spec in BUILTIN_ROLES.items() if spec["scope"] == "tenant"}
    findings = []
    for tenant in Tenant.objects.all():
        have = set(Role.objects.filter(tenant=tenant, is_builtin=True).values_list("key", flat=True))
        missing = wanted - have
        if missing:
            findings.append(Finding(f"tenant {tenant.slug} lacks built-in roles {sorted(missing)}", tenant_id=tenant.pk))
    return findings


@repair("accounts.builtin_roles")
def add_missing_builtin_roles(findings):
    from .services import ensure_builtin_roles

    for finding in findings:
        ensure_builtin_roles(Tenant.objects.get(pk=finding.tenant_id))
    return len(findings)


@check("accounts.admin_present", "Every active tenant keeps at least one active Admin")
def admin_present():
    tenants = Tenant.objects.active().annotate(admins=Count("memberships", filter=Q(memberships__role__key="admin", memberships__is_active=True)))
    return [Finding(f"tenant {t.slug} has no active Admin", tenant_id=t.pk) for t in tenants if t.admins == 0]


@check("accounts.membership_role_tenant", "A membership's role belongs to the membership's tenant")
def membership_role_same_tenant():
    bad = Membership.objects.exclude(role__tenant_id=None, tenant_id=None).exclude(role__tenant_id__isnull=False, role__tenant_id=F("tenant_id"))
    return [Finding(f"membership {m.pk} uses role {m.role_id} of another tenant", tenant_id=m.tenant_id) for m in bad]


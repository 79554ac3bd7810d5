"""Who may do what. One check, used by both the API and the web views."""
from __future__ import annotations

from django.db.models import Q

from holdfast.kit.errors import NotFound, PermissionDenied

from .models import ApiToken, LoginAttempt, Membership, Role, User, hash_token
from .permissions import pattern_grants


def platform_membership(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cache = getattr(user, "_hf_platform_membership", "unset")
    if cache == "unset":
        cache = Membership.objects.filter(user=user, tenant__isnull=True, is_active=True).select_related("role").first()
        user._hf_platform_membership = cache
    return cache


def membership_for(user, tenant) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or tenant is None:
        return None
    cache = getattr(user, "_hf_memberships", None)
    if cache is None:
        cache = user._hf_memberships = {}
    if tenant.pk not in cache:
        cache[tenant.pk] = Membership.objects.filter(user=user, tenant=tenant, is_active=True).select_related("role").first()
    return cache[tenant.pk]


def is_platform_admin(user) -> bool:
    membership = platform_membership(user)
    return bool(membership and pattern_grants(membership.role.permissions, "platform.view_all", platform=True))


def has_perm(user, tenant, code: str) -> bool:
    """True when the user's role in `tenant` (or their platform role) grants `code`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    platform = platform_membership(user)
    if platform and pattern_grants(platform.role.permissions, code, platform=True):
        return True
    if tenant is None:
        return False
    membership = membership_for(user, tenant)
    return bool(membership and pattern_grants(membership.role.permissions, code, platform=False))


def require_perm(user, tenant, code: str) -> None:
    if not has_perm(user, tenant, code):
        raise PermissionDenied(f"You need the '{code}' permission for this.", code="permission_denied", extra={"permission": code})


def can_enter_tenant(user, tenant) -> bool:
    return membership_for(user, tenant) is not None or is_platform_admin(user)


def role_key_in(user, tenant) -> str | None:
    membership = membership_for(user, tenant)
    return membership.role.key if membership else None


def tenants_for(user):
    """Every business the user may enter: all of them for a platform admin."""
    from holdfast.core.tenancy.models import Tenant

    if is_platform_admin(user):
        return Tenant.objects.active()
    return member_tenants(user)


def member_tenants(user):
    """The businesses the user is an active member of (a platform role is no membership)."""
    from holdfast.core.tenancy.models import Tenant

    return Tenant.objects.active().filter(memberships__user=user, memberships__is_active=True).distinct().order_by("pk")


def require_member(tenant, user_id: int | None) -> None:
    """A filter or field naming a user (`?agent_id=`, `assigned_agent_id`) must name someone who is or
    was a member of this business; anyone else is a 404 like a missing row, never an empty page."""
    if user_id is not None and not Membership.objects.filter(tenant=tenant, user_id=user_id).exists():
        raise NotFound(f"No member of this business with id {user_id}.", code="not_found")


def members(tenant):
    return Membership.objects.for_tenant(tenant).select_related("user", "role").order_by("user__email")


def roles(tenant):
    return Role.objects.for_tenant(tenant)


def api_tokens(tenant):
    return ApiToken.objects.for_tenant(tenant).select_related("user")


def user_for_token(raw: str) -> ApiToken | None:
    """The usable token matching `raw` (format hf_<prefix>_<secret>), or None."""
    import hmac

    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "hf":
        return None
    token = ApiToken.objects.select_related("tenant", "user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
        return None
    if not token.is_usable or not token.user.is_active or not token.tenant.is_active or token.tenant.deleted_at:
        return None
    # A token acts as a member: once that person leaves the business, their tokens stop working.
    # One query fetches the tenant and platform memberships and primes has_perm's caches on the user,
    # so an API call costs two queries for auth and permissions together.
    rows = list(Membership.objects.filter(user=token.user, is_active=True).filter(Q(tenant=token.tenant) | Q(tenant__isnull=True)).select_related("role"))
    in_tenant = next((m for m in rows if m.tenant_id == token.tenant_id), None)
    if in_tenant is None:
        return None
    token.user._hf_memberships = {token.tenant_id: in_tenant}
    token.user._hf_platform_membership = next((m for m in rows if m.tenant_id is None), None)
    return token


def recent_login_failures(email: str, ip: str | None, since) -> tuple[int, int]:
    """(failures for this email, failures from this address) since `since`."""
    failures = LoginAttempt.objects.filter(succeeded=False, at__gte=since)
    by_email = failures.filter(email=email.lower()).count()
    by_address = failures.filter(ip_address=ip).count() if ip else 0
    return by_email, by_address


def find_user(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()

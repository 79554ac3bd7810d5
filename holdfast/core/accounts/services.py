"""Account writes: tenants with their built-in roles, members, custom roles, API tokens, logins."""
from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from holdfast.core.audit.models import SystemLog
from holdfast.core.audit.services import diff_of, log_action, log_system
from holdfast.core.events.services import emit
from holdfast.core.tenancy.models import DEFAULT_SETTINGS, VERTICALS, Tenant
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, StaleVersion, Throttled, ValidationFailed

from . import selectors
from .models import ApiToken, LoginAttempt, Membership, Role, User, hash_token
from .permissions import BUILTIN_ROLES, expand, unknown_patterns

SUPER_ADMIN_KEY = "super_admin"


TENANT_FIELDS = ("name", "currency", "time_zone", "country", "region", "enabled_verticals", "settings")
# Typed business settings: (type, lowest, highest) for numbers; strings are bounded in length.
SETTING_RULES: dict[str, tuple] = {
    "payment_terms_days": (int, 0, 365),
    "hold_ttl_minutes": (int, 1, 7 * 24 * 60),
    "hold_max_extensions": (int, 0, 20),
    "staff_may_complete_jobs": (bool,),
    "staff_may_approve": (bool,),
    "brand_name": (str, 0, 100),
    "brand_color": (str, 0, 7),
}
SETTING_TYPES = {key: rule[0] for key, rule in SETTING_RULES.items()}  # kept for callers that list them
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _clean_settings(values, current: dict | None = None) -> tuple[dict, dict[str, list[str]]]:
    """Merge typed `values` into `current`; unknown keys and wrong types are field errors."""
    cleaned = dict(current or {})
    errors: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        return cleaned, {"settings": ["An object of settings is required."]}
    for key, value in values.items():
        rule = SETTING_RULES.get(key)
        field = f"settings.{key}"
        if rule is None:
            errors[field] = [f"Unknown setting. Known: {', '.join(sorted(SETTING_RULES))}."]
            continue
        kind = rule[0]
        if kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or not rule[1] <= value <= rule[2]:
                errors[field] = [f"Must be a whole number from {rule[1]} to {rule[2]}."]
                continue
        elif kind is bool:
            if not isinstance(value, bool):
                errors[field] = ["Must be true or false."]
                continue
        elif not isinstance(value, str) or len(value) > rule[2]:
            errors[field] = [f"Must be text of at most {rule[2]} characters."]
            continue
        elif key == "brand_color" and value and not HEX_COLOR.match(value):
            errors[field] = ["Use a colour like #1f4e79."]
            continue
        cleaned[key] = value
    return cleaned, errors


def _validate_tenant_fields(*, name, currency, time_zone, enabled_verticals, country="", region="") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["A name is required."]
    elif len(name.strip()) > 200:
        errors["name"] = ["At most 200 characters."]
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
        errors["currency"] = ["Use a three-letter ISO currency code such as USD."]
    if not isinstance(time_zone, str) or not clock.is_valid_zone(time_zone):
        errors["time_zone"] = [f"'{time_zone}' is not an IANA time zone (e.g. Europe/Berlin)."]
    if not isinstance(country, str) or (country and not (len(country) == 2 and country.isascii() and country.isalpha() and country.isupper())):
        errors["country"] = ["Use a two-letter ISO country code such as DE, or leave it empty."]
    if not isinstance(region, str) or len(region) > 100:
        errors["region"] = ["At most 100 characters."]
    if not isinstance(enabled_verticals, list) or not all(isinstance(v, str) for v in enabled_verticals):
        errors["enabled_verticals"] = [f"A list of verticals. Known: {', '.join(VERTICALS)}."]
    else:
        bad = [v for v in enabled_verticals if v not in VERTICALS]
        if bad:
            errors["enabled_verticals"] = [f"Unknown vertical(s): {', '.join(bad)}. Known: {', '.join(VERTICALS)}."]
    return errors


def ensure_platform_roles() -> Role:
    spec = BUILTIN_ROLES[SUPER_ADMIN_KEY]
    role, _ = Role.objects.update_or_create(
        tenant=None, key=SUPER_ADMIN_KEY, defaults={"name": spec["name"], "scope": Role.SCOPE_PLATFORM, "permissions": list(spec["permissions"]), "is_builtin": True}
    )
    return role


def ensure_builtin_roles(tenant: Tenant) -> dict[str, Role]:
    """Create or refresh the built-in roles of a tenant from the code templates (idempotent)."""
    result = {}
    for key, spec in BUILTIN_ROLES.items():
        if spec["scope"] != "tenant":
            continue
        role, _ = Role.objects.update_or_create(
            tenant=tenant, key=key, defaults={"name": spec["name"], "scope": Role.SCOPE_TENANT, "permissions": list(spec["permissions"]), "is_builtin": True}
        )
        result[key] = role
    return result


def provision_tenant(*, name: str, slug: str | None = None, currency: str = "USD", time_zone: str = "UTC", country: str = "", region: str = "",
                     enabled_verticals=None, settings_overrides: dict | None = None, owner: User | None = None, actor=None) -> Tenant:
    """Create a tenant with its built-in roles and (optionally) its first Admin."""
    enabled_verticals = list(dict.fromkeys(enabled_verticals or []))
    errors = _validate_tenant_fields(name=name, currency=currency, time_zone=time_zone, enabled_verticals=enabled_verticals, country=country, region=region)
    tenant_settings, setting_errors = _clean_settings(settings_overrides or {}, DEFAULT_SETTINGS)
    errors.update(setting_errors)
    slug = slug or slugify(name or "")[:60]
    if not slug or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", slug):
        errors.setdefault("slug", []).append("Use 1-60 lowercase letters, digits and dashes.")
    if errors:
        raise ValidationFailed("The tenant could not be created.", fields=errors)
    with transaction.atomic():
        if Tenant.objects.filter(slug=slug).exists():
            raise Conflict(f"A tenant with slug '{slug}' already exists.", code="tenant_slug_taken")
        tenant = Tenant.objects.create(
            name=name.strip(), slug=slug, currency=currency, time_zone=time_zone, country=country, region=region,
            enabled_verticals=enabled_verticals, settings=tenant_settings,
        )
        roles = ensure_builtin_roles(tenant)
        if owner is not None:
            Membership.objects.create(user=owner, tenant=tenant, role=roles["admin"])
        diff = {"name": [None, tenant.name], "slug": [None, slug]}
        if owner is not None:
            diff["owner"] = [None, owner.email]
        log_action(tenant=tenant, actor=actor, entity=tenant, action="tenancy.tenant.created", diff=diff)
        emit(tenant, "tenant:created", {"tenant_id": tenant.pk, "slug": slug})
    return tenant


def update_tenant(*, tenant: Tenant, actor, version: int | None = None, **changes) -> Tenant:
    """Change the business settings. A stale `version` is refused (optimistic concurrency);
    `settings` is merged key by key into the current typed settings."""
    allowed = set(TENANT_FIELDS)
    errors: dict[str, list[str]] = {k: ["Not a tenant setting."] for k in set(changes) - allowed}
    errors.update({k: ["A value is required (null is not allowed)."] for k, v in changes.items() if k in allowed and v is None})
    if errors:
        raise ValidationFailed("The settings were not saved.", fields=errors)
    with transaction.atomic():
        current = Tenant.objects.select_for_update().filter(pk=tenant.pk, deleted_at__isnull=True).first()
        if current is None:
            raise NotFound("No such business.", code="tenant_not_found")
        if version is not None and current.version != version:
            raise StaleVersion(f"The settings were changed meanwhile (version {current.version}, you sent {version}). Reload and retry.", extra={"current_version": current.version})
        before = {k: getattr(current, k) for k in allowed}
        new_settings, errors = _clean_settings(changes.pop("settings", {}), current.settings)
        if "enabled_verticals" in changes and isinstance(changes["enabled_verticals"], list):
            changes["enabled_verticals"] = list(dict.fromkeys(changes["enabled_verticals"]))
        if isinstance(changes.get("name"), str):
            changes["name"] = changes["name"].strip()
        for key, value in changes.items():
            setattr(current, key, value)
        errors.update(_validate_tenant_fields(name=current.name, currency=current.currency, time_zone=current.time_zone,
                                              enabled_verticals=current.enabled_verticals, country=current.country, region=current.region))
        if errors:
            raise ValidationFailed("The settings were not saved.", fields=errors)
        current.settings = new_settings
        after = {k: getattr(current, k) for k in allowed}
        if after == before:
            return current  # nothing changed: no new version, no audit entry
        current.version += 1
        current.save()
        log_action(tenant=current, actor=actor, entity=current, action="tenancy.tenant.updated", diff=diff_of(before, after))
        emit(current, "tenant:updated", {"tenant_id": current.pk, "version": current.version})
    return current


def delete_tenant(*, tenant: Tenant, actor) -> Tenant:
    """Soft delete: the tenant disappears from every list and login, its rows stay."""
    with transaction.atomic():
        current = Tenant.objects.select_for_update().filter(pk=tenant.pk, deleted_at__isnull=True).first()
        if current is None:
            raise NotFound("No such business.", code="tenant_not_found")
        current.is_active = False
        current.deleted_at = timezone.now()
        current.version += 1
        current.save()
        log_action(tenant=current, actor=actor, entity=current, action="tenancy.tenant.deleted")
        emit(current, "tenant:deleted", {"tenant_id": current.pk})
    return current


def create_user(*, email: str, password: str | None, full_name: str = "", phone: str = "", validate: bool = True) -> User:
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["email"] = ["Enter a valid email address."]
    if password and validate:
        try:
            validate_password(password, User(email=email, full_name=full_name))
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed("The user could not be created.", fields=errors)
    if selectors.find_user(email):
        raise Conflict(f"A user with email {email} already exists.", code="email_taken")
    # Without a password the account gets an unknown random one rather than an unusable one, so the
    # person can choose theirs through "forgot password" (Django never mails unusable-password users).
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password or secrets.token_urlsafe(32), full_name=full_name, phone=phone)
    except IntegrityError:
        raise Conflict(f"A user with email {email} already exists.", code="email_taken") from None


def _role_in(tenant, role_key: str) -> Role:
    role = Role.objects.for_tenant(tenant).filter(key=role_key).first()
    if role is None:
        raise ValidationFailed(f"No role '{role_key}' in this business.", fields={"role": [f"Unknown role '{role_key}'."]})
    return role


def _require_can_grant(tenant, actor, patterns: list[str], what: str) -> None:
    """Nobody hands out (or takes away) more than they hold: a custom role with members.manage must
    not be a ladder to Admin. System actors (no user) are trusted callers."""
    if not getattr(actor, "is_authenticated", False):
        return
    missing = [code for code in expand(patterns) if not selectors.has_perm(actor, tenant, code)]
    if missing:
        shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        raise PermissionDenied(f"You cannot {what}: that role holds permissions you do not have ({shown}).", code="cannot_grant_more", extra={"missing": missing})


def add_member(*, tenant, actor, email: str, role_key: str, full_name: str = "", password: str | None = None) -> Membership:
    """Give a person (created when new) a role in the tenant."""
    with transaction.atomic():
        role = _role_in(tenant, role_key)
        _require_can_grant(tenant, actor, role.permissions, f"give the role {role.name}")
        user = selectors.find_user(email) or create_user(email=email, password=password, full_name=full_name)
        membership, created = Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": role})
        if not created:
            if membership.is_active:
                raise Conflict(f"{email} is already a member.", code="already_member")
            membership.is_active, membership.role = True, role
            membership.save()
        log_action(tenant=tenant, actor=actor, entity=membership, action="accounts.membership.created", diff={"user": [None, user.email], "role": [None, role.key]})
        emit(tenant, "member:created", {"membership_id": membership.pk, "role": role.key})
    return membership


def _other_admin_exists(tenant, membership) -> bool:
    # Two demotions of the last two Admins must not both pass: the tenant row serialises them.
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
    return Membership.objects.for_tenant(tenant).filter(role__key="admin", is_active=True, user__is_active=True).exclude(pk=membership.pk).exists()


def change_member_role(*, tenant, actor, membership_id: int, role_key: str) -> Membership:
    from holdfast.core.tenancy.selectors import get_owned

    with transaction.atomic():
        membership = get_owned(Membership.objects.select_for_update(), tenant, membership_id, what="member")
        role = _role_in(tenant, role_key)
        before = membership.role.key
        if before == role.key:
            return membership
        _require_can_grant(tenant, actor, membership.role.permissions, f"change the role of a {membership.role.name}")
        _require_can_grant(tenant, actor, role.permissions, f"give the role {role.name}")
        if before == "admin" and membership.is_active and not _other_admin_exists(tenant, membership):
            raise Conflict("A business must keep at least one Admin.", code="last_admin")
        membership.role = role
        membership.save(update_fields=["role"])
        log_action(tenant=tenant, actor=actor, entity=membership, action="accounts.membership.role_changed", diff={"role": [before, role.key]})
        emit(tenant, "member:updated", {"membership_id": membership.pk, "role": role.key})
    return membership


def deactivate_member(*, tenant, actor, membership_id: int) -> Membership:
    from holdfast.core.tenancy.selectors import get_owned

    with transaction.atomic():
        membership = get_owned(Membership.objects.select_for_update(), tenant, membership_id, what="member")
        if not membership.is_active:
            raise Conflict("The member is already deactivated.", code="already_deactivated")
        _require_can_grant(tenant, actor, membership.role.permissions, f"deactivate a {membership.role.name}")
        if membership.role.key == "admin" and not _other_admin_exists(tenant, membership):
            raise Conflict("A business must keep at least one Admin.", code="last_admin")
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        log_action(tenant=tenant, actor=actor, entity=membership, action="accounts.membership.deactivated")
        emit(tenant, "member:updated", {"membership_id": membership.pk, "is_active": False})
    return membership


ROLE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def _validate_role(name: str, permissions: list[str], key: str | None = None) -> None:
    errors = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["A role needs a name."]
    elif len(name.strip()) > 100:
        errors["name"] = ["At most 100 characters."]
    if key is not None and not ROLE_KEY.match(key):
        errors["key"] = ["Use 1-60 lowercase letters, digits, dashes and underscores."]
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        errors["permissions"] = ["A list of permission codes is required."]
    else:
        bad = unknown_patterns(permissions)
        if bad:
            errors["permissions"] = [f"Unknown permission(s): {', '.join(bad)}."]
        if any(p.startswith("platform.") for p in permissions):
            errors["permissions"] = ["Platform permissions cannot be given by a business role."]
    if errors:
        raise ValidationFailed("The role was not saved.", fields=errors)


def create_role(*, tenant, actor, name: str, permissions: list[str], key: str | None = None) -> Role:
    key = key or slugify(name or "")[:60] or "role"
    _validate_role(name, permissions, key)
    _require_can_grant(tenant, actor, permissions, "define this role")
    permissions = list(dict.fromkeys(permissions))
    with transaction.atomic():
        if Role.objects.for_tenant(tenant).filter(key=key).exists():
            raise Conflict(f"A role '{key}' already exists.", code="role_key_taken")
        try:
            with transaction.atomic():
                role = Role.objects.create(tenant=tenant, key=key, name=name.strip(), permissions=permissions, scope=Role.SCOPE_TENANT)
        except IntegrityError:  # created by a concurrent request between the check and the insert
            raise Conflict(f"A role '{key}' already exists.", code="role_key_taken") from None
        log_action(tenant=tenant, actor=actor, entity=role, action="accounts.role.created", diff={"permissions": [None, permissions]})
        emit(tenant, "role:created", {"role_id": role.pk, "key": key})
    return role


def update_role(*, tenant, actor, role_id: int, version: int, name: str | None = None, permissions: list[str] | None = None) -> Role:
    from holdfast.core.tenancy.selectors import get_owned

    with transaction.atomic():
        role = get_owned(Role.objects.select_for_update(), tenant, role_id, what="role")
        if role.is_builtin:
            raise Conflict("Built-in roles are defined by holdfast; create a custom role instead.", code="builtin_role_readonly")
        if role.version != version:
            raise StaleVersion(f"The role was changed meanwhile (version {role.version}). Reload and retry.", extra={"current_version": role.version})
        before = {"name": role.name, "permissions": role.permissions}
        role.name = name if name is not None else role.name
        role.permissions = list(dict.fromkeys(permissions)) if isinstance(permissions, list) else (role.permissions if permissions is None else permissions)
        _validate_role(role.name, role.permissions)
        role.name = role.name.strip()
        _require_can_grant(tenant, actor, role.permissions, "give this role these permissions")
        role.version += 1
        role.save()
        log_action(tenant=tenant, actor=actor, entity=role, action="accounts.role.updated", diff=diff_of(before, {"name": role.name, "permissions": role.permissions}))
        emit(tenant, "role:updated", {"role_id": role.pk})
    return role


def issue_api_token(*, tenant, actor, name: str, user: User | None = None, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with the raw secret (shown once; only its hash is kept)."""
    if not name or not name.strip():
        raise ValidationFailed("A token needs a name.", fields={"name": ["A name is required."]})
    acting = user or actor
    if selectors.membership_for(acting, tenant) is None:
        raise ValidationFailed("A token must act as a member of this business.", fields={"user": ["Not a member."]})
    prefix = secrets.token_hex(6)
    raw = f"hf_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            tenant=tenant, user=acting, name=name.strip(), prefix=prefix, token_hash=hash_token(raw),
            expires_at=timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None,
        )
        log_action(tenant=tenant, actor=actor, entity=token, action="accounts.api_token.issued", diff={"name": [None, token.name], "prefix": [None, prefix]})
    return token, raw


def revoke_api_token(*, tenant, actor, token_id: int) -> ApiToken:
    from holdfast.core.tenancy.selectors import get_owned

    with transaction.atomic():
        token = get_owned(ApiToken.objects.select_for_update(), tenant, token_id, what="API token")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            log_action(tenant=tenant, actor=actor, entity=token, action="accounts.api_token.revoked")
    return token


def touch_token(token: ApiToken) -> None:
    # Only write when stale, so every API call does not become a write.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def check_login_allowed(email: str, ip: str | None) -> None:
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    by_email, by_address = selectors.recent_login_failures(email, ip, since)
    if by_email >= settings.LOGIN_MAX_FAILURES or by_address >= settings.LOGIN_MAX_FAILURES_PER_ADDRESS:
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
        log_system(SystemLog.AUTH, "login throttled", severity=SystemLog.WARN, email=email, ip=ip)
        raise Throttled(f"Too many failed logins. Try again in {minutes} minutes or reset your password.", code="login_throttled")


def record_login(*, email: str, ip: str | None, succeeded: bool, user=None) -> None:
    LoginAttempt.objects.create(email=email.lower()[:254], ip_address=ip, succeeded=succeeded)
    if succeeded:
        log_system(SystemLog.AUTH, "login succeeded", user=user, email=email, ip=ip)
    else:
        log_system(SystemLog.AUTH, "login failed", severity=SystemLog.WARN, email=email, ip=ip)


def grant_platform_admin(*, user: User, actor=None) -> Membership:
    with transaction.atomic():
        role = ensure_platform_roles()
        membership, _ = Membership.objects.update_or_create(user=user, tenant=None, defaults={"role": role, "is_active": True})
        log_action(tenant=None, actor=actor, entity=membership, action="accounts.platform_admin.granted", diff={"user": [None, user.email]})
    return membership


def get_user_or_404(pk) -> User:
    try:
        return User.objects.get(pk=pk)
    except (User.DoesNotExist, ValueError):
        raise NotFound("No such user.") from None

"""The permission catalogue (code) and the built-in roles (data templates).

Permissions are dotted codes: `<area>.<action>` or `<vertical>.<entity>.<action>`. A role holds a
list of codes or shell-style patterns (`billing.*`, `*.view`). Tenant roles never grant
`platform.*` codes: those come only from a platform membership, so the super admin is explicit.
Verticals add their own codes and extend the built-in roles with `register_permissions` and
`extend_builtin_role` from their AppConfig.ready().
"""
from __future__ import annotations

from fnmatch import fnmatchcase

CATALOGUE: dict[str, str] = {
    # platform (super admin only)
    "platform.view_all": "See every tenant, its data and the platform metrics",
    "platform.manage_tenants": "Create, suspend and delete tenants",
    "platform.view_logs": "Read system logs of every tenant",
    # tenant administration
    "tenant.view": "See the business settings",
    "tenant.manage": "Change the business settings and enabled verticals",
    "members.view": "See who works in the business",
    "members.manage": "Add, deactivate and change the role of members",
    "roles.manage": "Define custom roles",
    "tokens.manage": "Issue and revoke API tokens",
    "webhooks.manage": "Configure webhook endpoints and read their delivery log",
    "audit.view": "Read the audit trail",
    "logs.view": "Read the business's system logs",
    # shared records
    "customers.view": "See customers",
    "customers.manage": "Create, edit, verify and deactivate customers",
    "notifications.view": "Read own notifications",
    "dashboard.view": "See the business dashboard",
    "portal.use": "Use the customer portal",
}

BUILTIN_ROLES: dict[str, dict] = {
    "super_admin": {"name": "Super Admin", "scope": "platform", "permissions": ["platform.*", "*.view", "*.view_*", "audit.view", "logs.view"]},
    "admin": {"name": "Admin", "scope": "tenant", "permissions": ["*"]},
    "manager": {
        "name": "Manager",
        "scope": "tenant",
        "permissions": ["tenant.view", "members.view", "customers.*", "audit.view", "logs.view", "notifications.view", "dashboard.view", "webhooks.manage"],
    },
    "agent": {"name": "Agent", "scope": "tenant", "permissions": ["customers.view", "customers.manage", "notifications.view", "dashboard.view"]},
    "staff": {"name": "Staff", "scope": "tenant", "permissions": ["customers.view", "notifications.view", "dashboard.view"]},
    "sales": {"name": "Sales", "scope": "tenant", "permissions": ["customers.view", "customers.manage", "notifications.view", "dashboard.view"]},
    "customer": {"name": "Customer", "scope": "tenant", "permissions": ["portal.use", "notifications.view"]},
}


def register_permissions(codes: dict[str, str]) -> None:
    CATALOGUE.update(codes)


def extend_builtin_role(role_key: str, patterns: list[str]) -> None:
    perms = BUILTIN_ROLES[role_key]["permissions"]
    for pattern in patterns:
        if pattern not in perms:
            perms.append(pattern)


def pattern_grants(patterns: list[str], code: str, *, platform: bool) -> bool:
    if code.startswith("platform.") and not platform:
        return False
    return any(fnmatchcase(code, p) for p in patterns or [])


def expand(patterns: list[str], *, platform: bool = False) -> list[str]:
    """The catalogue codes a list of patterns grants (for screens that list them)."""
    return sorted(code for code in CATALOGUE if pattern_grants(patterns, code, platform=platform))


def unknown_patterns(patterns: list[str]) -> list[str]:
    """Patterns that match no catalogue code: a custom role must not hold typos."""
    return [p for p in patterns if not any(fnmatchcase(code, p) for code in CATALOGUE)]

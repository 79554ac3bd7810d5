"""Template context for the shell: current tenant, the user's tenants and role-aware navigation."""
from __future__ import annotations


def shell(request):
    from holdfast.web.navigation import navigation_for

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    tenant = getattr(request, "tenant", None)
    return {"current_tenant": tenant or None, **navigation_for(request)}

"""Back-office (Django admin) scoping: a staff user who is not a superuser sees and edits only the
rows of tenants where they are an active Admin. Superusers see everything."""
from __future__ import annotations

ADMIN_ROLE = "admin"

def admin_tenant_ids(user) -> set[int]:
    from holdfast.core.accounts.models import Membership

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cache = getattr(user, "_hf_admin_tenant_ids", None)
    if cache is None:
        cache = user._hf_admin_tenant_ids = set(
            Membership.objects.filter(user=user, is_active=True, role__key=ADMIN_ROLE, tenant__isnull=False).values_list("tenant_id", flat=True)
        )
    return cache

def scoped_choices(model, tenant_ids):
    """The rows of `model` a tenant-scoped admin may pick in a foreign-key field, or None if unscoped."""
    from holdfast.core.accounts.models import User
    from holdfast.core.tenancy.models import Tenant

    if model is Tenant:
        return Tenant.objects.filter(pk__in=tenant_ids)
    if model is User:
        return User.objects.filter(memberships__tenant__in=tenant_ids).distinct()
    if any(f.name == "tenant" for f in model._meta.fields):
        return model._default_manager.filter(tenant_id__in=tenant_ids)
    return None


class TenantScopedAdminMixin:
    """Restricts querysets and tenant choices to the user's Admin tenants.

    `tenant_field` is the lookup from the model to its tenant id ("tenant" for TenantOwned rows,
    "pk" for Tenant itself, "memberships__tenant" for users).
    """

    tenant_field = "tenant"

    def _unrestricted(self, request) -> bool:
        return request.user.is_superuser

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._unrestricted(request):
            return qs
        lookup = "pk__in" if self.tenant_field == "pk" else f"{self.tenant_field}__in"
        return qs.filter(**{lookup: admin_tenant_ids(request.user)}).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not self._unrestricted(request):
            scoped = scoped_choices(db_field.related_model, admin_tenant_ids(request.user))
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _in_scope(self, request, obj) -> bool:
        if obj is None or self._unrestricted(request):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        if self._unrestricted(request):
            return super().has_module_permission(request)
        return bool(request.user.is_staff and admin_tenant_ids(request.user)) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

class ReadOnlyAdminMixin:
    """For append-only records: viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]



class TenantScopedInlineMixin:
    """Inlines shown inside a scoped admin page: only rows (and choices) of the user's Admin tenants."""

    tenant_field = "tenant"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.tenant_field}__in": admin_tenant_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scoped = scoped_choices(db_field.related_model, admin_tenant_ids(request.user))
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

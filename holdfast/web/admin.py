"""Back-office registrations for the core models.

They live here rather than in holdfast/core/*/admin.py because core must never import the web
shell (import-linter contract) and every registration uses the tenant-scoping mixin from
holdfast.web.admin_scoping. Records that services own (tenants, roles, memberships, tokens, customers, webhook
endpoints, notifications) are read-only here: a save in the admin would skip the service's checks,
audit entry and event. Audit entries and system logs are read-only too.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from holdfast.core.accounts.models import ApiToken, LoginAttempt, Membership, Role, User
from holdfast.core.audit.models import AuditEntry, SystemLog
from holdfast.core.customers.models import Customer
from holdfast.core.events.models import IdempotencyKey, Notification, OutboxEvent, WebhookDelivery, WebhookEndpoint
from holdfast.core.tenancy.models import Tenant

from .admin_scoping import ReadOnlyAdminMixin, TenantScopedAdminMixin, TenantScopedInlineMixin

def back_office_login(request, extra_context=None):
    """The back office has no login form of its own: everyone logs in through holdfast's, which
    throttles failed attempts and records them."""
    if request.user.is_authenticated:
        raise DjangoPermissionDenied("The back office is only for holdfast staff accounts.")
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")


admin.site.login = back_office_login
admin.site.site_header = "holdfast back office"
admin.site.site_title = "holdfast back office"
admin.site.index_title = "Records"


class MembershipInline(ReadOnlyAdminMixin, TenantScopedInlineMixin, admin.TabularInline):
    # Memberships change through the Team screen's services (audit, events, checks).
    model = Membership
    extra = 0
    fields = ("tenant", "role", "is_active", "created_at")


@admin.register(Tenant)
class TenantAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    tenant_field = "pk"
    list_display = ("name", "slug", "currency", "time_zone", "is_active", "created_at")
    list_filter = ("is_active", "currency")
    search_fields = ("name", "slug")
    readonly_fields = ("version", "created_at", "updated_at")



@admin.register(User)
class UserAdmin(TenantScopedAdminMixin, DjangoUserAdmin):
    tenant_field = "memberships__tenant"
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "phone")}),
        ("Back office", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        # Only superusers may hand out back-office powers.
        base = list(super().get_readonly_fields(request, obj))
        return base if request.user.is_superuser else base + ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(Role)
class RoleAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "key", "tenant", "scope", "is_builtin")
    list_filter = ("scope", "is_builtin")
    search_fields = ("name", "key", "tenant__name")
    readonly_fields = ("version", "created_at")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "tenant", "role", "is_active", "created_at")
    list_filter = ("is_active", "role__key")
    search_fields = ("user__email", "tenant__name")
    list_select_related = ("user", "tenant", "role")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "prefix", "tenant", "user", "created_at", "last_used_at", "expires_at", "revoked_at")
    search_fields = ("name", "prefix", "user__email")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False  # tokens are issued on the API tokens screen, which shows the secret once


@admin.register(LoginAttempt)
class LoginAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("email", "ip_address", "succeeded", "at")
    list_filter = ("succeeded",)
    search_fields = ("email", "ip_address")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "email", "phone", "tenant", "is_verified", "is_active", "created_at")
    list_filter = ("is_active", "is_verified")
    search_fields = ("name", "email", "phone")
    readonly_fields = ("version", "created_at", "updated_at")
    raw_id_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "tenant", "actor_label", "action", "entity_type", "entity_id")
    list_filter = ("entity_type",)
    search_fields = ("action", "actor_label", "entity_id", "correlation_id")
    date_hierarchy = "occurred_at"


@admin.register(SystemLog)
class SystemLogAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "severity", "log_type", "tenant", "message")
    list_filter = ("severity", "log_type")
    search_fields = ("message",)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "event_type", "tenant", "occurred_at", "processed_at", "attempts")
    list_filter = ("event_type",)
    search_fields = ("event_type",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("url", "tenant", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "endpoint", "event", "state", "attempts", "last_status_code", "next_attempt_at", "delivered_at")
    list_filter = ("state",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "recipient", "tenant", "event_type", "created_at", "read_at")
    list_filter = ("event_type",)
    search_fields = ("title", "recipient__email")
    raw_id_fields = ("recipient",)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdminMixin, TenantScopedAdminMixin, admin.ModelAdmin):
    list_display = ("key", "tenant", "method", "path", "response_status", "created_at", "expires_at")
    search_fields = ("key", "path")

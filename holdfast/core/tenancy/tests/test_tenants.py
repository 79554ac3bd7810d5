"""Tenant settings validation, soft delete and optimistic concurrency on the business settings."""
from __future__ import annotations

import pytest
from django.test import Client

from holdfast.core.accounts import selectors as account_selectors
from holdfast.core.accounts import services as account_services
from holdfast.core.accounts.api_auth import SESSION_TENANT_KEY
from holdfast.core.audit.models import AuditEntry
from holdfast.core.tenancy.models import Tenant
from holdfast.core.tenancy.selectors import get_tenant_by_slug
from holdfast.kit.errors import NotFound, ValidationFailed


def refused_fields(**kwargs) -> set[str]:
    with pytest.raises(ValidationFailed) as info:
        account_services.provision_tenant(**kwargs)
    return set(info.value.fields)


@pytest.mark.django_db
class TestProvisionValidation:
    def test_valid_tenant_gets_builtin_roles_defaults_and_an_admin(self, django_user_model):
        owner = django_user_model.objects.create_user(email="first@biz.test", password="x-long-password-1")
        tenant = account_services.provision_tenant(name="Pallet Co", currency="EUR", time_zone="Europe/Vienna", enabled_verticals=["storage", "storage"], owner=owner)
        assert tenant.slug == "pallet-co" and tenant.enabled_verticals == ["storage"]
        assert tenant.setting("hold_ttl_minutes") == 30
        assert account_selectors.role_key_in(owner, tenant) == "admin"
        assert {r.key for r in account_selectors.roles(tenant)} >= {"admin", "manager", "agent", "staff", "sales", "customer"}
        assert AuditEntry.objects.filter(tenant=tenant, action="tenancy.tenant.created").count() == 1

    def test_unknown_time_zone_is_refused(self):
        assert refused_fields(name="X", time_zone="Mars/Olympus") == {"time_zone"}

    @pytest.mark.parametrize("currency", ["usd", "EURO", "U$D", "", "ÄÖÜ"])
    def test_non_iso_currency_is_refused(self, currency):
        assert refused_fields(name="X", currency=currency) == {"currency"}

    def test_unknown_vertical_is_refused(self):
        assert refused_fields(name="X", enabled_verticals=["estate", "casino"]) == {"enabled_verticals"}

    def test_bad_country_and_blank_name_are_reported_together(self):
        assert refused_fields(name="  ", slug="ok", country="Germany") == {"name", "country"}

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"hold_ttl_minutes": "30"}, "settings.hold_ttl_minutes"),
            ({"hold_ttl_minutes": 0}, "settings.hold_ttl_minutes"),
            ({"payment_terms_days": True}, "settings.payment_terms_days"),
            ({"staff_may_approve": "yes"}, "settings.staff_may_approve"),
            ({"brand_color": "blue"}, "settings.brand_color"),
            ({"free_lunch": 1}, "settings.free_lunch"),
        ],
    )
    def test_typed_settings_are_checked(self, overrides, field):
        assert refused_fields(name="X", settings_overrides=overrides) == {field}

    def test_duplicate_slug_is_a_conflict(self, tenant):
        from holdfast.kit.errors import Conflict

        with pytest.raises(Conflict) as info:
            account_services.provision_tenant(name="Another", slug=tenant.slug)
        assert info.value.code == "tenant_slug_taken"


@pytest.mark.django_db
class TestTenantSettingsApi:
    def test_admin_changes_settings_and_version_moves(self, owner_api, tenant):
        before = owner_api.get("/api/v1/tenant").json()
        response = owner_api.patch("/api/v1/tenant", {"version": before["version"], "time_zone": "America/New_York", "settings": {"hold_ttl_minutes": 45}})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["version"] == before["version"] + 1
        assert body["time_zone"] == "America/New_York"
        # settings merge key by key: untouched keys survive
        assert body["settings"]["hold_ttl_minutes"] == 45 and body["settings"]["payment_terms_days"] == before["settings"]["payment_terms_days"]
        entry = AuditEntry.objects.get(tenant=tenant, action="tenancy.tenant.updated")
        assert entry.diff["time_zone"] == ["Europe/Berlin", "America/New_York"]

    def test_stale_version_is_refused_with_the_current_version(self, owner_api, tenant):
        version = owner_api.get("/api/v1/tenant").json()["version"]
        assert owner_api.patch("/api/v1/tenant", {"version": version, "name": "First"}).status_code == 200
        stale = owner_api.patch("/api/v1/tenant", {"version": version, "name": "Second"})
        assert stale.status_code == 409
        body = stale.json()
        assert body["code"] == "stale_version" and body["current_version"] == version + 1
        assert {"type", "title", "status", "detail", "code"} <= set(body)
        tenant.refresh_from_db()
        assert tenant.name == "First"

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"time_zone": "Europe/Atlantis"}, "time_zone"),
            ({"currency": "dollars"}, "currency"),
            ({"currency": None}, "currency"),
            ({"enabled_verticals": ["hotel", "spaceport"]}, "enabled_verticals"),
            ({"settings": {"hold_max_extensions": -1}}, "settings.hold_max_extensions"),
            ({"settings": {"nope": 1}}, "settings.nope"),
            ({"name": "x" * 201}, "name"),
        ],
    )
    def test_invalid_settings_answer_422_with_field_errors(self, owner_api, tenant, change, field):
        version = tenant.version
        response = owner_api.patch("/api/v1/tenant", {"version": version, **change})
        assert response.status_code == 422, response.content
        assert field in response.json()["errors"]
        tenant.refresh_from_db()
        assert tenant.version == version

    def test_wrongly_typed_settings_body_is_422_not_500(self, owner_api):
        response = owner_api.patch("/api/v1/tenant", {"version": "one", "settings": [1, 2]})
        assert response.status_code == 422
        assert set(response.json()["errors"]) >= {"version", "settings"}

    def test_staff_cannot_change_settings(self, staff_api):
        assert staff_api.patch("/api/v1/tenant", {"version": 1, "name": "Mine now"}).status_code == 403

    def test_unchanged_patch_writes_no_new_version(self, owner_api, tenant):
        response = owner_api.patch("/api/v1/tenant", {"version": tenant.version, "name": tenant.name})
        assert response.status_code == 200 and response.json()["version"] == tenant.version
        assert not AuditEntry.objects.filter(tenant=tenant, action="tenancy.tenant.updated").exists()


@pytest.mark.django_db
class TestSoftDelete:
    def test_token_of_a_deleted_tenant_is_refused(self, owner_api, owner, tenant):
        assert owner_api.get("/api/v1/customers").status_code == 200
        account_services.delete_tenant(tenant=tenant, actor=None)
        response = owner_api.get("/api/v1/customers")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_session_with_x_tenant_of_a_deleted_tenant_is_refused(self, owner, tenant):
        client = Client()
        client.force_login(owner)
        assert client.get("/api/v1/customers", HTTP_X_TENANT=tenant.slug).status_code == 200
        account_services.delete_tenant(tenant=tenant, actor=None)
        assert client.get("/api/v1/customers", HTTP_X_TENANT=tenant.slug).status_code in (401, 404)

    def test_deleted_tenant_disappears_from_lists_and_cannot_be_entered(self, owner, tenant, other_tenant):
        account_services.delete_tenant(tenant=tenant, actor=None)
        assert tenant not in account_selectors.tenants_for(owner)
        with pytest.raises(NotFound):
            get_tenant_by_slug(tenant.slug)
        client = Client()
        client.force_login(owner)
        client.post("/switch-tenant/", {"tenant": tenant.slug})
        assert client.session.get(SESSION_TENANT_KEY) != tenant.pk
        assert Tenant.objects.filter(pk=tenant.pk).exists()  # soft: the rows stay

    def test_platform_admin_deletes_through_the_api_and_outsider_cannot(self, super_admin, outsider_api, tenant, api_as, other_tenant):
        from holdfast.core.accounts.models import Membership, Role

        # the super admin needs a tenant to hold a token in; give them a membership in other_tenant
        Membership.objects.create(user=super_admin, tenant=other_tenant, role=Role.objects.get(tenant=other_tenant, key="admin"))
        admin_api = api_as(super_admin, other_tenant)
        assert outsider_api.delete(f"/api/v1/platform/tenants/{tenant.pk}").status_code == 403
        response = admin_api.delete(f"/api/v1/platform/tenants/{tenant.pk}")
        assert response.status_code == 200, response.content
        assert response.json()["is_active"] is False
        assert admin_api.delete(f"/api/v1/platform/tenants/{tenant.pk}").status_code == 404
        assert tenant.slug not in [t["slug"] for t in admin_api.get("/api/v1/platform/tenants").json()]
        assert AuditEntry.objects.filter(tenant=tenant, action="tenancy.tenant.deleted", actor=super_admin).count() == 1


@pytest.mark.django_db
def test_a_typo_in_a_settings_patch_is_refused(owner_api, tenant):
    response = owner_api.patch("/api/v1/tenant", {"version": tenant.version, "time_zona": "UTC"})
    assert response.status_code == 422 and "time_zona" in response.json()["errors"]

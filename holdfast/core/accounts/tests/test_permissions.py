"""Who may do what: built-in roles, wildcard patterns, custom roles, and the explicit platform super admin."""
from __future__ import annotations

import pytest
from django.test import Client

from holdfast.core.accounts import selectors, services
from holdfast.core.accounts.models import Membership, Role
from holdfast.core.accounts.permissions import BUILTIN_ROLES, CATALOGUE, expand, pattern_grants, unknown_patterns
from holdfast.kit.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import UserFactory, member


class TestPatterns:
    def test_exact_code_and_shell_wildcards_grant(self):
        assert pattern_grants(["customers.view"], "customers.view", platform=False)
        assert pattern_grants(["customers.*"], "customers.manage", platform=False)
        assert pattern_grants(["*.view"], "estate.booking.view", platform=False)
        assert not pattern_grants(["customers.view"], "customers.manage", platform=False)
        assert not pattern_grants([], "customers.view", platform=False)

    def test_tenant_roles_never_grant_platform_codes_even_with_star(self):
        assert not pattern_grants(["*"], "platform.view_all", platform=False)
        assert not pattern_grants(["platform.*"], "platform.manage_tenants", platform=False)
        assert pattern_grants(["platform.*"], "platform.manage_tenants", platform=True)

    def test_admin_template_expands_to_every_tenant_code_and_no_platform_code(self):
        codes = expand(BUILTIN_ROLES["admin"]["permissions"])
        assert set(codes) == {c for c in CATALOGUE if not c.startswith("platform.")}

    def test_unknown_patterns_are_found(self):
        assert unknown_patterns(["customers.view", "customers.*", "custmers.view", "bogus.*"]) == ["custmers.view", "bogus.*"]


@pytest.mark.django_db
class TestBuiltinRoles:
    def test_admin_manages_staff_only_views(self, owner, staff_member, tenant):
        assert selectors.has_perm(owner, tenant, "customers.manage")
        assert selectors.has_perm(owner, tenant, "roles.manage")
        assert selectors.has_perm(staff_member, tenant, "customers.view")
        assert not selectors.has_perm(staff_member, tenant, "customers.manage")
        assert not selectors.has_perm(staff_member, tenant, "members.manage")

    def test_customer_role_only_uses_the_portal(self, tenant):
        client_user = member(tenant, "customer")
        assert selectors.has_perm(client_user, tenant, "portal.use")
        assert not selectors.has_perm(client_user, tenant, "customers.view")

    def test_membership_of_one_tenant_grants_nothing_in_another(self, owner, other_tenant):
        assert not selectors.has_perm(owner, other_tenant, "customers.view")
        assert not selectors.can_enter_tenant(owner, other_tenant)

    def test_inactive_membership_and_inactive_user_grant_nothing(self, tenant):
        user = member(tenant, "manager")
        Membership.objects.filter(user=user).update(is_active=False)
        user = type(user).objects.get(pk=user.pk)
        assert not selectors.has_perm(user, tenant, "customers.view")
        other = member(tenant, "manager")
        other.is_active = False
        other.save()
        assert not selectors.has_perm(other, tenant, "customers.view")

    def test_require_perm_raises_with_the_missing_code(self, staff_member, tenant):
        with pytest.raises(PermissionDenied) as info:
            selectors.require_perm(staff_member, tenant, "customers.manage")
        assert info.value.extra["permission"] == "customers.manage"

    def test_staff_gets_403_problem_from_the_api_for_a_write(self, staff_api):
        assert staff_api.get("/api/v1/customers").status_code == 200
        response = staff_api.post("/api/v1/customers", {"name": "Nope"})
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied" and response.json()["permission"] == "customers.manage"


@pytest.mark.django_db
class TestPlatformSuperAdmin:
    def test_django_superuser_flag_alone_grants_nothing(self, tenant, customer):
        root = UserFactory(email="django-root@example.com", is_superuser=True, is_staff=True)
        assert not selectors.is_platform_admin(root)
        for code in ("customers.view", "tenant.manage", "platform.view_all", "platform.manage_tenants"):
            assert not selectors.has_perm(root, tenant, code)
            assert not selectors.has_perm(root, None, code)
        client = Client()
        client.force_login(root)
        assert client.get("/api/v1/customers", HTTP_X_TENANT=tenant.slug).status_code == 401
        assert client.get("/api/v1/platform/tenants").status_code == 403
        assert customer.name not in client.get("/api/v1/customers").content.decode()

    def test_platform_membership_makes_the_super_admin_explicitly(self, super_admin, tenant, customer):
        assert selectors.is_platform_admin(super_admin)
        assert selectors.has_perm(super_admin, None, "platform.manage_tenants")
        assert selectors.has_perm(super_admin, tenant, "customers.view")
        assert not selectors.has_perm(super_admin, tenant, "customers.manage")  # reads everywhere, writes nowhere by default
        client = Client()
        client.force_login(super_admin)
        listed = client.get("/api/v1/customers", HTTP_X_TENANT=tenant.slug)
        assert listed.status_code == 200 and listed.json()["results"][0]["name"] == customer.name
        assert tenant.slug in [t["slug"] for t in client.get("/api/v1/platform/tenants").json()]

    def test_tenant_admin_is_not_a_platform_admin(self, owner_api):
        assert owner_api.get("/api/v1/platform/tenants").status_code == 403
        assert owner_api.post("/api/v1/platform/tenants", {"name": "Mine"}).status_code == 403

    def test_a_custom_role_cannot_smuggle_platform_codes(self, tenant, owner):
        with pytest.raises(ValidationFailed) as info:
            services.create_role(tenant=tenant, actor=owner, name="Sneaky", permissions=["platform.view_all"])
        assert "permissions" in info.value.fields


@pytest.mark.django_db
class TestCustomRoles:
    def test_custom_role_grants_exactly_its_codes(self, tenant, owner):
        role = services.create_role(tenant=tenant, actor=owner, name="Auditor", permissions=["customers.view", "audit.*"])
        auditor = UserFactory()
        Membership.objects.create(user=auditor, tenant=tenant, role=role)
        assert selectors.has_perm(auditor, tenant, "audit.view")
        assert selectors.has_perm(auditor, tenant, "customers.view")
        assert not selectors.has_perm(auditor, tenant, "customers.manage")

    def test_api_refuses_unknown_permission_codes(self, owner_api):
        response = owner_api.post("/api/v1/roles", {"name": "Typo", "permissions": ["customers.veiw", "customers.view"]})
        assert response.status_code == 422
        assert "customers.veiw" in response.json()["errors"]["permissions"][0]

    def test_api_creates_and_updates_a_custom_role_with_versions(self, owner_api, tenant):
        created = owner_api.post("/api/v1/roles", {"name": "Front desk", "permissions": ["customers.view"]})
        assert created.status_code == 201, created.content
        role = created.json()
        assert role["key"] == "front-desk" and role["is_builtin"] is False
        updated = owner_api.patch(f"/api/v1/roles/{role['id']}", {"version": role["version"], "permissions": ["customers.*"]})
        assert updated.status_code == 200 and updated.json()["permissions"] == ["customers.*"]
        stale = owner_api.patch(f"/api/v1/roles/{role['id']}", {"version": role["version"], "name": "Late"})
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"

    def test_builtin_roles_are_read_only_and_keys_unique(self, owner_api, tenant, owner):
        admin_role = Role.objects.get(tenant=tenant, key="admin")
        response = owner_api.patch(f"/api/v1/roles/{admin_role.pk}", {"version": admin_role.version, "permissions": ["customers.view"]})
        assert response.status_code == 409 and response.json()["code"] == "builtin_role_readonly"
        with pytest.raises(Conflict):
            services.create_role(tenant=tenant, actor=owner, name="Admin", permissions=["customers.view"])

    @pytest.mark.parametrize("key", ["Has Spaces", "x" * 61, "-leading"])
    def test_bad_role_keys_are_refused(self, tenant, owner, key):
        with pytest.raises(ValidationFailed) as info:
            services.create_role(tenant=tenant, actor=owner, name="Fine", key=key, permissions=["customers.view"])
        assert "key" in info.value.fields

    def test_manager_cannot_define_roles(self, tenant, api_as):
        manager = member(tenant, "manager")
        assert api_as(manager, tenant).post("/api/v1/roles", {"name": "Boss", "permissions": ["*"]}).status_code == 403


@pytest.mark.django_db
def test_super_admin_session_without_x_tenant_reads_no_tenant_until_one_is_chosen(super_admin, tenant, customer):
    client = Client()
    client.force_login(super_admin)
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json().get("tenant") in (None, {}), me.content  # no business chosen for them
    listed = client.get("/api/v1/customers")
    assert customer.name not in listed.content.decode()  # not the first active tenant's data
    assert client.get(f"/api/v1/customers/{customer.pk}").status_code == 404
    chosen = client.get("/api/v1/customers", HTTP_X_TENANT=tenant.slug)
    assert chosen.status_code == 200 and customer.name in chosen.content.decode()


@pytest.mark.django_db
def test_a_member_without_x_tenant_still_works_in_their_own_business(owner, tenant, customer):
    client = Client()
    client.force_login(owner)
    assert customer.name in client.get("/api/v1/customers").content.decode()

"""API tokens (hashed, revocable, expiring, bound to one tenant) and member management (last Admin stays)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.accounts import services
from holdfast.core.accounts.models import ApiToken, Membership, Role, hash_token
from holdfast.core.customers.models import Customer
from tests.factories import CustomerFactory, member


@pytest.mark.django_db
class TestApiTokens:
    def test_only_the_hash_is_stored_and_the_secret_is_shown_once(self, owner_api, tenant):
        issued = owner_api.post("/api/v1/tokens", {"name": "zapier", "expires_in_days": 30})
        assert issued.status_code == 201, issued.content
        raw = issued.json()["token"]
        token = ApiToken.objects.get(pk=issued.json()["id"])
        assert token.token_hash == hash_token(raw) and raw not in (token.token_hash, token.prefix, token.name)
        listed = owner_api.get("/api/v1/tokens").json()
        assert all("token" not in row for row in listed)
        assert raw not in owner_api.get("/api/v1/tokens").content.decode()

    def test_a_new_token_works_and_a_revoked_one_is_401(self, owner_api, api_as, owner, tenant):
        issued = owner_api.post("/api/v1/tokens", {"name": "ci"}).json()
        client = api_as(owner, tenant)
        client.raw_token = issued["token"]
        assert client.get("/api/v1/me").status_code == 200
        assert owner_api.post(f"/api/v1/tokens/{issued['id']}/revoke").status_code == 200
        response = client.get("/api/v1/me")
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"

    def test_an_expired_token_is_401(self, owner_api):
        ApiToken.objects.filter(tenant=owner_api.tenant).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert owner_api.get("/api/v1/me").status_code == 401

    @pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer hf_deadbeef_x", "Bearer hf__", "Basic abc", "Bearer "])
    def test_malformed_or_unknown_tokens_are_401(self, client, header):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=header).status_code == 401

    def test_token_of_a_removed_member_stops_working(self, tenant, owner, api_as):
        manager = member(tenant, "manager")
        manager_api = api_as(manager, tenant)
        assert manager_api.get("/api/v1/customers").status_code == 200
        services.deactivate_member(tenant=tenant, actor=owner, membership_id=Membership.objects.get(user=manager).pk)
        assert manager_api.get("/api/v1/customers").status_code == 401

    def test_token_is_bound_to_its_tenant_whatever_x_tenant_says(self, tenant, other_tenant, api_as):
        both = member(tenant, "admin")
        Membership.objects.create(user=both, tenant=other_tenant, role=Role.objects.get(tenant=other_tenant, key="admin"))
        CustomerFactory(tenant=tenant, name="Home Customer")
        CustomerFactory(tenant=other_tenant, name="Away Customer")
        home_api = api_as(both, tenant)
        listed = home_api.get("/api/v1/customers", headers={"X-Tenant": other_tenant.slug}).json()
        assert [row["name"] for row in listed["results"]] == ["Home Customer"]
        created = home_api.post("/api/v1/customers", {"name": "Written Here"}, headers={"X-Tenant": other_tenant.slug})
        assert created.status_code == 201
        assert Customer.objects.get(pk=created.json()["id"]).tenant_id == tenant.pk
        assert home_api.get("/api/v1/me", headers={"X-Tenant": other_tenant.slug}).json()["tenant"]["slug"] == tenant.slug

    def test_token_must_act_as_a_member(self, tenant, outsider):
        from holdfast.kit.errors import ValidationFailed

        with pytest.raises(ValidationFailed):
            services.issue_api_token(tenant=tenant, actor=outsider, name="sneaky")


@pytest.mark.django_db
class TestMembers:
    def _membership(self, user):
        return Membership.objects.get(user=user)

    def test_last_admin_cannot_be_demoted_or_deactivated(self, owner_api, owner):
        mid = self._membership(owner).pk
        demoted = owner_api.patch(f"/api/v1/members/{mid}", {"role": "staff"})
        assert demoted.status_code == 409 and demoted.json()["code"] == "last_admin"
        deactivated = owner_api.post(f"/api/v1/members/{mid}/deactivate")
        assert deactivated.status_code == 409 and deactivated.json()["code"] == "last_admin"
        assert self._membership(owner).role.key == "admin" and self._membership(owner).is_active

    def test_with_a_second_admin_one_may_step_down(self, owner_api, owner, tenant):
        member(tenant, "admin")
        response = owner_api.patch(f"/api/v1/members/{self._membership(owner).pk}", {"role": "manager"})
        assert response.status_code == 200 and response.json()["role"] == "manager"

    def test_an_admin_whose_account_is_disabled_does_not_count(self, tenant, owner):
        from holdfast.kit.errors import Conflict

        ghost = member(tenant, "admin")
        ghost.is_active = False
        ghost.save()
        with pytest.raises(Conflict):
            services.change_member_role(tenant=tenant, actor=owner, membership_id=self._membership(owner).pk, role_key="staff")

    def test_adding_a_member_creates_the_person_who_can_then_reset_a_password(self, owner_api, tenant):
        response = owner_api.post("/api/v1/members", {"email": "new.hire@harbour.test", "role": "agent", "full_name": "New Hire"})
        assert response.status_code == 201, response.content
        assert response.json()["role"] == "agent"
        user = Membership.objects.get(pk=response.json()["id"]).user
        assert user.has_usable_password()  # so "forgot password" can mail them a link
        again = owner_api.post("/api/v1/members", {"email": "new.hire@harbour.test", "role": "agent"})
        assert again.status_code == 409 and again.json()["code"] == "already_member"

    def test_unknown_role_and_bad_email_are_422(self, owner_api):
        assert owner_api.post("/api/v1/members", {"email": "x@harbour.test", "role": "overlord"}).status_code == 422
        assert owner_api.post("/api/v1/members", {"email": "not-an-email", "role": "staff"}).status_code == 422

    def test_member_can_be_given_a_custom_role(self, owner_api, tenant, staff_member):
        role = owner_api.post("/api/v1/roles", {"name": "Night shift", "permissions": ["customers.view"]}).json()
        response = owner_api.patch(f"/api/v1/members/{self._membership(staff_member).pk}", {"role": role["key"]})
        assert response.status_code == 200 and response.json()["role"] == "night-shift"

    def test_staff_cannot_manage_members(self, staff_api, owner):
        assert staff_api.post(f"/api/v1/members/{Membership.objects.get(user=owner).pk}/deactivate").status_code == 403


@pytest.mark.django_db
class TestNoLadderToAdmin:
    @pytest.fixture
    def hr(self, tenant, owner):
        # everything Staff has (verticals extend Staff) plus member management, but not Admin's "*"
        staff_permissions = Role.objects.get(tenant=tenant, key="staff").permissions
        role = services.create_role(tenant=tenant, actor=owner, name="HR", permissions=["members.*", *staff_permissions])
        user = member(tenant, "staff")
        Membership.objects.filter(user=user).update(role=role)
        return type(user).objects.get(pk=user.pk)

    def test_a_member_manager_cannot_promote_anyone_to_admin(self, tenant, hr, api_as, staff_member):
        hr_api = api_as(hr, tenant)
        own = Membership.objects.get(user=hr)
        response = hr_api.patch(f"/api/v1/members/{own.pk}", {"role": "admin"})
        assert response.status_code == 403 and response.json()["code"] == "cannot_grant_more"
        assert hr_api.post("/api/v1/members", {"email": "friend@harbour.test", "role": "admin"}).status_code == 403
        assert Membership.objects.get(user=hr).role.key == "hr"

    def test_a_member_manager_may_hand_out_roles_within_their_own_reach(self, tenant, hr, api_as):
        response = api_as(hr, tenant).post("/api/v1/members", {"email": "new.staff@harbour.test", "role": "staff"})
        assert response.status_code == 201, response.content

    def test_a_member_manager_cannot_demote_or_deactivate_an_admin(self, tenant, hr, api_as, owner):
        member(tenant, "admin")  # so "last admin" is not what refuses
        hr_api = api_as(hr, tenant)
        mid = Membership.objects.get(user=owner).pk
        assert hr_api.patch(f"/api/v1/members/{mid}", {"role": "staff"}).json()["code"] == "cannot_grant_more"
        assert hr_api.post(f"/api/v1/members/{mid}/deactivate").json()["code"] == "cannot_grant_more"

    def test_roles_cannot_be_defined_beyond_the_definers_own_permissions(self, tenant, owner, api_as):
        designer_role = services.create_role(tenant=tenant, actor=owner, name="Designer", permissions=["roles.manage", "customers.view"])
        designer = member(tenant, "staff")
        Membership.objects.filter(user=designer).update(role=designer_role)
        response = api_as(type(designer).objects.get(pk=designer.pk), tenant).post("/api/v1/roles", {"name": "Everything", "permissions": ["*"]})
        assert response.status_code == 403 and response.json()["code"] == "cannot_grant_more"

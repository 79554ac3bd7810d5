"""Team, roles, API tokens and settings screens."""
from __future__ import annotations

import pytest

from holdfast.core.accounts import services
from holdfast.core.accounts.models import ApiToken, Membership, Role
from holdfast.core.accounts.selectors import user_for_token
from tests.factories import RoleFactory, member

pytestmark = pytest.mark.django_db


# ---- team ------------------------------------------------------------------------------------


def test_members_list_shows_this_business_only(web_as, owner, staff_member, outsider):
    body = web_as(owner).get("/accounts/members/").content.decode()
    assert "staff@harbour.test" in body and "admin@rival.test" not in body


def test_staff_cannot_see_the_team(web_as, staff_member):
    assert web_as(staff_member).get("/accounts/members/").status_code == 403


def test_add_member_creates_the_person_with_the_role(web_as, owner, tenant):
    response = web_as(owner).post("/accounts/members/add/", {"email": "new@harbour.test", "full_name": "New Person", "role": "agent", "password": ""})
    assert response.status_code == 302
    membership = Membership.objects.get(tenant=tenant, user__email="new@harbour.test")
    assert membership.role.key == "agent"


def test_add_existing_member_again_is_a_readable_refusal(web_as, owner, staff_member):
    response = web_as(owner).post("/accounts/members/add/", {"email": "staff@harbour.test", "role": "staff"})
    assert response.status_code == 422
    assert "already a member" in response.content.decode()


def test_add_member_with_a_weak_password_shows_it_on_the_field(web_as, owner):
    response = web_as(owner).post("/accounts/members/add/", {"email": "weak@harbour.test", "role": "staff", "password": "123"})
    assert response.status_code == 422
    assert response.context["form"].errors["password"]


def test_staff_cannot_add_members(web_as, staff_member, tenant):
    assert web_as(staff_member).post("/accounts/members/add/", {"email": "x@harbour.test", "role": "admin"}).status_code == 403
    assert not Membership.objects.filter(user__email="x@harbour.test").exists()


def test_change_role_and_deactivate(web_as, owner, staff_member, tenant):
    m = Membership.objects.get(tenant=tenant, user=staff_member)
    c = web_as(owner)
    assert c.post(f"/accounts/members/{m.pk}/role/", {f"m{m.pk}-role": "manager"}).status_code == 302
    m.refresh_from_db()
    assert m.role.key == "manager"
    assert c.post(f"/accounts/members/{m.pk}/deactivate/").status_code == 302
    m.refresh_from_db()
    assert not m.is_active


def test_last_admin_cannot_be_demoted_and_is_told_why(web_as, owner, tenant):
    m = Membership.objects.get(tenant=tenant, user=owner)
    response = web_as(owner).post(f"/accounts/members/{m.pk}/role/", {f"m{m.pk}-role": "staff"}, follow=True)
    assert "at least one Admin" in response.content.decode()
    m.refresh_from_db()
    assert m.role.key == "admin"


def test_foreign_membership_is_not_found(web_as, owner, outsider, other_tenant):
    foreign = Membership.objects.get(tenant=other_tenant, user=outsider)
    c = web_as(owner)
    assert c.post(f"/accounts/members/{foreign.pk}/role/", {f"m{foreign.pk}-role": "staff"}).status_code == 404
    assert c.post(f"/accounts/members/{foreign.pk}/deactivate/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active and foreign.role.key == "admin"


# ---- roles -----------------------------------------------------------------------------------


def test_roles_list_shows_builtin_and_custom(web_as, owner, tenant):
    RoleFactory(tenant=tenant, name="Night porter", key="night-porter")
    body = web_as(owner).get("/accounts/roles/").content.decode()
    assert "Night porter" in body and "Built-in" in body and "Custom" in body


def test_create_custom_role_from_the_catalogue(web_as, owner, tenant):
    response = web_as(owner).post("/accounts/roles/new/", {"name": "Front desk", "permissions": ["customers.view", "customers.manage"]})
    assert response.status_code == 302
    role = Role.objects.get(tenant=tenant, key="front-desk")
    assert sorted(role.permissions) == ["customers.manage", "customers.view"]


def test_platform_permissions_are_not_offered_or_accepted(web_as, owner, tenant):
    c = web_as(owner)
    assert "platform.manage_tenants" not in c.get("/accounts/roles/new/").content.decode()
    response = c.post("/accounts/roles/new/", {"name": "Sneaky", "permissions": ["platform.manage_tenants"]})
    assert response.status_code == 422
    assert not Role.objects.filter(tenant=tenant, name="Sneaky").exists()


def test_edit_custom_role_and_stale_version_is_explained(web_as, owner, tenant):
    role = RoleFactory(tenant=tenant, name="Helper", key="helper", permissions=["customers.view"])
    c = web_as(owner)
    assert c.post(f"/accounts/roles/{role.pk}/edit/", {"name": "Helper+", "permissions": ["customers.view", "audit.view"], "version": role.version}).status_code == 302
    role.refresh_from_db()
    assert role.name == "Helper+" and "audit.view" in role.permissions
    response = c.post(f"/accounts/roles/{role.pk}/edit/", {"name": "Old tab", "permissions": ["customers.view"], "version": 1})
    assert response.status_code == 422
    assert "Someone else changed this role" in response.content.decode()


def test_builtin_roles_cannot_be_edited(web_as, owner, tenant):
    admin_role = Role.objects.get(tenant=tenant, key="admin")
    response = web_as(owner).get(f"/accounts/roles/{admin_role.pk}/edit/", follow=True)
    assert "Built-in roles are defined by holdfast" in response.content.decode()


def test_roles_of_another_business_are_not_found(web_as, owner, other_tenant):
    foreign = RoleFactory(tenant=other_tenant, key="theirs")
    assert web_as(owner).get(f"/accounts/roles/{foreign.pk}/edit/").status_code == 404


def test_manager_sees_roles_but_cannot_create_them(web_as, tenant):
    manager = member(tenant, "manager", email="manager@harbour.test")
    c = web_as(manager)
    assert c.get("/accounts/roles/").status_code == 200
    assert c.post("/accounts/roles/new/", {"name": "X", "permissions": ["customers.view"]}).status_code == 403


# ---- API tokens ------------------------------------------------------------------------------


def test_issue_token_shows_the_secret_once_and_it_works(web_as, owner, tenant):
    c = web_as(owner)
    response = c.post("/accounts/tokens/", {"name": "accounting sync", "expires_in_days": "30"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert user_for_token(raw).tenant == tenant
    assert raw not in c.get("/accounts/tokens/").content.decode()


def test_issue_token_without_name_shows_the_field_error(web_as, owner):
    response = web_as(owner).post("/accounts/tokens/", {"name": ""})
    assert response.status_code == 422 and "name" in response.context["form"].errors


def test_revoked_token_stops_working(web_as, owner, tenant):
    token, raw = services.issue_api_token(tenant=tenant, actor=owner, name="old")
    assert web_as(owner).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert user_for_token(raw) is None


def test_tokens_need_the_permission_and_stay_in_their_business(web_as, staff_member, outsider, owner, tenant):
    token, _ = services.issue_api_token(tenant=tenant, actor=owner, name="mine")
    assert web_as(staff_member).get("/accounts/tokens/").status_code == 403
    assert web_as(outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# ---- settings --------------------------------------------------------------------------------


def settings_data(tenant, **overrides):
    data = {"name": tenant.name, "currency": "EUR", "time_zone": "Europe/Berlin", "country": "de", "region": "", "enabled_verticals": ["estate"],
            "payment_terms_days": "30", "hold_ttl_minutes": "15", "hold_max_extensions": "1", "staff_may_complete_jobs": "on", "brand_name": "Harbour",
            "brand_color": "#112233", "version": tenant.version}
    data.update(overrides)
    return data


def test_settings_save_with_version(web_as, owner, tenant):
    response = web_as(owner).post("/accounts/settings/", settings_data(tenant))
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.currency == "EUR" and tenant.country == "DE" and tenant.setting("payment_terms_days") == 30
    assert tenant.setting("staff_may_approve") is False and tenant.version == 2


def test_settings_stale_version_is_explained(web_as, owner, tenant):
    services.update_tenant(tenant=tenant, actor=owner, version=tenant.version, name="Renamed elsewhere")
    response = web_as(owner).post("/accounts/settings/", settings_data(tenant, name="Mine", version=1))
    assert response.status_code == 422
    assert "Someone else saved these settings" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.name == "Renamed elsewhere"


def test_settings_invalid_time_zone_is_shown_on_the_field(web_as, owner, tenant):
    response = web_as(owner).post("/accounts/settings/", settings_data(tenant, time_zone="Atlantis/Capital"))
    assert response.status_code == 422
    assert "IANA" in response.context["form"].errors["time_zone"][0]


def test_manager_sees_settings_read_only_and_cannot_post(web_as, tenant):
    manager = member(tenant, "manager", email="manager@harbour.test")
    c = web_as(manager)
    response = c.get("/accounts/settings/")
    assert response.status_code == 200 and not response.context["editable"]
    assert c.post("/accounts/settings/", settings_data(tenant, name="Hijack")).status_code == 403
    tenant.refresh_from_db()
    assert tenant.name == "Harbour Homes"


def test_staff_cannot_see_settings(web_as, staff_member):
    assert web_as(staff_member).get("/accounts/settings/").status_code == 403

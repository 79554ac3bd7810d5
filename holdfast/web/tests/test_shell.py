"""The shell: login/logout/reset, tenant switching, portal navigation, dashboards, platform screens, error pages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from holdfast.core.accounts.models import LoginAttempt
from holdfast.core.audit.models import SystemLog
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import notify
from holdfast.core.tenancy.models import Tenant
from tests.factories import PASSWORD, CustomerFactory, SystemLogFactory, member

pytestmark = pytest.mark.django_db


def nav_labels(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"]]


# ---- login / logout / password reset ------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/customers/")


def test_login_with_right_password_lands_on_dashboard(client, owner):
    response = client.post("/login/", {"email": "OWNER@harbour.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert LoginAttempt.objects.filter(email="owner@harbour.test", succeeded=True).exists()
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_says_so_and_records_the_failure(client, owner):
    response = client.post("/login/", {"email": "owner@harbour.test", "password": "nope"})
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert LoginAttempt.objects.filter(email="owner@harbour.test", succeeded=False).count() == 1


def test_login_is_throttled_after_repeated_failures(client, owner, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/login/", {"email": "owner@harbour.test", "password": "nope"})
    response = client.post("/login/", {"email": "owner@harbour.test", "password": PASSWORD})
    assert response.status_code == 400
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_ignores_an_offsite_next_url(client, owner):
    response = client.post("/login/?next=https://evil.example/steal", {"email": "owner@harbour.test", "password": PASSWORD})
    assert response["Location"] == "/"
    response = Client().post("/login/?next=/customers/", {"email": "owner@harbour.test", "password": PASSWORD})
    assert response["Location"] == "/customers/"


def test_logout_needs_post_and_ends_the_session(web_as, owner):
    c = web_as(owner)
    assert c.get("/logout/").status_code == 405
    assert c.post("/logout/").status_code == 302
    assert c.get("/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, owner):
    assert client.post("/password-reset/", {"email": "owner@harbour.test"}).status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a-brand-new-passphrase")


# ---- tenant switching and navigation ------------------------------------------------------


def test_member_of_two_businesses_can_switch_between_them(web_as, owner, tenant, other_tenant):
    from holdfast.core.accounts.services import add_member

    add_member(tenant=other_tenant, actor=None, email=owner.email, role_key="staff")
    c = web_as(owner)
    CustomerFactory(tenant=other_tenant, name="Only In Rival")
    assert c.get("/").context["current_tenant"] == tenant
    response = c.post("/switch-tenant/", {"tenant": "rival"}, follow=True)
    assert response.context["current_tenant"] == other_tenant
    assert response.context["portal"] == "staff"
    assert "Only In Rival" in c.get("/customers/").content.decode()


def test_switching_to_a_business_you_do_not_belong_to_is_refused(web_as, owner, tenant, other_tenant):
    c = web_as(owner)
    response = c.post("/switch-tenant/", {"tenant": "rival"}, follow=True)
    assert "not a member" in response.content.decode()
    assert response.context["current_tenant"] == tenant


def test_admin_navigation_shows_administration(web_as, owner):
    labels = nav_labels(web_as(owner).get("/"))
    assert {"Dashboard", "Customers", "Team", "Roles", "API tokens", "Audit", "Settings"} <= set(labels)
    assert "Platform" not in labels


def test_staff_navigation_hides_administration(web_as, staff_member):
    response = web_as(staff_member).get("/")
    assert response.context["portal"] == "staff"
    labels = nav_labels(response)
    assert "Customers" in labels
    assert not {"Team", "Roles", "API tokens", "Audit", "Settings", "Platform"} & set(labels)


def test_client_navigation_is_the_portal_only(web_as, tenant):
    client_user = member(tenant, "customer", email="client@harbour.test")
    response = web_as(client_user).get("/")
    assert response.context["portal"] == "client"
    assert "Customers" not in nav_labels(response)


# ---- dashboards -----------------------------------------------------------------------------


def test_admin_dashboard_counts_and_charts_this_business_only(web_as, owner, staff_member, tenant, other_tenant):
    CustomerFactory.create_batch(3, tenant=tenant)
    CustomerFactory(tenant=tenant, is_active=False, deactivated_at=timezone.now())
    CustomerFactory.create_batch(5, tenant=other_tenant)
    notify(tenant, owner, event_type="booking:created", title="Unread one")
    response = web_as(owner).get("/")
    stats = response.context["stats"]
    assert stats["active_customers"] == 3
    assert stats["members"] == 2
    assert stats["unread"] == 1
    assert stats["chart"]["total"] == 4  # created in the last 14 days, deactivated ones too
    assert len(stats["chart"]["bars"]) == 14
    body = response.content.decode()
    assert "<svg" in body and 'hx-trigger="hf:stats-changed from:body' in body


def test_chart_buckets_by_the_business_time_zone(tenant):
    from holdfast.web.dashboards import customers_per_day

    tenant.time_zone = "Pacific/Auckland"
    tenant.save()
    from holdfast.kit import clock

    today = clock.local_today(tenant.time_zone)
    # 00:30 local today is still "yesterday" in UTC: it must count for today here.
    local_start = clock.local_midnight(today, tenant.time_zone) + dt.timedelta(minutes=30)
    c = CustomerFactory(tenant=tenant)
    Customer.objects.filter(pk=c.pk).update(created_at=local_start)
    series = customers_per_day(tenant)
    assert series[-1] == (today, 1)
    assert sum(n for _, n in series) == 1


def test_stats_partial_refetches_the_figures(web_as, owner, tenant):
    c = web_as(owner)
    assert c.get("/dashboard/stats/").context["stats"]["active_customers"] == 0
    CustomerFactory(tenant=tenant)
    response = c.get("/dashboard/stats/", HTTP_HX_REQUEST="true")
    assert response.context["stats"]["active_customers"] == 1
    assert b"<html" not in response.content


def test_stats_partial_needs_the_dashboard_permission(web_as, tenant):
    client_user = member(tenant, "customer", email="client@harbour.test")
    assert web_as(client_user).get("/dashboard/stats/").status_code == 403


def test_staff_dashboard_lists_their_notifications_only(web_as, staff_member, owner, tenant):
    notify(tenant, staff_member, event_type="booking:created", title="You were assigned a viewing")
    notify(tenant, owner, event_type="booking:created", title="Owner only note")
    body = web_as(staff_member).get("/").content.decode()
    assert "Your work" in body and "You were assigned a viewing" in body
    assert "Owner only note" not in body


def test_client_portal_shows_their_own_customer_profile(web_as, tenant):
    client_user = member(tenant, "customer", email="client@harbour.test")
    CustomerFactory(tenant=tenant, name="Clara Client", user=client_user, phone="+49 30 1234")
    CustomerFactory(tenant=tenant, name="Somebody Else")
    response = web_as(client_user).get("/")
    body = response.content.decode()
    assert response.context["profile"].name == "Clara Client"
    assert "+49 30 1234" in body and "Somebody Else" not in body


def test_client_portal_without_a_linked_profile_explains_it(web_as, tenant):
    client_user = member(tenant, "customer", email="client@harbour.test")
    assert "has not linked a customer record" in web_as(client_user).get("/").content.decode()


def test_user_without_any_business_gets_a_helpful_page(web_as, db):
    from tests.factories import UserFactory

    assert "not part of a business yet" in web_as(UserFactory()).get("/").content.decode()


# ---- platform -------------------------------------------------------------------------------


def test_platform_admin_sees_every_business_with_counts_and_errors(web_as, super_admin, tenant, other_tenant, owner):
    CustomerFactory.create_batch(2, tenant=tenant)
    SystemLogFactory(severity=SystemLog.ERROR_SEVERITY, log_type=SystemLog.ERROR, message="payment provider timed out", tenant=tenant)
    SystemLogFactory(severity=SystemLog.INFO, message="routine sweep")
    response = web_as(super_admin).get("/platform/")
    assert response.status_code == 200
    rows = {t.slug: t for t in response.context["tenants"]}
    assert rows["harbour"].customer_count == 2 and rows["harbour"].member_count == 1
    assert "rival" in rows
    body = response.content.decode()
    assert "payment provider timed out" in body and "routine sweep" not in body


def test_platform_home_is_the_platform_dashboard(web_as, super_admin, tenant):
    response = web_as(super_admin).get("/")
    assert response.context["portal"] == "platform"
    assert "Create a business" in response.content.decode()


def test_platform_admin_creates_a_business_with_its_first_admin(web_as, super_admin):
    response = web_as(super_admin).post("/platform/tenants/new/", {"name": "Paws & Claws", "slug": "paws", "currency": "EUR", "time_zone": "Europe/Vienna", "enabled_verticals": ["petcare"], "owner_email": "boss@paws.test"})
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="paws")
    assert tenant.enabled_verticals == ["petcare"]
    assert tenant.memberships.get().user.email == "boss@paws.test"


def test_creating_a_business_with_bad_input_shows_field_errors(web_as, super_admin):
    response = web_as(super_admin).post("/platform/tenants/new/", {"name": "Bad Zone", "currency": "EUR", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "not an IANA time zone" in str(response.context["form"].errors["time_zone"])
    assert not Tenant.objects.filter(name="Bad Zone").exists()


def test_taken_slug_is_reported_not_crashed(web_as, super_admin, tenant):
    response = web_as(super_admin).post("/platform/tenants/new/", {"name": "Copy", "slug": "harbour", "currency": "EUR", "time_zone": "UTC"})
    assert response.status_code == 422
    assert "already exists" in response.content.decode()


@pytest.mark.parametrize("path", ["/platform/", "/platform/logs/"])
def test_business_admins_cannot_open_platform_pages(web_as, owner, path):
    response = web_as(owner).get(path)
    assert response.status_code == 403
    assert "platform administrators" in response.content.decode()


def test_business_admin_cannot_create_a_business(web_as, owner):
    assert web_as(owner).post("/platform/tenants/new/", {"name": "Sneaky", "currency": "EUR", "time_zone": "UTC"}).status_code == 403
    assert not Tenant.objects.filter(name="Sneaky").exists()


def test_platform_logs_show_every_business_and_filter_by_severity(web_as, super_admin, tenant, other_tenant):
    SystemLogFactory(tenant=tenant, severity=SystemLog.CRITICAL, message="disk full")
    SystemLogFactory(tenant=other_tenant, severity=SystemLog.INFO, message="all good")
    c = web_as(super_admin)
    body = c.get("/platform/logs/").content.decode()
    assert "disk full" in body and "all good" in body
    body = c.get("/platform/logs/?severity=CRITICAL").content.decode()
    assert "disk full" in body and "all good" not in body


# ---- error pages ----------------------------------------------------------------------------


def test_forbidden_page_is_readable_and_names_the_permission(web_as, staff_member):
    response = web_as(staff_member).get("/accounts/members/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You can't open this page" in body and "members.view" in body
    assert "Dashboard" in body  # the shell (navigation) is still there


def test_not_found_page_for_unknown_urls(web_as, owner):
    response = web_as(owner).get("/no/such/page/")
    assert response.status_code == 404
    assert "couldn't find that" in response.content.decode()


def test_pages_send_a_content_security_policy_and_nonce_the_scripts(web_as, owner):
    response = web_as(owner).get("/")
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self' 'nonce-" in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_live_feed_url_is_given_only_to_those_who_may_read_it(web_as, owner, tenant):
    assert 'data-live-url="/api/v1/events/stream"' in web_as(owner).get("/").content.decode()
    client_user = member(tenant, "customer", email="client@harbour.test")
    assert "data-live-url" not in web_as(client_user).get("/").content.decode()


def test_staff_dashboard_widgets_refresh_on_live_events(web_as, staff_member, tenant):
    CustomerFactory.create_batch(2, tenant=tenant)
    response = web_as(staff_member).get("/")
    assert response.context["active_customers"] == 2
    body = response.content.decode()
    assert 'hx-select="#your-work"' in body and "hf:notification-created from:body" in body


def test_missing_permission_is_explained_in_words(web_as, staff_member):
    body = web_as(staff_member).get("/accounts/tokens/").content.decode()
    assert "Issue and revoke API tokens" in body and "tokens.manage" in body


def test_a_crash_shows_the_500_page_and_leaves_an_error_log(owner, tenant, monkeypatch):
    from holdfast.web import dashboards

    def boom(*args, **kwargs):
        raise RuntimeError("widget exploded")

    monkeypatch.setattr(dashboards, "admin_stats", boom)
    c = Client(raise_request_exception=False)
    c.force_login(owner)
    response = c.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    log = SystemLog.objects.get(severity=SystemLog.ERROR_SEVERITY)
    assert log.message == "unhandled web error: RuntimeError" and log.tenant == tenant and log.metadata["path"] == "/"


def test_an_expired_form_gets_a_readable_page(owner):
    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    response = c.post("/customers/new/", {"name": "No token"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_unknown_pages_are_not_logged_as_errors(web_as, owner):
    assert web_as(owner).get("/customers/0/").status_code == 404
    assert web_as(owner).get("/nowhere/").status_code == 404
    assert not SystemLog.objects.filter(severity=SystemLog.ERROR_SEVERITY).exists()


def test_apps_contribute_navigation_as_data_gated_by_vertical_and_permission(web_as, owner, staff_member, monkeypatch):
    from django.apps import apps

    config = apps.get_app_config("customers")
    monkeypatch.setattr(config, "nav_items", [
        {"label": "Stays", "url": "customers:create", "perm": "customers.manage", "vertical": "hotel", "section": "Hotel"},
        {"label": "Walks", "url": "customers:create", "perm": "customers.manage", "vertical": "petcare"},
        {"label": "Not built yet", "url": "nowhere:index"},
    ], raising=False)
    labels = nav_labels(web_as(owner).get("/"))
    assert "Stays" in labels  # the tenant enables hotel
    assert labels.index("Stays") < labels.index("Team")  # an app's own section sits between Work and Administration
    assert "Walks" not in labels and "Not built yet" not in labels
    assert "Stays" not in nav_labels(web_as(staff_member).get("/"))  # staff lacks customers.manage


def test_navigation_groups_administration_after_work(web_as, owner):
    items = web_as(owner).get("/").context["nav_items"]
    sections = [i["section"] for i in items]
    rank = {"Work": 0, "Administration": 2}
    assert sections == sorted(sections, key=lambda s: rank.get(s, 1)) and sections[0] == "Work"
    assert {i["label"] for i in items if i["section"] == "Administration"} >= {"Team", "Settings"}


class TestClientAddress:
    """Login throttling keys on the client address; behind trusted proxies it comes from X-Forwarded-For."""

    def _request(self, remote, forwarded=None):
        from django.test import RequestFactory

        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **extra)

    def test_without_trusted_proxies_the_forwarded_header_is_ignored(self, settings):
        from holdfast.web.views import client_ip

        settings.TRUSTED_PROXIES = 0
        assert client_ip(self._request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"

    def test_behind_one_proxy_the_address_it_saw_is_used_and_forged_entries_are_not(self, settings):
        from holdfast.web.views import client_ip

        settings.TRUSTED_PROXIES = 1
        # The client forged "1.2.3.4"; the proxy appended the address it really saw.
        assert client_ip(self._request("10.0.0.5", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"

    def test_a_garbled_or_short_header_falls_back_to_the_socket_address(self, settings):
        from holdfast.web.views import client_ip

        settings.TRUSTED_PROXIES = 2
        assert client_ip(self._request("10.0.0.5", "203.0.113.9")) == "10.0.0.5"
        settings.TRUSTED_PROXIES = 1
        assert client_ip(self._request("10.0.0.5", "not-an-ip")) == "10.0.0.5"

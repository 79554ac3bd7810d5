"""Shared fixtures: a tenant with an owner (Admin) and a member (Staff), and an outsider who is Admin of
another tenant, so every test can check isolation. API clients authenticate with real API tokens."""
from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import PASSWORD, CustomerFactory, TenantFactory, member, platform_admin


@pytest.fixture
def tenant(db):
    return TenantFactory(name="Harbour Homes", slug="harbour")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(name="Rival Realty", slug="rival")


@pytest.fixture
def owner(tenant):
    return member(tenant, "admin", email="owner@harbour.test")


@pytest.fixture
def staff_member(tenant):
    return member(tenant, "staff", email="staff@harbour.test")


@pytest.fixture
def outsider(other_tenant):
    return member(other_tenant, "admin", email="admin@rival.test")


@pytest.fixture
def super_admin(db):
    return platform_admin(email="root@platform.test")


@pytest.fixture
def customer(tenant):
    return CustomerFactory(tenant=tenant, name="Ada Lovelace", email="ada@example.com")


class ApiClient:
    """A JSON client acting as one user in one tenant through a real API token."""

    def __init__(self, user, tenant):
        from holdfast.core.accounts.services import issue_api_token

        self.user, self.tenant = user, tenant
        _, self.raw_token = issue_api_token(tenant=tenant, actor=user, name=f"test-{user.email}")
        self.client = Client()

    def _headers(self, extra):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.raw_token}"}
        for key, value in (extra or {}).items():
            headers["HTTP_" + key.upper().replace("-", "_")] = value
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, **self._headers(headers))

    def post(self, path, data=None, headers=None):
        return self.client.post(path, json.dumps(data or {}), content_type="application/json", **self._headers(headers))

    def patch(self, path, data=None, headers=None):
        return self.client.patch(path, json.dumps(data or {}), content_type="application/json", **self._headers(headers))

    def put(self, path, data=None, headers=None):
        return self.client.put(path, json.dumps(data or {}), content_type="application/json", **self._headers(headers))

    def delete(self, path, headers=None):
        return self.client.delete(path, **self._headers(headers))


@pytest.fixture
def api_as():
    """api_as(user, tenant) -> ApiClient"""
    return ApiClient


@pytest.fixture
def owner_api(owner, tenant):
    return ApiClient(owner, tenant)


@pytest.fixture
def staff_api(staff_member, tenant):
    return ApiClient(staff_member, tenant)


@pytest.fixture
def outsider_api(outsider, other_tenant):
    return ApiClient(outsider, other_tenant)


@pytest.fixture
def web_as(client):
    """web_as(user) -> a logged-in django test Client."""

    def login(user):
        c = Client()
        c.force_login(user)
        return c

    return login


@pytest.fixture
def password():
    return PASSWORD

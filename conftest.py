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


@pytest.fixture(autouse=True)
def _commit_hooks_run_as_in_production(monkeypatch):
    """Inside a test's own transaction nothing ever commits, so `transaction.on_commit` work (mail after a
    reminder's commit) would never run. Treat the outermost atomic block a test's code opens as the commit
    it is in production: when it exits cleanly its on_commit callbacks run; when it rolls back they are
    dropped, exactly as Django does on a real commit/rollback."""
    from django.db import transaction

    real_exit = transaction.Atomic.__exit__

    def exit_(self, exc_type, exc_value, traceback):
        conn = transaction.get_connection(self.using)
        blocks = conn.atomic_blocks
        outermost = bool(blocks) and blocks[-1] is self and not self._from_testcase and any(b._from_testcase for b in blocks[:-1]) and all(b._from_testcase for b in blocks[:-1])
        sid = conn.savepoint_ids[-1] if outermost and conn.savepoint_ids else None
        result = real_exit(self, exc_type, exc_value, traceback)
        if sid is not None and exc_type is None and conn.in_atomic_block:
            ready = [hook for hook in conn.run_on_commit if sid in hook[0]]
            conn.run_on_commit = [hook for hook in conn.run_on_commit if sid not in hook[0]]
            for _, func, _robust in ready:
                func()
        return result

    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_)

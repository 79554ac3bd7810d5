"""Issue 14: a tenant's secrets (the Stripe webhook secret) are write-only — no API answer contains one."""
from __future__ import annotations

import pytest
from django.test import Client

SECRET = "whsec_TOPSECRET_do_not_show_0123456789"


@pytest.fixture
def tenant_with_secret(tenant):
    tenant.settings = {**(tenant.settings or {}), "stripe_webhook_secret": SECRET}
    tenant.save(update_fields=["settings"])
    return tenant


def test_the_tenant_answer_says_a_secret_is_set_without_showing_it(owner_api, tenant_with_secret):
    body = owner_api.get("/api/v1/tenant").json()
    assert body["settings"]["stripe_webhook_secret_is_set"] is True
    assert "stripe_webhook_secret" not in body["settings"] and SECRET not in str(body)


def test_no_get_answer_of_the_api_contains_a_tenant_secret(owner_api, tenant_with_secret):
    schema = Client().get("/api/openapi.json").json()
    paths = [path for path, item in schema["paths"].items() if "get" in item and "{" not in path and not path.endswith("/stream")]
    assert len(paths) > 20, "the walk found too few operations to mean anything"
    for path in paths:
        response = owner_api.get(path)
        assert response.status_code < 500, path
        assert SECRET not in response.content.decode(errors="replace"), f"{path} shows the tenant's secret"

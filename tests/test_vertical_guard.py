"""A tenant is served only the verticals it enabled (issue 14): every path of every vertical's API router
and screens (config.registry.VERTICAL_PREFIXES) answers 404 — a problem body on the API, the not-found
page on screens — for a tenant without that vertical, and is served as before for one with it."""
from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from holdfast.config.api import api
from holdfast.config.registry import API_ROUTERS, VERTICAL_PREFIXES, WEB_URLCONFS, vertical_of_path
from holdfast.core.tenancy.models import VERTICALS

pytestmark = pytest.mark.django_db


def _api_paths(prefix: str) -> list[str]:
    """Every documented GET of the router, path parameters filled with 1 (a 404 of the record is fine: not the guard's)."""
    schema = api.get_openapi_schema()
    paths = []
    for path, ops in schema["paths"].items():
        if path.startswith(prefix) and "get" in ops:
            paths.append(_fill(path))
    return paths or [prefix + "anything"]


def _fill(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "1", path)


def _web_paths(prefix: str) -> list[str]:
    """The screens under the prefix that take no argument (or the bare prefix when the vertical has none yet)."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == prefix.lstrip("/"):
            for sub in entry.url_patterns:
                if isinstance(sub, URLPattern) and "<" not in str(sub.pattern):
                    found.append(prefix + str(sub.pattern))
    return found or [prefix]


def test_every_vertical_has_its_prefixes_guarded():
    assert {v for _, v in VERTICAL_PREFIXES} == set(VERTICALS)
    for prefix, path in API_ROUTERS + WEB_URLCONFS:
        vertical = path.split(".")[2] if path.startswith("holdfast.verticals.") else None
        probe = f"/api{prefix}/x" if prefix.startswith("/v1") else f"/{prefix}x"
        assert vertical_of_path(probe) == vertical, probe


@pytest.mark.parametrize("prefix,vertical", [p for p in VERTICAL_PREFIXES if p[0].startswith("/api/")])
def test_an_api_of_a_vertical_the_tenant_has_not_enabled_answers_404(prefix, vertical, tenant, owner_api):
    tenant.enabled_verticals = [v for v in VERTICALS if v != vertical]
    tenant.save(update_fields=["enabled_verticals"])
    for path in _api_paths(prefix):
        response = owner_api.get(path)
        assert response.status_code == 404 and response.json()["code"] == "vertical_not_enabled", (path, response.status_code)
        assert response["Content-Type"].startswith("application/problem+json")
    refused = owner_api.post(prefix + "anything", {})
    assert refused.status_code == 404 and refused.json()["code"] == "vertical_not_enabled"
    tenant.enabled_verticals = [vertical]
    tenant.save(update_fields=["enabled_verticals"])
    for path in _api_paths(prefix):
        response = owner_api.get(path)
        assert b"vertical_not_enabled" not in response.content, path


@pytest.mark.parametrize("prefix,vertical", [p for p in VERTICAL_PREFIXES if not p[0].startswith("/api/")])
def test_screens_of_a_vertical_the_tenant_has_not_enabled_answer_404(prefix, vertical, tenant, owner, web_as):
    browser = web_as(owner)
    paths = _web_paths(prefix)
    tenant.enabled_verticals = [vertical]
    tenant.save(update_fields=["enabled_verticals"])
    served = {path: browser.get(path).status_code for path in paths}
    tenant.enabled_verticals = [v for v in VERTICALS if v != vertical]
    tenant.save(update_fields=["enabled_verticals"])
    for path in paths:
        response = browser.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert served[path] != 404 or path == prefix, (path, "not served when enabled")


def test_a_tenant_with_the_vertical_enabled_is_unaffected_and_shared_paths_are_never_guarded(tenant, owner_api):
    tenant.enabled_verticals = []
    tenant.save(update_fields=["enabled_verticals"])
    assert owner_api.get("/api/v1/customers").status_code == 200
    assert owner_api.get("/api/v1/tenant").status_code == 200


def test_an_anonymous_visitor_of_a_vertical_screen_is_sent_to_log_in(client):
    response = client.get("/estate/")
    assert response.status_code == 302 and "/login/" in response["Location"]

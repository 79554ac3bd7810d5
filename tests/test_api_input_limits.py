"""Issue 16 item 7: what a client sends in the wrong shape is a 4xx problem, never a 500 or a bare page:
a body that is not JSON is 415, an over-long query string 414, deeply nested JSON 422."""
from __future__ import annotations

import pytest

from holdfast.core.customers.models import Customer

pytestmark = pytest.mark.django_db
URL = "/api/v1/customers"


def _problem(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_is_415(owner_api, tenant, content_type):
    response = owner_api.client.post(URL, '{"name": "A"}', content_type=content_type, **owner_api._headers({}))
    _problem(response, 415, "unsupported_media_type")
    patched = owner_api.client.patch(f"{URL}/1", '{"version": 1}', content_type=content_type, **owner_api._headers({}))
    _problem(patched, 415, "unsupported_media_type")
    assert not Customer.objects.for_tenant(tenant).exists()


def test_json_media_types_are_accepted(owner_api):
    response = owner_api.client.post(URL, '{"name": "A"}', content_type="application/json; charset=utf-8", **owner_api._headers({}))
    assert response.status_code == 201
    merged = owner_api.client.post(URL, '{"name": "B"}', content_type="application/merge-patch+json", **owner_api._headers({}))
    assert merged.status_code == 201


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
def test_deeply_nested_json_is_a_422_problem(owner_api, depth):
    body = '{"name": "A", "notes": ' + "[" * depth + "]" * depth + "}"
    response = owner_api.client.post(URL, body, content_type="application/json", **owner_api._headers({}))
    _problem(response, 422, "json_too_deep")


def test_an_over_long_query_string_is_a_414_problem(owner_api):
    _problem(owner_api.get(URL + "?search=" + "x" * 20_000), 414, "query_too_long")
    _problem(owner_api.get(URL + "?" + "&".join(f"a{i}=1" for i in range(3000))), 414, "query_too_long")
    _problem(owner_api.get(URL + "?" + "&".join(f"a{i}" for i in range(600))), 414, "too_many_parameters")
    assert owner_api.get(URL + "?search=" + "x" * 500).status_code == 200


def test_a_malformed_multipart_upload_is_a_400_problem(owner_api):
    """The schema fuzz found it: a multipart body with an empty boundary answered 500 on an upload operation."""
    from holdfast.verticals.storage.tests.factories import FacilityFactory

    tenant = owner_api.tenant
    tenant.enabled_verticals = [*tenant.enabled_verticals, "storage"]
    tenant.save(update_fields=["enabled_verticals"])
    facility = FacilityFactory(tenant=tenant)
    response = owner_api.client.generic("POST", f"/api/v1/storage/facilities/{facility.pk}/media", b"garbage--",
                                        content_type="multipart/form-data; boundary=", **owner_api._headers({}))
    _problem(response, 400, "malformed_multipart")

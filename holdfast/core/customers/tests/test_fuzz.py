"""Nothing a client sends to the customer API produces a 500 (DESIGN rule 10)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIELDS = ["name", "email", "phone", "address", "notes", "is_verified", "version", "reason", "override"]

scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False) | st.text(max_size=300)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)
address_like = st.dictionaries(st.sampled_from(["line1", "city", "country", "planet"]), json_values, max_size=3)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={field: json_values for field in FIELDS}),
    st.fixed_dictionaries({"name": st.text(max_size=250), "version": st.integers(min_value=-5, max_value=5)}, optional={"address": address_like, "email": st.text(max_size=300)}),
)
raw_bodies = st.binary(max_size=60)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def post_raw(api, path, body: bytes, method="post"):
    return getattr(api.client, method)(path, body, content_type="application/json", **api._headers(None))


@pytest.mark.django_db
@FUZZ
@given(body=bodies)
def test_random_json_to_create_customer_never_500(owner_api, body):
    response = post_raw(owner_api, "/api/v1/customers", json.dumps(body).encode())
    assert response.status_code < 500, (body, response.content)
    assert response.status_code in (201, 422), (body, response.content)


@pytest.mark.django_db
@FUZZ
@given(body=bodies)
def test_random_json_to_patch_customer_never_500(owner_api, customer, body):
    response = post_raw(owner_api, f"/api/v1/customers/{customer.pk}", json.dumps(body).encode(), method="patch")
    assert response.status_code < 500, (body, response.content)
    assert response.status_code in (200, 409, 422), (body, response.content)


@pytest.mark.django_db
@FUZZ
@given(body=raw_bodies, path_suffix=st.sampled_from(["", "/{id}", "/{id}/deactivate"]))
def test_random_bytes_never_500(owner_api, customer, body, path_suffix):
    path = "/api/v1/customers" + path_suffix.format(id=customer.pk)
    method = "patch" if path_suffix == "/{id}" else "post"
    response = post_raw(owner_api, path, body, method=method)
    assert response.status_code < 500, (body, response.content)
    if response.status_code >= 400:
        assert {"type", "title", "status", "detail", "code"} <= set(response.json())


@pytest.mark.django_db
@FUZZ
@given(params=st.dictionaries(st.sampled_from(["search", "page", "page_size", "active", "verified"]), st.text(max_size=40), max_size=4))
def test_random_query_strings_never_500(owner_api, params):
    response = owner_api.get("/api/v1/customers", params)
    assert response.status_code in (200, 422), (params, response.content)

"""API conventions from holdfast.kit.api and the NinjaAPI set-up: docs, schema, pagination, parser."""
from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

from holdfast.kit.api import MAX_PAGE, MAX_PAGE_SIZE, find_nul, paginate


@pytest.mark.django_db
def test_openapi_schema_is_served_and_lists_the_foundation_routes(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "holdfast API"
    assert {"/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/tenant", "/api/v1/members"} <= set(schema["paths"])
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()


@pytest.mark.django_db
def test_docs_page_loads_only_same_origin_assets_allowed_by_the_csp(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "django-ninja.dev" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a collected static file"
    assert "<script>" not in html.replace(" ", "")  # no inline script the nonce-less page would block
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp


class FakeQuerySet(list):
    def count(self):
        return len(self)


def test_paginate_bounds_page_and_page_size():
    rows = FakeQuerySet(range(1000))
    assert paginate(rows, page=2, page_size=10)["results"] == list(range(10, 20))
    assert paginate(rows, page=1, page_size=10**9)["page_size"] == MAX_PAGE_SIZE
    assert paginate(rows, page=0, page_size=0)["page"] == 1
    assert paginate(rows, page=-5, page_size=-5)["page_size"] == 1
    assert paginate(rows, page=10**40, page_size=10)["page"] == MAX_PAGE


def test_find_nul_points_at_the_field():
    assert find_nul({"a": [1, {"b": "x\x00"}]}) == "a.1.b"
    assert find_nul({"ok": "fine", "n": None}) is None
    assert find_nul("\x00") == "body"
    assert find_nul({"key\x00": 1}) == "body"


class _PgCause(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("exc_class, sqlstate, status, code", [
    ("IntegrityError", "23505", 409, "conflict_duplicate"),
    ("IntegrityError", "23P01", 409, "conflict_overlap"),
    ("OperationalError", "55P03", 503, "busy_retry"),
    ("IntegrityError", "23502", 500, "internal_error"),  # a NOT NULL violation is our bug: stays a logged 500
])
def test_untranslated_database_refusals_become_problems(rf, exc_class, sqlstate, status, code, db):
    import json

    import django.db

    from holdfast.config.api import on_database_refusal

    exc = getattr(django.db, exc_class)("refused")
    exc.__cause__ = _PgCause(sqlstate)
    request = rf.get("/api/v1/anything")
    request.tenant = None
    response = on_database_refusal(request, exc)
    assert response.status_code == status
    assert json.loads(response.content)["code"] == code


def test_every_request_body_refuses_unknown_fields():
    """A typo in a field name ("nmae") must be a 422, not a silently ignored change: every input schema
    uses kit.api.STRICT_INPUT."""
    from holdfast.config.api import api

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    loose = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                refs = [media["schema"].get("$ref")] + [s.get("$ref") for s in media["schema"].get("anyOf", [])]
                for ref in filter(None, refs):
                    name = ref.rsplit("/", 1)[-1]
                    if components[name].get("additionalProperties") is not False:
                        loose.add(f"{name} ({method.upper()} {path})")
    assert not loose, f"add `model_config = STRICT_INPUT` to: {sorted(loose)}"


def test_an_unknown_field_is_answered_422_with_the_field_named(owner_api):
    response = owner_api.post("/api/v1/inventory/sites", {"name": "Dock 4", "time_zone": "UTC", "nmae": "typo"})
    assert response.status_code == 422
    assert "nmae" in response.content.decode()


def test_a_problem_extra_never_overwrites_the_problem_members():
    """A conflict's extra {"status": "PENDING"} used to replace the HTTP status with the booking's."""
    from holdfast.kit.errors import Conflict

    body = Conflict("A PENDING booking cannot be approved.", code="illegal_transition", extra={"status": "PENDING", "code": "x", "allowed": ["confirm"]}).as_problem()
    assert body["status"] == 409 and body["code"] == "illegal_transition"
    assert body["current_status"] == "PENDING" and body["current_code"] == "x" and body["allowed"] == ["confirm"]

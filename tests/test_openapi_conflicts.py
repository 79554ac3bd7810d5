"""Every operation that can answer 409 documents it in the OpenAPI document (a write's service may
refuse a conflict; a POST under an Idempotency-Key may be in progress, with Retry-After)."""
from __future__ import annotations

import pytest
from django.test import Client

UNSAFE = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return Client().get("/api/openapi.json").json()


def test_every_write_documents_its_409_problem_with_retry_after(schema):
    missing = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method not in UNSAFE:
                continue
            conflict = op.get("responses", {}).get("409")
            if not conflict or conflict["content"]["application/problem+json"]["schema"] != {"$ref": "#/components/schemas/ProblemSchema"} or "Retry-After" not in conflict.get("headers", {}):
                missing.append(f"{method.upper()} {path}")
    assert missing == []


@pytest.mark.django_db
def test_a_real_409_comes_from_an_operation_that_documents_it(schema, owner_api):
    made = owner_api.post("/api/v1/customers", {"name": "Grace"}).json()
    stale = owner_api.patch(f"/api/v1/customers/{made['id']}", {"version": made["version"] + 5, "name": "Ada"})
    assert stale.status_code == 409
    assert "409" in schema["paths"]["/api/v1/customers/{customer_id}"]["patch"]["responses"]


def test_every_refusal_is_documented_as_a_problem_body(schema):
    """The server answers every 4xx as application/problem+json; the document must say so, and name
    the statuses any operation can give (a missing record, validation) so generated clients expect them."""
    wrong, missing = [], []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            responses = op.get("responses", {})
            for status, entry in responses.items():
                if status.isdigit() and int(status) >= 400 and list(entry.get("content", {})) != ["application/problem+json"]:
                    wrong.append(f"{method.upper()} {path} {status}")
            if "404" not in responses or "422" not in responses:
                missing.append(f"{method.upper()} {path}")
    assert wrong == [] and missing == []

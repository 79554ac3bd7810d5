"""Nothing a client sends to any write operation produces a 500 (DESIGN rule 10).

Every POST/PUT/PATCH of the OpenAPI schema is called as the tenant's Admin, on real objects of the
tenant (the isolation matrix's world), with a plausible body in which one field at a time is replaced
by an edge value of its type: out-of-range integers, far-away or impossible dates, huge or empty
strings, NUL bytes, wrong types. Each answer must be below 500 and, when a refusal, a problem body.
Endpoints added later are covered without editing this file.
"""
from __future__ import annotations

import pytest

from tests.test_isolation_matrix import body_for, fill, operations, required_query, resolve, schema, send, text_of, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

EDGES = {
    "integer": [-1, 0, 2**63, 10**30, "7x", 1.5],
    "number": [1e308, -1e308, "NaN", "1e999"],
    "string": ["", "x" * 5000, "a\x00b", 7],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30"],
    "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-13-01T00:00:00"],
    "array": [[], [None], [2**63], "not-a-list"],
    "boolean": ["maybe"],
    "object": [[], "text"],
}


def kind_of(schema, components) -> str:
    schema = resolve(schema or {}, components)
    for combo in ("anyOf", "oneOf"):
        if combo in schema:
            options = [resolve(o, components) for o in schema[combo] if resolve(o, components).get("type") != "null"]
            if options:
                return kind_of(options[0], components)
    if schema.get("format") in ("date", "date-time"):
        return schema["format"]
    return schema.get("type") or ("object" if "properties" in schema else "string")


def body_schema(op, components) -> dict:
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = resolve(content.get("schema", {}), components)
    for combo in ("anyOf", "oneOf"):
        if combo in schema:
            schema = next((resolve(o, components) for o in schema[combo] if resolve(o, components).get("type") != "null"), schema)
    return schema


def test_no_write_operation_answers_500_to_edge_values(schema, world, owner_api):
    components = schema.get("components", {}).get("schemas", {})
    failures, sent = [], 0
    for method, path, op in operations(schema):
        if method not in ("post", "put", "patch") or not op.get("security"):
            continue
        base = body_for(op, components)
        if not isinstance(base, dict):
            continue
        url = fill(path, op, world)
        query = required_query(op, components)
        for field, field_schema in body_schema(op, components).get("properties", {}).items():
            for value in EDGES.get(kind_of(field_schema, components), []):
                response = send(owner_api, method, url, query, {**base, field: value})
                sent += 1
                status, text = response.status_code, text_of(response)
                if status >= 500:
                    failures.append(f"{method.upper()} {url} {field}={value!r:.40} -> {status} {text[:200]}")
                elif status >= 400 and '"code"' not in text:
                    failures.append(f"{method.upper()} {url} {field}={value!r:.40} -> {status} without a problem body: {text[:200]}")
    assert sent > 300, "the schema walk sent too few requests"
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:60])


def test_an_explicit_null_in_every_patch_is_a_field_error_or_a_clear(schema, world, owner_api):
    """Issue 16: `{"is_active": null}` answered 500 (NOT NULL violation). Every field of every PATCH body,
    sent as null on a real object, is a 422 naming the field, or (a nullable field) clears it; never a 5xx."""
    components = schema.get("components", {}).get("schemas", {})
    failures, sent = [], 0
    for method, path, op in operations(schema):
        if method != "patch" or not op.get("security"):
            continue
        base = body_for(op, components)
        if not isinstance(base, dict):
            continue
        url = fill(path, op, world)
        for field in body_schema(op, components).get("properties", {}):
            body = {**base, field: None}
            if "version" in base and field != "version":
                current = owner_api.get(url)
                body["version"] = current.json().get("version", base["version"]) if current.status_code == 200 else base["version"]
            response = send(owner_api, method, url, None, body)
            sent += 1
            status, text = response.status_code, text_of(response)
            if status >= 500:
                failures.append(f"PATCH {url} {field}=null -> {status} {text[:200]}")
            elif status == 422 and field not in (response.json().get("errors") or {}):
                failures.append(f"PATCH {url} {field}=null -> 422 not naming the field: {text[:200]}")
            elif status >= 400 and '"code"' not in text:
                failures.append(f"PATCH {url} {field}=null -> {status} without a problem body: {text[:200]}")
    assert sent > 40, "the walk sent too few requests"
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:60])

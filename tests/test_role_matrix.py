"""Roles over every path (issue 14 item 4): a member whose role grants nothing is refused by every
operation of /api/openapi.json, with tenant A's real objects in the path, except the few that are a
member's own (their profile, their notifications, their tokens). A new path is walked as soon as it
is in the document: it fails here unless it checks a permission, or is listed below with why."""
from __future__ import annotations

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.events.models import OutboxEvent
from tests.factories import MembershipFactory, RoleFactory, UserFactory
from tests.test_isolation_matrix import (  # noqa: F401 - `schema` and `world` are fixtures
    UNSYNTHESISABLE,
    body_for,
    fill,
    operations,
    path_params,
    required_query,
    schema,
    send,
    text_of,
    world,
)

# Operations on what is the caller's own (no permission needed beyond being a member), with why.
SELF_SERVICE = {
    "/api/v1/me": "the caller's own profile and permissions",
    "/api/v1/tenant/current": "which business the caller is in",
    "/api/v1/notifications": "the caller's own notifications",
    "/api/v1/events/stream": "the caller's own live feed (filtered by what it may see)",
    "/api/v1/permissions": "the catalogue of permission codes (what a role may hold; no business data)",
}
SELF_SERVICE_PREFIXES = ("/api/v1/notifications/", "/api/v1/tokens", "/api/v1/me/")
REFUSED = {403, 404}
# Refused by the framework before any handler runs (a multipart field missing): says nothing of the business.
SCHEMA_REFUSAL = "Some fields are missing or invalid."


@pytest.fixture
def nobody_api(tenant):
    """A member of tenant A whose custom role grants no permission at all."""
    from conftest import ApiClient

    role = RoleFactory(tenant=tenant, key="nothing", name="Nothing", permissions=[])
    user = UserFactory(email="nobody@harbour.test")
    MembershipFactory(user=user, tenant=tenant, role=role)
    return ApiClient(user, tenant)


def self_service(path: str) -> bool:
    return path in SELF_SERVICE or path.startswith(SELF_SERVICE_PREFIXES)


@pytest.mark.django_db
def test_a_role_without_permissions_is_refused_on_every_operation(schema, world, nobody_api, tenant):  # noqa: F811
    components = schema.get("components", {}).get("schemas", {})
    audit_before = AuditEntry.objects.filter(tenant=tenant).count()
    outbox_before = OutboxEvent.objects.filter(tenant=tenant).count()
    failures, probed = [], 0
    for method, path, op in operations(schema):
        if not op.get("security") or self_service(path) or path.endswith("/stream"):
            continue
        url = fill(path, op, world) if path_params(path) else path
        body = body_for(op, components) if method != "get" else None
        if body is UNSYNTHESISABLE:
            body = None
        response = send(nobody_api, method, url, required_query(op, components), body)
        text = text_of(response)
        probed += 1
        if response.status_code == 422 and SCHEMA_REFUSAL in text:
            continue
        if response.status_code not in REFUSED:
            failures.append(f"{method.upper()} {url} with no permission -> {response.status_code} {text[:160]}")
    assert probed > 150, "the walk found too few operations"
    assert not failures, "\n".join(failures)
    assert AuditEntry.objects.filter(tenant=tenant).count() == audit_before, "a call without permission changed tenant A"
    assert OutboxEvent.objects.filter(tenant=tenant).count() == outbox_before, "a call without permission emitted events"

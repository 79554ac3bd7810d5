"""Every id a request names is resolved through the caller's tenant (issue 16 item 5).

The isolation matrix proves another tenant's ids in the *path* are 404. This walks every operation of
the OpenAPI document for ids in the *query* and the *body* (`site_id`, `resource_type_id`,
`customer_id`, `*_ids` …): the caller is an Admin of tenant B, its own objects fill the path, and one
field at a time names an object of tenant A. The answer must be a refusal (403/404/422, or 400) —
never 2xx (a quote priced from the wrong site, a calendar of zero totals, a rule pointing across
tenants), never 409 (that would reveal A's row's state), never 5xx — and nothing of A is written.
Operations added later are covered without editing this file.
"""
from __future__ import annotations

import copy

import pytest

from holdfast.core.audit.models import AuditEntry
from tests.factories import CustomerFactory, RoleFactory, WebhookEndpointFactory
from tests.test_isolation_matrix import (  # noqa: F401  (fixtures)
    UNSYNTHESISABLE, app_of, body_for, create_in, discovered_factories, key_for_param, lookup, match_factory,
    norm, operations, path_params, required_query, resolve, schema, send, text_of, world,
)

pytestmark = pytest.mark.django_db

REFUSED = {400, 403, 404, 422}
NOT_AN_OBJECT = {"idempotency", "external", "stripe", "event", "version", "request", "source"}  # *_id fields naming no row of ours


def id_fields(op, components) -> list[tuple[str, str, bool]]:
    """(where, name, is_list) for every query parameter and top-level body field that names an object."""
    found = [("query", p["name"], False) for p in op.get("parameters", []) if p["in"] == "query" and p["name"].endswith("_id")]
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    body = resolve(content.get("schema", {}), components)
    for name in body.get("properties", {}):
        if name.endswith("_id"):
            found.append(("body", name, False))
        elif name.endswith("_ids"):
            found.append(("body", name, True))
    return [f for f in found if norm(f[1].rsplit("_", 1)[0]) not in NOT_AN_OBJECT]


@pytest.fixture
def own_world(other_tenant, outsider, schema):
    """Tenant B's own objects, for the path of each operation (so the foreign id is the only fault)."""
    objects = {"customer": CustomerFactory(tenant=other_tenant), "role": RoleFactory(tenant=other_tenant),
               "webhook": WebhookEndpointFactory(tenant=other_tenant), "tenant": other_tenant}
    factories, made = discovered_factories(), {}
    for _method, path, _op in operations(schema):
        for param in path_params(path):
            key = key_for_param(path, param)
            if key in objects:
                continue
            chosen = match_factory(key, factories, app_of(path))
            if chosen is not None and chosen not in made:
                made[chosen] = create_in(other_tenant, chosen)
            if chosen is not None and made[chosen] is not None:
                objects[(app_of(path), key)] = made[chosen]
    return objects


@pytest.fixture
def foreign(world, tenant):
    """foreign(path, key) -> an object of tenant A that a field named `key` would name, made on demand:
    the isolation world's (which only knows path and list names), else a factory's."""
    factories, made = discovered_factories(), {}

    def find(path, key):
        found = lookup(world, path, key) or next((obj for name, obj in world.items() if isinstance(name, tuple) and name[1] == key), None)
        if found is not None:
            return found
        chosen = match_factory(key, factories, app_of(path))
        if chosen is not None and chosen not in made:
            made[chosen] = create_in(tenant, chosen)
        return made.get(chosen)
    return find


def fill_own(path, own_world) -> str | None:
    url = path
    for param in path_params(path):
        obj = lookup(own_world, path, key_for_param(path, param))
        if obj is None:
            return None
        url = url.replace("{" + param + "}", str(obj.pk))
    return url


def test_no_operation_accepts_another_tenants_id_in_its_query_or_body(schema, foreign, own_world, outsider_api, tenant):
    components = schema.get("components", {}).get("schemas", {})
    foreign("/api/v1/customers", "customer")  # A's objects exist before the count below
    audit_before = AuditEntry.objects.filter(tenant=tenant).count()
    failures, probed = [], 0
    for method, path, op in operations(schema):
        if not op.get("security"):
            continue
        fields = id_fields(op, components)
        if not fields:
            continue
        url = fill_own(path, own_world)
        if url is None:
            continue
        base_body = body_for(op, components)
        if base_body is UNSYNTHESISABLE:
            continue
        base_query = required_query(op, components)
        for where, name, is_list in fields:
            obj = foreign(path, norm(name.rsplit("_", 1)[0]))
            if obj is None or getattr(obj, "tenant_id", None) != tenant.pk:
                continue
            value = [obj.pk] if is_list else obj.pk
            query, body = dict(base_query), copy.deepcopy(base_body) if isinstance(base_body, dict) else base_body
            if where == "query":
                query[name] = value
            elif isinstance(body, dict):
                body[name] = value
            else:
                continue
            if method == "patch" and isinstance(body, dict) and "version" in body:
                own = lookup(own_world, path, key_for_param(path, path_params(path)[-1])) if path_params(path) else None
                body["version"] = getattr(own, "version", body["version"])
            response = send(outsider_api, method, url, query, body)
            probed += 1
            if response.status_code not in REFUSED:
                failures.append(f"{method.upper()} {url} {where} {name}=<tenant A's {type(obj).__name__} #{obj.pk}> -> {response.status_code} {text_of(response)[:160]}")
    assert probed >= 15, f"only {probed} foreign-id probes ran; the walk is not reaching the API"
    assert not failures, "\n".join(failures)
    assert AuditEntry.objects.filter(tenant=tenant).count() == audit_before, "a foreign-id call wrote in tenant A"


def test_quote_naming_another_tenants_site_is_404_not_a_price(owner_api, tenant, other_tenant):
    from holdfast.core.inventory.models import ResourceType, Site

    theirs = Site.objects.create(tenant=other_tenant, name="Rival site")
    mine = Site.objects.create(tenant=tenant, name="Our site")
    their_type = ResourceType.objects.create(tenant=other_tenant, site=theirs, name="Rival rooms")
    from holdfast.core.billing.tests.factories import PriceRuleFactory

    PriceRuleFactory(tenant=tenant)
    body = {"start_date": "2031-03-03", "end_date": "2031-03-05"}
    ok = owner_api.post("/api/v1/billing/quote", {**body, "site_id": mine.pk})
    assert ok.status_code == 200, ok.content
    for field, value in (("site_id", theirs.pk), ("resource_type_id", their_type.pk)):
        response = owner_api.post("/api/v1/billing/quote", {**body, field: value})
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"


def test_calendar_filtered_by_another_tenants_resource_type_is_404(owner_api, tenant, other_tenant):
    from holdfast.core.inventory.models import ResourceType, Site

    mine = Site.objects.create(tenant=tenant, name="Our site")
    their_type = ResourceType.objects.create(tenant=other_tenant, site=Site.objects.create(tenant=other_tenant, name="Rival"), name="Rival rooms")
    query = {"start_date": "2031-03-03", "resource_type_id": their_type.pk}
    assert owner_api.get(f"/api/v1/inventory/calendar/sites/{mine.pk}", {"start_date": "2031-03-03"}).status_code == 200
    assert owner_api.get(f"/api/v1/inventory/calendar/sites/{mine.pk}", query).status_code == 404
    assert owner_api.get(f"/api/v1/inventory/availability/sites/{mine.pk}/per-day", {**query, "end_date": "2031-03-06"}).status_code == 404

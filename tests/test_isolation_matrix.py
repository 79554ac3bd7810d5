"""Tenant isolation over EVERY operation of the NinjaAPI, found from /api/openapi.json.

Endpoints added later (inventory, bookings, billing, verticals…) are covered without editing this file:
- every secured operation answers 401 without credentials or with a bad token;
- every operation with an id in its path, called by an Admin of another tenant with ids of objects that
  exist in tenant A, answers 404 (403 for platform-only operations, 422 when the body could not be
  synthesised) — never 2xx, never 409 (that would reveal the row), never 5xx — and writes nothing in A;
- every list operation called by that outsider shows none of A's rows.
Objects are created in A from the foundation's fixtures and from any `holdfast/**/tests/factories.py`
factory whose model matches the id's name (`resource_id` -> Resource); where none matches, a random id
is used and only "no 500, no 2xx" is asserted.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import uuid
from urllib.parse import urlencode

import factory
import pytest
from django.db import transaction
from django.test import Client

import holdfast
from holdfast.core.accounts.models import Membership
from holdfast.core.audit.models import AuditEntry
from holdfast.core.events.models import OutboxEvent
from tests.factories import (
    ApiTokenFactory, CustomerFactory, NotificationFactory, RoleFactory, WebhookDeliveryFactory, WebhookEndpointFactory, member,
)

METHODS = ("get", "post", "put", "patch", "delete")
MARKERS = ("harbour", "alpha marker")  # tenant A's slug/emails and names; an outsider must never read them
OUTSIDER_OK = {403, 404, 422}
UNSYNTHESISABLE = object()


# ---------------------------------------------------------------- schema walking

def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def path_params(path: str) -> list[str]:
    return re.findall(r"{([^}]+)}", path)


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def key_for_param(path: str, param: str) -> str:
    """customer_id -> customer; {id} after /resources/ -> resource; {rule_id} after /price-rules/ -> pricerule
    (the path segment names the model more precisely than a short id name)."""
    segments = path.split("/")
    index = segments.index("{" + param + "}")
    previous = next((s for s in reversed(segments[:index]) if s and not s.startswith("{")), param)
    if param.endswith("_id"):
        stem, named = norm(param[:-3]), norm(singular(previous))
        return named if named != stem and named.endswith(stem) else stem
    return norm(singular(previous)) if param in ("id", "pk") else norm(param)


def key_for_list(path: str) -> str:
    last = [s for s in path.split("/") if s and not s.startswith("{")][-1]
    return norm(singular(last.split(".")[0]))


def resolve(schema, components):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = components[schema["$ref"].split("/")[-1]]
    return schema


def sample(schema, components, depth=0, name=""):
    """A minimal value that satisfies a JSON schema (required fields only)."""
    schema = resolve(schema or {}, components)
    if depth > 6:
        return None
    for combo in ("anyOf", "oneOf"):
        if combo in schema:
            options = [resolve(o, components) for o in schema[combo]]
            options = [o for o in options if o.get("type") != "null"] or options
            return sample(options[0], components, depth + 1)
    if "allOf" in schema:
        return sample(schema["allOf"][0], components, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("default") is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: sample(props.get(key, {}), components, depth + 1, key) for key in schema.get("required", [])}
    if kind == "array":
        return [sample(schema.get("items", {}), components, depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        fmt = schema.get("format")
        later = name.startswith(("end", "until", "check_out", "to_", "last"))  # ranges: the end after the start
        by_format = {"date": "2031-03-10" if later else "2031-03-03", "date-time": "2031-03-10T10:00:00Z" if later else "2031-03-03T10:00:00Z", "time": "10:00:00", "email": "someone@example.com",
                     "uuid": str(uuid.uuid4()), "uri": "https://example.com/hook", "duration": "P1D"}
        if fmt in by_format:
            return by_format[fmt]
        text = "x" * max(schema.get("minLength", 1), 3)
        return text[: schema.get("maxLength", len(text))]
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in schema else 1)
        return int(min(max(low, 1), schema.get("maximum", 10**6)))
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    return None


def required_query(op, components) -> dict:
    return {p["name"]: sample(p.get("schema", {}), components, name=p["name"]) for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}


def body_for(op, components):
    content = op.get("requestBody", {}).get("content", {})
    if not content:
        return None
    if "application/json" not in content:
        return UNSYNTHESISABLE
    return sample(content["application/json"].get("schema", {}), components)


def random_value(op, param):
    spec = next((p for p in op.get("parameters", []) if p["in"] == "path" and p["name"] == param), {})
    schema = spec.get("schema", {})
    if schema.get("type") == "integer":
        return 987_654_321
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "no-such-thing"


# ---------------------------------------------------------------- objects in tenant A

@functools.cache
def app_of(path: str) -> str:
    """/api/v1/estate/payments/{payment_id} -> estate: the app whose models an id most likely names."""
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    return segments[2] if len(segments) > 2 and segments[:2] == ["api", "v1"] else ""


def discovered_factories() -> dict[str, list[type]]:
    """model name (normalised) -> factory classes, from every tests/factories.py in the package.

    Several apps may name a model alike (billing's and estate's Payment): all are kept and the
    path's app chooses between them."""
    found: dict[str, list[type]] = {}
    modules = ["tests.factories"]
    for info in pkgutil.walk_packages(holdfast.__path__, "holdfast."):
        if info.name.endswith(".tests") and importlib.util.find_spec(info.name + ".factories"):
            modules.append(info.name + ".factories")
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory) and value._meta.model is not None:
                same_model = found.setdefault(norm(value._meta.model.__name__), [])
                if all(f._meta.model is not value._meta.model or factory_app(f) != factory_app(value) for f in same_model):
                    same_model.append(value)
    return found


def tenant_kwargs(factory_class, tenant, prefix="", depth=0) -> dict:
    """tenant=A for the object and for every tenant-owned parent it creates through a SubFactory."""
    kwargs = {}
    model = factory_class._meta.model
    if any(f.name == "tenant" for f in model._meta.fields):
        kwargs[prefix + "tenant"] = tenant
    if depth < 3:
        for name, declaration in factory_class._meta.declarations.items():
            if isinstance(declaration, factory.SubFactory):
                kwargs.update(tenant_kwargs(declaration.get_factory(), tenant, f"{prefix}{name}__", depth + 1))
    return kwargs


def create_in(tenant, factory_class):
    try:
        with transaction.atomic():
            obj = factory_class(**tenant_kwargs(factory_class, tenant))
    except Exception:  # a factory that needs more than a tenant: fall back to a random id
        return None
    return obj if getattr(obj, "tenant_id", None) == tenant.pk else None


def factory_app(factory_class) -> str:
    """The app whose tests/factories.py declares it ("estate" for holdfast.verticals.estate.tests.factories)."""
    parts = factory_class.__module__.split(".")
    return parts[-3] if len(parts) >= 3 else ""


def match_factory(key: str, factories: dict, app: str = ""):
    def pick(candidates):
        if len(candidates) > 1:
            # The path's app's own factory first (estate's payment is billing's model made the estate way),
            # then a factory of that app's model.
            candidates = ([f for f in candidates if factory_app(f) == app] or [f for f in candidates if f._meta.model._meta.app_label == app]
                          or [f for f in candidates if factory_app(f) == f._meta.model._meta.app_label] or candidates)
        return candidates[0] if len(candidates) == 1 else None

    if key in factories:
        return pick(factories[key])
    for test in (str.startswith, str.endswith):
        chosen = pick([f for name, group in factories.items() if test(name, key) for f in group])
        if chosen is not None:
            return chosen
    return None


def state_of(obj) -> dict:
    obj = type(obj)._base_manager.get(pk=obj.pk)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in ("updated_at", "last_used_at")}


@functools.cache
def _schema() -> dict:
    return Client().get("/api/openapi.json").json()


@pytest.fixture
def schema():
    return _schema()


@pytest.fixture
def world(tenant, owner, other_tenant, schema):
    """Objects of tenant A for every id name and list name the API uses."""
    webhook = WebhookEndpointFactory(tenant=tenant, description="alpha marker hook")
    objects = {
        "customer": CustomerFactory(tenant=tenant, name="Alpha Marker Customer", email="alpha-marker@harbour.test"),
        "membership": Membership.objects.get(user=member(tenant, "staff", email="alpha-marker-staff@harbour.test")),
        "role": RoleFactory(tenant=tenant, name="Alpha Marker Role"),
        "token": ApiTokenFactory(tenant=tenant, user=owner, name="alpha marker token"),
        "tenant": tenant,
        "notification": NotificationFactory(tenant=tenant, recipient=owner, title="Alpha marker notice"),
        "webhook": webhook,
        "delivery": WebhookDeliveryFactory(endpoint=webhook),
    }
    objects["member"] = objects["membership"]
    factories = discovered_factories()
    keys = set()
    for method, path, op in operations(schema):
        keys.update((app_of(path), key_for_param(path, p)) for p in path_params(path))
        if method == "get" and not path_params(path):
            keys.add((app_of(path), key_for_list(path)))
    made = {}  # one object per factory, shared by every path that names it
    for app, key in sorted(keys):
        if key in objects:
            continue
        chosen = match_factory(key, factories, app)
        if chosen is None:
            continue
        if chosen not in made:
            made[chosen] = create_in(tenant, chosen)
        if made[chosen] is not None:
            objects[(app, key)] = made[chosen]
    return objects


def lookup(world, path: str, key: str):
    """Fixture objects by plain name; factory-made ones by (app of the path, name)."""
    return world.get(key) or world.get((app_of(path), key))


def fill(path, op, world, used=None):
    url = path
    for param in path_params(path):
        obj = lookup(world, path, key_for_param(path, param))
        if used is not None:
            used.append(obj is not None)
        url = url.replace("{" + param + "}", str(obj.pk if obj is not None else random_value(op, param)))
    return url


def send(api_client, method, url, query=None, body=None, headers=None):
    if query:
        url = f"{url}?{urlencode(query)}"
    if method == "get":
        return api_client.get(url, headers=headers)
    if method == "delete":
        return api_client.delete(url, headers=headers)
    return getattr(api_client, method)(url, body if body is not None else {}, headers=headers)


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        # Not consumed and not closed: closing fires request_finished, which would close the test's
        # database connection; an unconsumed generator simply never runs.
        return ""
    return response.content.decode(errors="replace")


# ---------------------------------------------------------------- the matrix

@pytest.mark.django_db
def test_every_secured_operation_refuses_anonymous_and_bad_tokens(schema):
    anonymous, failures, checked = Client(), [], 0
    for method, path, op in operations(schema):
        if not op.get("security"):
            continue  # declared public (e.g. a signed payment webhook); it checks its own signature
        url = re.sub(r"{[^}]+}", "1", path)
        for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer hf_00000000_not-a-real-token"}):
            response = getattr(anonymous, method)(url, **headers)
            status = response.status_code
            text_of(response)
            checked += 1
            if status != 401:
                failures.append(f"{method.upper()} {path} {'bad token' if headers else 'anonymous'} -> {status}")
    assert checked > 40, "the schema walk found too few operations"
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_outsider_cannot_touch_tenant_a_objects_on_any_id_path(schema, world, outsider_api, tenant):
    components = schema.get("components", {}).get("schemas", {})
    snapshots = {key: state_of(obj) for key, obj in world.items() if hasattr(obj, "_meta")}
    audit_before = AuditEntry.objects.filter(tenant=tenant).count()
    outbox_before = OutboxEvent.objects.filter(tenant=tenant).count()
    failures, real_ids = [], 0
    for method, path, op in operations(schema):
        if not path_params(path) or not op.get("security"):
            continue
        used: list[bool] = []
        url = fill(path, op, world, used)
        real_ids += all(used)
        body = body_for(op, components)
        if body is UNSYNTHESISABLE:
            body = None
        response = send(outsider_api, method, url, required_query(op, components), body)
        status = response.status_code
        text = text_of(response)
        allowed = OUTSIDER_OK if all(used) else OUTSIDER_OK | {400}
        if status not in allowed:
            failures.append(f"{method.upper()} {url} as outsider -> {status} {text[:160]}")
        elif any(marker in text.lower() for marker in MARKERS):
            failures.append(f"{method.upper()} {url} as outsider leaked tenant A data: {text[:160]}")
    assert real_ids >= 10, "too few id paths were exercised with real objects of tenant A"
    assert not failures, "\n".join(failures)
    assert AuditEntry.objects.filter(tenant=tenant).count() == audit_before, "an outsider's call changed tenant A"
    assert OutboxEvent.objects.filter(tenant=tenant).count() == outbox_before, "an outsider's call emitted events in tenant A"
    for key, before in snapshots.items():
        assert state_of(world[key]) == before, f"{key} of tenant A was changed by an outsider"


# Path parameters that name no object (a transition's name), so no object of tenant A can fill them.
NOT_OBJECT_PARAMS = {("/api/v1/bookings/{booking_id}/transitions/{name}", "name")}


@pytest.mark.django_db
def test_every_id_path_parameter_is_probed_with_a_real_object_of_tenant_a(schema, world):
    """A new path whose id the matrix cannot fill with a real object would only be probed with a random
    id (a 404 that proves nothing): it fails here until a factory (or an entry above) covers it."""
    unprobed = [f"{method.upper()} {path}: {{{param}}} (key {key_for_param(path, param)!r}, app {app_of(path)})"
                for method, path, op in operations(schema) if op.get("security")
                for param in path_params(path)
                if (path, param) not in NOT_OBJECT_PARAMS and lookup(world, path, key_for_param(path, param)) is None]
    assert not unprobed, "no object of tenant A for these path ids; add a factory in the app's tests/factories.py:\n" + "\n".join(unprobed)


@pytest.mark.django_db
def test_owner_reaches_the_same_objects_so_the_matrix_is_not_vacuous(schema, world, owner_api):
    components = schema.get("components", {}).get("schemas", {})
    reached, failures = 0, []
    for method, path, op in operations(schema):
        if method != "get" or not path_params(path):
            continue
        used: list[bool] = []
        url = fill(path, op, world, used)
        if not all(used):
            continue
        response = send(owner_api, "get", url, required_query(op, components))
        text_of(response)
        if response.status_code >= 500:
            failures.append(f"GET {url} as owner -> {response.status_code}")
        reached += response.status_code == 200
    assert not failures, "\n".join(failures)
    assert reached >= 3


@pytest.mark.django_db
def test_outsider_lists_never_contain_tenant_a_rows(schema, world, outsider_api, owner_api, outsider, other_tenant):
    components = schema.get("components", {}).get("schemas", {})
    CustomerFactory(tenant=other_tenant, name="Rival Own Customer")  # lists are not vacuously empty
    failures, owner_saw_markers = [], False
    for method, path, op in operations(schema):
        if method != "get" or path_params(path) or not op.get("security"):
            continue
        query = required_query(op, components)
        response = send(outsider_api, "get", path, query)
        text = text_of(response).lower()
        if response.status_code >= 500:
            failures.append(f"GET {path} as outsider -> {response.status_code}")
            continue
        if any(marker in text for marker in MARKERS):
            failures.append(f"GET {path} as outsider shows tenant A data: {text[:160]}")
        obj = lookup(world, path, key_for_list(path))
        is_json = response.get("Content-Type", "").startswith("application/json")
        if obj is not None and response.status_code == 200 and is_json and not getattr(response, "streaming", False):
            if obj.pk in ids_in(response.json()):
                failures.append(f"GET {path} as outsider lists {type(obj).__name__} #{obj.pk} of tenant A")
        owner_text = text_of(send(owner_api, "get", path, query)).lower()
        owner_saw_markers |= any(marker in owner_text for marker in MARKERS)
    assert not failures, "\n".join(failures)
    assert owner_saw_markers, "the owner should see tenant A's marked rows in some list, or this test proves nothing"


def ids_in(payload) -> set:
    rows = payload.get("results", payload.get("items", [])) if isinstance(payload, dict) else payload
    return {row.get("id") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


@pytest.mark.django_db
def test_outsider_session_naming_tenant_a_is_refused_on_every_read(schema, outsider, tenant, world):
    components = schema.get("components", {}).get("schemas", {})
    browser = Client()
    browser.force_login(outsider)
    failures = []
    for method, path, op in operations(schema):
        if method != "get" or not op.get("security"):
            continue
        url = fill(path, op, world)
        query = required_query(op, components)
        response = browser.get(f"{url}?{urlencode(query)}" if query else url, HTTP_X_TENANT=tenant.slug)
        text = text_of(response)
        if response.status_code not in (401, 403, 404):
            failures.append(f"GET {url} with X-Tenant of A as outsider session -> {response.status_code} {text[:120]}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- explicit owner / member / outsider

@pytest.mark.django_db
class TestCustomersByRole:
    def test_owner_member_outsider_on_one_customer(self, owner_api, staff_api, outsider_api, customer):
        url = f"/api/v1/customers/{customer.pk}"
        assert owner_api.get(url).status_code == 200
        assert staff_api.get(url).status_code == 200
        assert staff_api.patch(url, {"version": customer.version, "name": "Staff edit"}).status_code == 403
        assert outsider_api.get(url).status_code == 404
        assert outsider_api.patch(url, {"version": customer.version, "name": "Stolen"}).status_code == 404
        for action, body in (("verify", None), ("deactivate", {"reason": "x"}), ("reactivate", None)):
            assert outsider_api.post(f"{url}/{action}", body).status_code == 404
        assert owner_api.patch(url, {"version": customer.version, "name": "Owner edit"}).status_code == 200
        assert "Ada" not in outsider_api.get("/api/v1/customers", {"search": "Ada"}).content.decode()


@pytest.mark.django_db
class TestMembersByRole:
    def test_owner_member_outsider_on_memberships(self, owner_api, staff_api, outsider_api, staff_member, owner):
        staff_membership = Membership.objects.get(user=staff_member)
        emails = [m["email"] for m in owner_api.get("/api/v1/members").json()]
        assert staff_member.email in emails and owner.email in emails
        assert staff_api.get("/api/v1/members").status_code == 403  # Staff lacks members.view
        assert staff_api.patch(f"/api/v1/members/{staff_membership.pk}", {"role": "admin"}).status_code == 403
        assert outsider_api.patch(f"/api/v1/members/{staff_membership.pk}", {"role": "customer"}).status_code == 404
        assert outsider_api.post(f"/api/v1/members/{staff_membership.pk}/deactivate").status_code == 404
        assert staff_member.email not in outsider_api.get("/api/v1/members").content.decode()
        staff_membership.refresh_from_db()
        assert staff_membership.role.key == "staff" and staff_membership.is_active


def test_a_paths_app_gets_its_own_factory_for_a_shared_model():
    factories = discovered_factories()
    assert factory_app(match_factory("payment", factories, "estate")) == "estate"
    assert factory_app(match_factory("payment", factories, "billing")) == "billing"
    assert factory_app(match_factory("payment", factories, "customers")) == "billing"  # the model's own app's factory

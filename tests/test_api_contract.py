"""The OpenAPI document is a contract a client can rely on (issue 16, items 2 and 3).

- the whole document is valid OpenAPI 3.1;
- every component name is one schema: ninja files each schema under its class name and silently keeps
  the last of two alike, so two apps' `PaymentIn` documented one app's body for the other's operation.
  Every Schema class of the package therefore has a name of its own — per-app prefix
  (`EstatePaymentIn`, `HotelPaymentIn`, `PetcareVisitIn`, `StorageSlotOut`, `ApartmentsPackageIn`) —
  and the document never gets two different definitions under one name;
- every operation accepts the body its documentation describes (required fields only, and all fields):
  the request schema may not refuse it — a service may still, with its own code.
"""
from __future__ import annotations

import collections
import importlib
import json
import pkgutil
import re

import pytest
from ninja import Schema
from ninja.openapi.schema import OpenAPISchema

import holdfast
from holdfast.config.api import SCHEMA_REFUSAL_DETAIL, api
from tests.test_isolation_matrix import operations, path_params, random_value, required_query, resolve, sample, send, text_of

from tests.test_isolation_matrix import schema  # noqa: F401  (fixture)


def _import_every_schema_module() -> None:
    for info in pkgutil.walk_packages(holdfast.__path__, "holdfast."):
        if info.name.rsplit(".", 1)[-1] in ("schemas", "api") and ".tests" not in info.name:
            importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def duplicate_schema_class_names() -> dict[str, list[str]]:
    _import_every_schema_module()
    modules: dict[str, set[str]] = collections.defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("holdfast."):
            modules[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    return {name: sorted(where) for name, where in modules.items() if len(where) > 1}


def test_no_two_schema_classes_share_a_name():
    duplicates = duplicate_schema_class_names()
    assert not duplicates, (
        "OpenAPI component names must be unique; prefix a vertical's schemas with its name (EstatePaymentIn, PetcarePaymentIn…):\n"
        + "\n".join(f"{name}: {', '.join(where)}" for name, where in sorted(duplicates.items()))
    )


def test_the_document_never_files_two_definitions_under_one_name(monkeypatch):
    seen: dict[str, set[str]] = collections.defaultdict(set)
    original = OpenAPISchema.add_schema_definitions

    def recording(self, definitions):
        for name, definition in definitions.items():
            seen[name].add(json.dumps(definition, sort_keys=True, default=str))
        return original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    api.clear_schema_cache()  # render it again (the document is cached per process) to see every definition filed
    api.get_openapi_schema()
    clashes = sorted(name for name, definitions in seen.items() if len(definitions) > 1)
    assert len(seen) > 50, "the document should have many component schemas"
    assert not clashes, f"component names with more than one definition (one silently wins): {clashes}"


def test_the_document_is_valid_openapi_3_1(schema):  # noqa: F811
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

    assert schema["openapi"].startswith("3.1")
    validate(json.loads(json.dumps(schema)), cls=OpenAPIV31SpecValidator)


def full_sample(body_schema, components):
    """A value for every documented property, not only the required ones."""
    body_schema = resolve(body_schema, components)
    for combo in ("anyOf", "oneOf"):
        if combo in body_schema:
            body_schema = next((resolve(o, components) for o in body_schema[combo] if resolve(o, components).get("type") != "null"), body_schema)
    if "properties" not in body_schema:
        return sample(body_schema, components)
    return {key: sample(prop, components, name=key) for key, prop in body_schema["properties"].items()}


@pytest.mark.django_db
def test_every_operation_accepts_its_documented_body(schema, owner_api):  # noqa: F811
    components = schema.get("components", {}).get("schemas", {})
    failures, checked = [], 0
    for method, path, op in operations(schema):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content or not op.get("security"):
            continue
        body_schema = content["application/json"].get("schema", {})
        url = path
        for param in path_params(path):
            url = url.replace("{" + param + "}", str(random_value(op, param)))
        for kind, body in (("required fields", sample(body_schema, components)), ("all fields", full_sample(body_schema, components))):
            response = send(owner_api, method, url, required_query(op, components), body)
            text = text_of(response)
            checked += 1
            if response.status_code == 422 and SCHEMA_REFUSAL_DETAIL in text:
                failures.append(f"{method.upper()} {path} refuses its documented body ({kind}) {json.dumps(body)[:160]}: {text[:300]}")
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_a_schema_refusal_is_told_apart_from_a_service_refusal():
    assert re.search(r"\w", SCHEMA_REFUSAL_DETAIL)
    from holdfast.kit.errors import ValidationFailed

    assert ValidationFailed("x").as_problem()["detail"] != SCHEMA_REFUSAL_DETAIL

"""The OpenAPI document is rendered once per process (it took over 60 s per gunicorn worker under load),
and a schema change (an operation mounted later, in a test) is still seen."""
from __future__ import annotations

from ninja import Router

import ninja.main
from holdfast.config.api import HoldfastAPI, api


def test_the_document_is_rendered_once_per_process(monkeypatch):
    api.get_openapi_schema()  # warm (another test may have already)
    calls = []
    real = ninja.main.get_schema
    monkeypatch.setattr(ninja.main, "get_schema", lambda **kw: calls.append(1) or real(**kw))
    first = api.get_openapi_schema()
    second = api.get_openapi_schema()
    assert calls == [] and first is second
    api.clear_schema_cache()
    assert api.get_openapi_schema()["paths"] == first["paths"] and calls == [1]


def test_each_api_sees_its_own_current_operations():
    """Ninja freezes routers at the first render, so the cached document can only be stale if a cache were
    shared: each API instance keeps its own, holding what was mounted."""
    first, second = HoldfastAPI(urls_namespace="cache1"), HoldfastAPI(urls_namespace="cache2")
    one, two = Router(), Router()

    @one.get("/one")
    def one_view(request):
        return {}

    @two.post("/two")
    def two_view(request):
        return {}

    first.add_router("/v1/x", one)
    second.add_router("/v1/y", two)
    assert set(first.get_openapi_schema(path_prefix="")["paths"]) == {"/v1/x/one"}
    assert set(second.get_openapi_schema(path_prefix="")["paths"]) == {"/v1/y/two"}
    assert "409" in {str(k) for k in second.get_openapi_schema(path_prefix="")["paths"]["/v1/y/two"]["post"]["responses"]}

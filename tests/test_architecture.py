"""The architecture rules of DESIGN.md, enforced: import direction, module size, thin views.

(a) import-linter contracts in pyproject.toml (core never imports verticals/web, verticals independent,
    kit imports nothing of ours);
(b) the one-way layering inside an app, with ast: models import no services/selectors/api/views/forms,
    services/selectors import no api/views/forms (any app's);
(c) api.py / views.py and the back office (web/admin.py, any admin*.py) never write through the ORM
    (`X.objects.create/update/delete…`): writes go through services, where the transaction, audit entry
    and event live; an admin overrides no save/delete hook, and every registered admin of a model that
    services own is read-only (the Django user admin is the one exception: accounts, not business records);
    admin modules import no api/views/forms;
(d) no module under holdfast/ exceeds 800 lines (migrations excepted: they are generated).
The rule "tenant-owned models are only read via for_tenant in selectors" is left to the isolation
matrix (tests/test_isolation_matrix.py), which checks the behaviour instead of the spelling.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "holdfast"
MAX_LINES = 800
ORM_WRITES = {"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        yield path


def imported_names(tree: ast.AST, path: Path) -> set[str]:
    """Absolute dotted names a module imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("holdfast.")}


def layer_of(dotted: str) -> str | None:
    for part in dotted.split(".")[2:]:
        if part in {"models", "services", "selectors", "api", "views", "forms", "schemas"}:
            return part
    return None


def test_import_linter_contracts_are_kept():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0


FORBIDDEN = {
    "models": {"services", "selectors", "api", "views", "forms"},
    "services": {"api", "views", "forms"},
    "selectors": {"api", "views", "forms"},  # services and selectors are one layer: they may share helpers
}


def test_layers_inside_apps_point_one_way():
    problems = []
    for path in modules():
        layer = path.stem
        if layer not in FORBIDDEN:
            continue
        for name in imported_names(ast.parse(path.read_text()), path):
            target = layer_of(name)
            if target in FORBIDDEN[layer]:
                problems.append(f"{path.relative_to(ROOT)} ({layer}) imports {name} ({target})")
    assert not problems, "\n".join(problems)


def _receiver_mentions_objects(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return False


def is_admin_module(path: Path) -> bool:
    return path.stem.startswith("admin") or "admin" in path.parts


def write_checked_modules():
    """api/views modules (views_*.py too: screens split out of views.py) and every back-office (admin) module."""
    for path in modules():
        if path.stem in {"api", "views"} or path.stem.startswith("views_") or "views" in path.parts or "api" in path.parts or is_admin_module(path):
            yield path


def test_the_back_office_is_scanned():
    scanned = {str(p.relative_to(ROOT)) for p in write_checked_modules()}
    assert "holdfast/web/admin.py" in scanned and "holdfast/web/admin_scoping.py" in scanned
    assert "holdfast/core/billing/views_prices.py" in scanned and "holdfast/verticals/hotel/views_setup.py" in scanned


ADMIN_WRITE_HOOKS = {"save_model", "delete_model", "save_formset", "save_related", "delete_queryset", "response_add", "response_change"}
ADMIN_FORBIDDEN_LAYERS = {"api", "views", "forms"}


def admin_problems(tree: ast.AST, name: str) -> list[str]:
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ADMIN_WRITE_HOOKS:
            problems.append(f"{name}:{node.lineno} overrides {node.name}(); the back office writes nothing, services do")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"save", "delete"} and not _receiver_mentions_objects(node.func.value):
            problems.append(f"{name}:{node.lineno} calls .{node.func.attr}() on a record; call a service")
    return problems


def test_the_back_office_writes_nothing_and_imports_no_screens():
    problems = []
    for path in modules():
        if not is_admin_module(path):
            continue
        tree = ast.parse(path.read_text())
        problems += admin_problems(tree, str(path.relative_to(ROOT)))
        problems += [f"{path.relative_to(ROOT)} imports {n}" for n in imported_names(tree, path) if layer_of(n) in ADMIN_FORBIDDEN_LAYERS]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_admin_of_a_service_owned_model_is_read_only(rf, super_admin):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    request = rf.get("/admin/")
    request.user = super_admin
    writable = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("holdfast.") or model is get_user_model():
            continue
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request) or model_admin.has_delete_permission(request):
            writable.append(f"{model.__module__}.{model.__name__}")
    assert writable == [], f"the back office may change these service-owned records: {writable}"


@pytest.mark.parametrize("source, flagged", [
    ("class A:\n    def save_model(self, request, obj, form, change):\n        obj.save()", True),
    ("def f(obj):\n    obj.delete()", True),
    ("def f(qs):\n    return qs.filter(x=1)", False),
])
def test_the_admin_write_detector(source, flagged):
    assert bool(admin_problems(ast.parse(source), "x.py")) is flagged


def test_api_and_views_do_not_write_through_the_orm():
    problems = []
    for path in write_checked_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ORM_WRITES:
                if _receiver_mentions_objects(node.func.value):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno} writes with .objects…{node.func.attr}(); call a service")
    assert not problems, "\n".join(problems)


def test_no_module_is_longer_than_800_lines():
    too_long = {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not too_long, f"split these modules: {too_long}"


@pytest.mark.parametrize("source, expected", [
    ("from holdfast.core.customers.services import create_customer", "services"),
    ("from .selectors import customers", "selectors"),
    ("from holdfast.core.customers import api", "api"),
])
def test_the_import_walker_resolves_absolute_and_relative_imports(source, expected):
    path = PACKAGE / "core" / "customers" / "models.py"
    names = imported_names(ast.parse(source), path)
    assert expected in {layer_of(n) for n in names}


@pytest.mark.parametrize("source, writes", [
    ("Customer.objects.create(name='x')", True),
    ("Customer.objects.filter(pk=1).update(name='x')", True),
    ("Customer.objects.for_tenant(t).filter(pk=1).delete()", True),
    ("request.session.update({})", False),
    ("services.create_customer(tenant=t)", False),
])
def test_the_orm_write_detector_tells_writes_from_service_calls(source, writes):
    call = ast.parse(source).body[0].value
    assert (call.func.attr in ORM_WRITES and _receiver_mentions_objects(call.func.value)) is writes

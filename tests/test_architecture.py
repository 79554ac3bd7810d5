"""The architecture rules of DESIGN.md, enforced: import direction, module size, thin views.

(a) import-linter contracts in pyproject.toml (core never imports verticals/web, verticals independent,
    kit imports nothing of ours);
(b) the one-way layering inside an app, with ast: models import no services/selectors/api/views/forms,
    services/selectors import no api/views/forms (any app's);
(c) api.py / views.py never write through the ORM (`X.objects.create/update/delete…`): writes go
    through services, where the transaction, audit entry and event live;
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


def test_api_and_views_do_not_write_through_the_orm():
    problems = []
    for path in modules():
        if path.stem not in {"api", "views"} and "views" not in path.parts and "api" not in path.parts:
            continue
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

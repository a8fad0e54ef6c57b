"""The layers hold: a module never imports an app at its own level or above.

bangkit (core) → proposals → budgets → verification → procurement → reporting → the top apps
(portal, dashboards, audit) → demo. Imports inside functions count, and so do "app.Model"
strings (ForeignKey targets, apps.get_model). The root URLconf and settings are the only
modules that name every app; migrations keep the history they were written with.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
RANK = {
    "bangkit": 0,
    "proposals": 1,
    "budgets": 2,
    "verification": 3,
    "procurement": 4,
    "reporting": 5,
    "portal": 6,
    "dashboards": 6,
    "audit": 6,
    "demo": 8,
}
EXEMPT = {"bangkit/urls.py", "bangkit/settings.py", "bangkit/test_settings.py"}


def imported_modules(tree: ast.AST):
    """(line, module) for every import and every "app.Model" string in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    app, dot, model = arg.value.partition(".")
                    if dot and app in RANK and model[:1].isupper() and "." not in model:
                        yield node.lineno, f"{app}.models"


def wrong_way_imports() -> list[str]:
    found = []
    for app, rank in RANK.items():
        folder = ROOT / app
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in EXEMPT:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), rel)
            for line, module in imported_modules(tree):
                head = module.split(".")[0]
                if head in RANK and head != app and RANK[head] >= rank:
                    found.append(f"{rel}:{line} {app}({rank}) imports {module}({RANK[head]})")
    return found


def test_no_module_imports_its_own_layer_or_above():
    assert wrong_way_imports() == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from reporting.selectors import x", ["reporting.selectors"]),
        ("def f():\n    import procurement.models", ["procurement.models"]),
        ("models.ForeignKey('procurement.Supplier', on_delete=None)", ["procurement.models"]),
        ("apps.get_model('proposals.Proposal')", ["proposals.models"]),
        ("from . import sibling", []),
        ("x = 'bangkit.settings'", []),
    ],
)
def test_the_walk_sees_every_kind_of_import(source, expected):
    assert [module for _, module in imported_modules(ast.parse(source))] == expected


def test_every_app_folder_is_ranked():
    """A new top-level app must say where it stands before it can import anything."""
    apps = {
        p.parent.name
        for p in ROOT.glob("*/apps.py")
        if p.parent.name not in {"tests", "bench", "docs", "fixtures"}
    }
    assert apps <= set(RANK)

"""Every package the code imports directly is declared: pinned in requirements.lock (what a
server installs) and, for the app itself, named in pyproject's dependencies (numpy once arrived
only through imagehash); what only the benchmarks and the tests import is pinned in
requirements-dev.lock.

Imports are read with `ast` from every module of the app (tests and migrations aside; bench,
demo and manage.py included): an import at top level or inside a function counts alike.
"""

import ast
import pathlib
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIPPED = {"tests", "node_modules", "static", "templates", "fixtures", "docs", "media"}
# Import names whose distribution is called otherwise. The installed packages' own metadata
# answers for the rest; this table also answers where a package is not installed.
DISTRIBUTION = {
    "PIL": "pillow",
    "environ": "django-environ",
    "yaml": "PyYAML",
    "django": "Django",
    "django_fsm": "django-fsm-2",
    "csp": "django-csp",
    "axes": "django-axes",
    "import_export": "django-import-export",
    "simple_history": "django-simple-history",
    "storages": "django-storages",
    "imagehash": "ImageHash",
    "psycopg2": "psycopg2-binary",
    "pillow_heif": "pillow-heif",
    "factory": "factory-boy",
    "faker": "Faker",
    "dateutil": "python-dateutil",
    "slugify": "python-slugify",
    "pywt": "PyWavelets",
    "playwright": "playwright",
    "pytest_django": "pytest-django",
    "xdist": "pytest-xdist",
}


def normalise(name: str) -> str:
    """PEP 503: Pillow, pillow and pillow_heif / pillow-heif are the same names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_imports(source: str, filename: str = "<source>") -> set[str]:
    """The first part of every absolute import in `source`, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def own_names() -> set[str]:
    """Our own top-level packages and modules (an app, bench's scripts importing each other)."""
    names = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in ROOT.glob("*.py")}
    names |= {p.stem for p in (ROOT / "bench").glob("*.py")}
    return names


def app_modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in SKIPPED or rel.parts[0].startswith(".") or "migrations" in rel.parts:
            continue
        yield rel.as_posix(), path


def third_party(names: set[str]) -> set[str]:
    return {
        name
        for name in names
        if name not in sys.stdlib_module_names and name not in own_names() and name != "__future__"
    }


def distribution_of(name: str) -> str:
    if name in DISTRIBUTION:
        return DISTRIBUTION[name]
    installed = packages_distributions().get(name)
    return installed[0] if installed else name


RUNTIME_LOCK, DEV_LOCK = "requirements.lock", "requirements-dev.lock"


def locked_requirements(lock: str = RUNTIME_LOCK) -> list[str]:
    """A lock's requirements, each with its options (hashes) joined from its continuation
    lines; comments left out."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    lines = (line.split("#")[0].strip() for line in joined.splitlines())
    return [line for line in lines if line]


def locked(lock: str = RUNTIME_LOCK) -> dict[str, str]:
    """A lock as {normalised name: version}; every line pins one version."""
    pins = {}
    for line in locked_requirements(lock):
        requirement = line.split(" --hash=")[0].strip()
        name, sep, version = requirement.partition("==")
        assert sep, f"{lock}: '{requirement}' is not pinned with =="
        pins[normalise(name.split("[")[0])] = version.strip()
    return pins


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK])
def test_every_locked_package_has_a_hash(lock):
    """`pip install --require-hashes` (a server, make install) refuses a line without one: say
    which."""
    lines = locked_requirements(lock)
    assert lines
    assert [line.split()[0] for line in lines if "--hash=sha256:" not in line] == []


def declared(*, dev: bool = False) -> set[str]:
    """The distributions pyproject names: the app's, and with ``dev`` those of its tools too."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    if dev:
        specs += project["optional-dependencies"]["dev"]
    return {normalise(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for spec in specs}


def imported_distributions() -> dict[str, set[str]]:
    """{distribution: the modules importing it} for the app's direct imports."""
    users: dict[str, set[str]] = {}
    for rel, path in app_modules():
        for name in third_party(top_level_imports(path.read_text(encoding="utf-8"), rel)):
            users.setdefault(distribution_of(name), set()).add(rel)
    return users


def test_the_app_imports_its_usual_packages():
    # The walk reaches the app at all (a broken walk would pass every check below).
    found = {normalise(d) for d in imported_distributions()}
    assert {"django", "pillow", "numpy", "imagehash", "weasyprint"} <= found


def test_every_imported_package_is_pinned_in_requirements_lock():
    """In the runtime lock, a server's install; what only the benchmarks import (a browser
    driver, locust) in the dev lock."""
    runtime, dev = locked(), locked(DEV_LOCK)
    missing = {
        dist: sorted(users)[:3]
        for dist, users in imported_distributions().items()
        if normalise(dist)
        not in (dev if all(user.startswith("bench/") for user in users) else runtime)
    }
    assert missing == {}


def test_every_imported_package_is_a_declared_dependency():
    """The app's imports are its dependencies; what only the benchmarks import (a browser
    driver) is a development dependency."""
    wanted, tools = declared(), declared(dev=True)
    missing = {
        dist: sorted(users)[:3]
        for dist, users in imported_distributions().items()
        if normalise(dist)
        not in (tools if all(user.startswith("bench/") for user in users) else wanted)
    }
    assert missing == {}


def test_the_tests_imports_are_pinned_too():
    pins = locked(DEV_LOCK)
    missing = set()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for name in third_party(top_level_imports(path.read_text(encoding="utf-8"))):
            if name != "tests" and normalise(distribution_of(name)) not in pins:
                missing.add(f"{distribution_of(name)} ({path.relative_to(ROOT)})")
    assert sorted(missing) == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import numpy as np", {"numpy"}),
        ("from PIL import Image", {"PIL"}),
        ("def f():\n    import yaml.loader", {"yaml"}),
        ("from . import sibling\nfrom .models import X", set()),
        ("import os, json\nfrom collections import abc", set()),
        ("from proposals.models import Proposal", set()),
    ],
)
def test_the_walk_keeps_third_party_imports_only(source, expected):
    assert third_party(top_level_imports(source)) == expected


@pytest.mark.parametrize(
    "name, distribution",
    [("PIL", "pillow"), ("environ", "django-environ"), ("yaml", "PyYAML"), ("numpy", "numpy")],
)
def test_import_names_map_to_distributions(name, distribution):
    assert normalise(distribution_of(name)) == normalise(distribution)


def test_numpy_is_pinned_at_the_installed_version():
    from importlib.metadata import version

    assert locked()["numpy"] == version("numpy")

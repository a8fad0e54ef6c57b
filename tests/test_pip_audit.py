"""scripts/pip_audit.py: a vulnerability fails CI, an unreachable advisory database is skipped
with one clear line and never passes as an all-clear."""

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "scripts" / "pip_audit.py"
spec = importlib.util.spec_from_file_location("pip_audit_script", PATH)
pip_audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_audit)


def dependency(name, version="1.0", vulns=(), skip=None):
    found = {"name": name, "version": version, "vulns": list(vulns)}
    if skip:
        found = {"name": name, "version": version, "skip_reason": skip}
    return found


def test_a_known_vulnerability_fails_and_names_the_package_and_the_fix():
    report = {
        "dependencies": [
            dependency("django", "5.2.1", [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}]),
            dependency("six", "1.17.0"),
        ]
    }
    code, lines = pip_audit.verdict(report, "", 1)
    assert code == 1
    assert "  django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in lines


def test_a_clean_audit_passes_and_says_what_it_could_not_look_up():
    report = {
        "dependencies": [
            dependency("django", "5.2.19"),
            dependency("bangkit-local", "0.1", skip="Dependency not found on PyPI"),
        ]
    }
    code, lines = pip_audit.verdict(report, "", 0)
    assert code == 0
    assert lines[0] == "pip-audit: 1 packages audited, no known vulnerabilities"
    assert "bangkit-local 0.1" in lines[1]


def test_nothing_looked_up_is_skipped_not_an_all_clear():
    # A mirror without per-version JSON: pip-audit itself says "No known vulnerabilities".
    report = {"dependencies": [dependency(n, skip="Dependency not found on PyPI") for n in "ab"]}
    code, lines = pip_audit.verdict(report, "", 0)
    assert code == 0
    assert lines[0].startswith("pip-audit: advisory database unreachable, skipped")


@pytest.mark.parametrize(
    "stderr",
    [
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded",
        "ERROR: Temporary failure in name resolution",
        "pip_audit._service.interface.ServiceError: Read timed out.",
    ],
)
def test_a_network_error_is_skipped_with_one_line(stderr):
    code, lines = pip_audit.verdict(None, stderr, 1)
    assert code == 0
    assert len(lines) == 1
    assert lines[0].startswith("pip-audit: advisory database unreachable, skipped")


def test_any_other_failure_fails():
    code, lines = pip_audit.verdict(None, "Invalid requirement: 'django=='", 1)
    assert code == 1
    assert "Invalid requirement" in lines[1]

"""pip-audit of requirements-dev.lock for CI: fail on a known vulnerability, skip with one clear
line when the advisory database cannot be reached (docs/DEPENDENCIES.md says why). The dev lock
holds every pin of requirements.lock (production's packages) at the same version, and the tools.

    .venv/bin/python scripts/pip_audit.py [extra pip-audit options, e.g. --ignore-vuln ID]

pip-audit asks PyPI's JSON API for each pinned version's advisories. Unreachable, it either
fails with a network error or, behind a mirror that serves no per-version JSON, reports every
package as "not found on PyPI" and says "No known vulnerabilities found", which would be a
false all-clear: both are reported here as skipped, never as passed.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = "requirements-dev.lock"
SKIPPED = "pip-audit: advisory database unreachable, skipped"
NETWORK_ERRORS = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|Max retries exceeded|Failed to establish|"
    r"Name or service not known|Temporary failure in name resolution|timed out|ProxyError|"
    r"SSLError|ServiceError|Network is unreachable|Connection refused",
    re.IGNORECASE,
)


def verdict(report: dict | None, stderr: str, status: int) -> tuple[int, list[str]]:
    """(exit code, lines to print) from pip-audit's JSON report, its stderr and exit code."""
    if report is None:
        if NETWORK_ERRORS.search(stderr):
            return 0, [f"{SKIPPED} ({NETWORK_ERRORS.search(stderr).group(0)})"]
        return 1, ["pip-audit failed:", stderr.strip()[-3000:]]
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        return 0, [f"{SKIPPED} (none of {len(dependencies)} packages could be looked up)"]
    found = [
        f"  {d['name']} {d['version']}: {v['id']}"
        + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
        for d in audited
        for v in d.get("vulns", [])
    ]
    skipped = [f"{d['name']} {d['version']}" for d in dependencies if "skip_reason" in d]
    notes = [f"  not audited ({len(skipped)}): {', '.join(skipped)}"] if skipped else []
    if found:
        return 1, [f"pip-audit: {len(found)} known vulnerabilities in {LOCK}:"] + (found + notes)
    if status != 0:
        return 1, ["pip-audit failed:", stderr.strip()[-3000:]]
    return 0, [f"pip-audit: {len(audited)} packages audited, no known vulnerabilities"] + notes


def main(extra: list[str]) -> int:
    audit = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        done = subprocess.run(
            [str(audit), "--requirement", str(ROOT / LOCK), "--disable-pip"]
            + ["--progress-spinner", "off", "--timeout", os.environ.get("PIP_AUDIT_TIMEOUT", "20")]
            + ["--format", "json", "--output", str(output), *extra],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            report = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
    code, lines = verdict(report, done.stderr, done.returncode)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Audit the pinned requirements for known vulnerabilities with pip-audit.

    .venv/bin/python .ci/audit.py [REQUIREMENTS] [PIP-AUDIT OPTIONS...]

Exits 1 on any finding, or when pip-audit fails for another reason. When the vulnerability
database cannot be reached (no network, or every package unknown to it), it says so plainly
and exits 0: the run goes on, but never as a silent pass. pip-audit reads its service from
the environment (PIP_AUDIT_VULNERABILITY_SERVICE, PIP_AUDIT_OSV_URL).
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

UNREACHABLE = "pip-audit: vulnerability database unreachable, dependency audit NOT performed"
# What pip-audit's failure says when it could not talk to the database at all.
NETWORK_FAILURES = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Could not connect",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
)


def audit(requirements: str, options: list[str]) -> int:
    pip_audit = Path(sys.executable).parent / "pip-audit"
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        result = subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
            [
                str(pip_audit),
                "--requirement",
                requirements,
                "--format",
                "json",
                "--output",
                str(report),
                "--progress-spinner",
                "off",
                *options,
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        text = report.read_text() if report.exists() else ""
    if not text.strip():
        if any(sign in result.stderr for sign in NETWORK_FAILURES):
            print(UNREACHABLE)
            print(f"  ({result.stderr.strip().splitlines()[-1][:300]})")
            return 0
        print(result.stderr[-5000:])
        print("pip-audit: the audit failed (see above)")
        return 1
    return judge(json.loads(text)["dependencies"])


def judge(dependencies: list[dict]) -> int:
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(
                f"pip-audit: {dependency['name']} {dependency['version']} has {vuln['id']} "
                f"(fixed in {fixed})"
            )
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable packages: update them in requirements.txt")
        return 1
    if not audited:
        print(UNREACHABLE)
        if skipped:
            print(f"  ({len(skipped)} packages not found: {skipped[0]['skip_reason']})")
        return 0
    if skipped:
        names = ", ".join(d["name"] for d in skipped)
        print(f"pip-audit: NOT audited ({len(skipped)} of {len(dependencies)}): {names}")
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(audit(arguments[0] if arguments else "requirements.txt", arguments[1:]))

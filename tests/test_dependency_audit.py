"""CI's dependency audit (.ci/audit.py): a known vulnerability fails the run, and a database
that cannot be reached is said plainly, never passed over in silence. The real pip-audit runs;
the vulnerability database is the edge of the world, so a stand-in OSV service on this machine
answers it."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE = "pip-audit: vulnerability database unreachable, dependency audit NOT performed"
ADVISORY = {
    "id": "GHSA-test-0001",
    "summary": "A made-up flaw for the test",
    "affected": [
        {
            "package": {"name": "django", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.9"}]}],
        }
    ],
}


class OSVStandIn(BaseHTTPRequestHandler):
    """Answers OSV's /v1/query: the advisory above for Django, nothing for anything else."""

    vulnerable: set = set()

    def do_POST(self):  # noqa: N802 (http.server's name)
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name = query["package"]["name"]
        body = json.dumps({"vulns": [ADVISORY]} if name in self.vulnerable else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def osv():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OSVStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    OSVStandIn.vulnerable = set()


@pytest.fixture
def requirements(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("Django==5.2.19\nMarkdown==3.11.3\n")
    return path


def _audit(requirements, osv_url, tmp_path):
    # --no-deps --disable-pip: the two pinned packages only, without building a virtualenv.
    return subprocess.run(
        [sys.executable, ".ci/audit.py", str(requirements), "--no-deps", "--disable-pip"],
        cwd=ROOT,
        env={
            **os.environ,
            "PIP_AUDIT_VULNERABILITY_SERVICE": "osv",
            "PIP_AUDIT_OSV_URL": osv_url,
            "PIP_AUDIT_CACHE_DIR": str(tmp_path / "cache"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_known_vulnerability_fails_the_run(osv, requirements, tmp_path):
    OSVStandIn.vulnerable = {"django"}

    result = _audit(requirements, f"http://127.0.0.1:{osv.server_port}/v1/query", tmp_path)

    assert result.returncode == 1
    assert "django 5.2.19 has GHSA-test-0001 (fixed in 9.9)" in result.stdout


def test_a_clean_audit_says_how_many_packages_it_checked(osv, requirements, tmp_path):
    result = _audit(requirements, f"http://127.0.0.1:{osv.server_port}/v1/query", tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "pip-audit: 2 packages audited, no known vulnerabilities" in result.stdout


def test_an_unreachable_database_is_said_plainly_and_does_not_fail_the_run(requirements, tmp_path):
    # Nothing listens on port 1.
    result = _audit(requirements, "http://127.0.0.1:1/v1/query", tmp_path)

    assert result.returncode == 0
    assert UNREACHABLE in result.stdout


def _judge():
    spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.judge


def test_a_database_that_knows_none_of_the_packages_is_no_audit(capsys):
    # What PyPI's service answers when its JSON API is out of reach behind a mirror: 404s.
    skipped = [
        {"name": "django", "skip_reason": "Dependency not found on PyPI: django (5.2.19)"},
        {"name": "markdown", "skip_reason": "Dependency not found on PyPI: markdown (3.11.3)"},
    ]

    assert _judge()(skipped) == 0
    assert UNREACHABLE in capsys.readouterr().out


def test_packages_left_unaudited_are_named(capsys):
    dependencies = [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {"name": "markdown", "skip_reason": "Dependency not found on PyPI: markdown (3.11.3)"},
    ]

    assert _judge()(dependencies) == 0
    out = capsys.readouterr().out
    assert "pip-audit: NOT audited (1 of 2): markdown" in out
    assert "1 packages audited, no known vulnerabilities" in out

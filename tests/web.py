"""Real web processes for the tests: gunicorn serving the portal against the test database,
and a visitor that talks to them the way a browser does (cookies, CSRF token), over a fresh
connection for every request."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.worker import test_database_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path


def portal_env(**extra) -> dict:
    """The environment of a portal process on the test database: the settings `make run`
    uses (portal.settings.base: the real rate limits and password hashing), the test
    database, and the broker and cache the suite runs on."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": test_database_url(),
        **extra,
    }


def wait_for_http(port: int, *, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not answer in {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(*, workers: int = 1, env: dict | None = None, name: str = "web"):
    """One gunicorn master with `workers` workers, configured by gunicorn.conf.py as in the
    Procfile. Its output (access and error log) goes to var/test-<name>-<port>.log."""
    port = free_port()
    log_path = ROOT / "var" / f"test-{name}-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=portal_env(**(env or {})),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(port, process=process)
        yield Server(port=port, process=process, log=log_path)
    finally:
        stop(process)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


class Visitor:
    """One browser: its own cookies, sent to whichever server it asks."""

    def __init__(self, headers: dict | None = None):
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def get(self, server: Server, path: str, *, headers: dict | None = None) -> Response:
        return self._request(server, "GET", path, None, headers)

    def post(
        self, server: Server, path: str, data: dict, *, headers: dict | None = None
    ) -> Response:
        """POST a form with the CSRF token, fetching the page first if no token is set yet."""
        if "csrftoken" not in self.cookies:
            self.get(server, path, headers=headers)
        body = urlencode({**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}, doseq=True)
        return self._request(server, "POST", path, body, headers)

    def _request(self, server, method, path, body, headers) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        all_headers = {"Host": f"127.0.0.1:{server.port}", **self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read().decode())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response


@contextmanager
def procfile_process(kind: str, *, env: dict, log_path: Path):
    """Run the Procfile's `kind` line (web, worker, beat) exactly as honcho would: through the
    shell, with the given environment, its whole output into `log_path`."""
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {lines[kind].strip()}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)

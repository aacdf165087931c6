"""A PostgreSQL and a Redis of a test's own, on spare ports, that the test can stop and start
again: the outages the recovery tests survive are real restarts of real servers."""

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

# Ports kept for the suite's own servers, clear of the machine's PostgreSQL and Redis.
POSTGRES_PORTS = range(55432, 55440)
REDIS_PORTS = range(56379, 56390)


def spare_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise RuntimeError("PostgreSQL's server programs (pg_ctl, initdb) are not installed")
    return Path(pg_ctl).resolve().parent


class Postgres:
    """initdb into `root`; `start()` and `stop()` run the server on a spare port."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.port = spare_port(POSTGRES_PORTS)
        self.bin = _postgres_bin()
        self.log = root / "postgres.log"
        self._as_postgres = []
        if os.geteuid() == 0:
            # The server refuses to run as root: run it as the postgres user.
            shutil.chown(root, "postgres")
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, program, *args):
        subprocess.run(
            [*self._as_postgres, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c fsync=off -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        # "fast": every open connection is cut, as when a server is restarted for real.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def createdb(self, name: str = "portal") -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


class Redis:
    """A redis-server with no persistence on a spare port: a restart loses every message."""

    def __init__(self, root: Path):
        self.root = root
        self.port = spare_port(REDIS_PORTS)
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not self.ping():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
        )
        return result.stdout.strip() == "PONG"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

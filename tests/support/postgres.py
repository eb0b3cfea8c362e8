"""A throwaway PostgreSQL cluster on 127.0.0.1 for the storage and ingest tests.

Debian's ``postgresql`` package provides the binaries; the cluster lives in a
temporary directory, listens on a free loopback port, trusts local users and is
removed at the end of the session. ``TANDEM_TEST_POSTGRES_URL`` points the
tests at an existing server instead. :class:`Cluster` can also be stopped and
started again on the same port, for the tests of a database that goes away.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.support.ports import free_port


def postgres_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_cluster_owner(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; as root, run it as the ``postgres`` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class Cluster:
    """A cluster of the test session's own in a temporary directory, on a fixed port."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL binaries not found; `make test` installs them")
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "sock"
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "tandem",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database."""
        return f"postgresql+psycopg://tandem@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and return once it accepts connections."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.sockets} -c fsync=off"
        )
        log = str(self.root / "server.log")
        self._pg(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "60", "start"
        )
        deadline = time.monotonic() + 30
        while not self.is_ready():
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not become ready")
            time.sleep(0.2)  # between polls only; readiness is what we wait on

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` ends every session with an error, as a restart does)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_ready(self) -> bool:
        ready = [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(ready, capture_output=True).returncode == 0

    def remove(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        subprocess.run(
            _as_cluster_owner(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg(self, program: str, *args: str) -> None:
        command = _as_cluster_owner([str(self.bin_dir / program), *args])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} exited with {done.returncode}:\n{done.stdout}{done.stderr}"
            )


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A started :class:`Cluster`, removed at the end."""
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster and yield a SQLAlchemy URL to its ``postgres`` database."""
    with running_cluster() as cluster:
        yield cluster.url


@contextmanager
def database_from(postgres_url: str, template: str, name: str) -> Iterator[str]:
    """A database ``name`` copied from ``template`` on ``postgres_url``'s server; its URL.

    Copying a template is how a test gets a migrated (or already ingested) store of
    its own in milliseconds; the copy is dropped on exit, even with sessions open.
    """
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

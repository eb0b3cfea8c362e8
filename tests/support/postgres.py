"""A throwaway PostgreSQL cluster on 127.0.0.1 for the storage and ingest tests.

Debian's ``postgresql`` package provides the binaries; the cluster lives in a
temporary directory, listens on a free loopback port, trusts local users and is
removed at the end of the session. ``TANDEM_TEST_POSTGRES_URL`` points the
tests at an existing server instead.
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


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster and yield a SQLAlchemy URL to its ``postgres`` database."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL binaries not found; `make test` installs them")
    root = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    os.chmod(root, 0o755)
    port = free_port()
    subprocess.run(
        _as_cluster_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "tandem",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {sockets} -c fsync=off"
    subprocess.run(
        _as_cluster_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
            ).returncode
            != 0
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not become ready")
            time.sleep(0.2)
        yield f"postgresql+psycopg://tandem@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_cluster_owner(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
            ),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)

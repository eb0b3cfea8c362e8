"""Running the suite on pytest-xdist workers (`make test` runs ``-n 2 --dist loadgroup``).

Tests go to the workers one at a time, except where a fixture costs more than the tests
that share it: every test of a module with a module-scoped fixture runs on one worker (the
fixture is built once, as in a serial run), and every test that uses the Spark session runs
on one worker, as does every test under tests/spark/ (a session takes ~1.5 GB and 10-15 s
to start). The tests under tests/browser/ share one worker too: each worker would otherwise
start its own servers over the seeded and the empty database, and each server pays for its
first visit of every page (imports, loaders, caches) again. Session fixtures that are cheap
to repeat (a PostgreSQL cluster, a Streamlit server, Chromium) are per worker; the seeded
data dir, which takes about a minute, is built once for all workers (``shared_dir``).

The groups travel from the workers (which collect, so they know each test's fixtures) to the
controller (which schedules) in a JSON file per worker. xdist's own ``--dist loadgroup``
passes them by renaming the test's node id, which pytest 9.2 no longer lets it do
(pytest-dev/pytest-xdist#1386: the marks are silently ignored); ``GroupScheduling`` replaces
it and still honours an explicit ``xdist_group`` mark.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from xdist.scheduler import LoadGroupScheduling

SPARK = "spark"
BROWSER = "browser"
SHARED_SCOPES = {"module", "class", "package"}
GROUPS = "TANDEM_XDIST_GROUPS"  # the folder of the workers' JSON files, set by the controller


def worker_id() -> str:
    """``gw0``, ``gw1``, ... under xdist; ``master`` in a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


def group_of(item: pytest.Item) -> str | None:
    """The xdist group of ``item``: its mark's, ``spark``, ``browser``, its module's, or none."""
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    info = getattr(item, "_fixtureinfo", None)
    if item.nodeid.startswith("tests/spark/") or (info and SPARK in info.names_closure):
        return SPARK  # also the Spark tests that start Spark in a `tandem` subprocess
    if item.nodeid.startswith("tests/browser/"):
        return BROWSER
    if info is None:
        return None
    for name in info.names_closure:
        if any(d.scope in SHARED_SCOPES for d in info.name2fixturedefs.get(name, ())):
            return item.nodeid.split("::")[0]
    return None


def publish_groups(items: list[pytest.Item]) -> None:
    """On a worker: write which collected tests belong to a group, for the controller."""
    folder = os.environ.get(GROUPS)
    if folder is None or worker_id() == "master":
        return
    groups = {item.nodeid: group for item in items if (group := group_of(item))}
    path = Path(folder) / f"{worker_id()}.json"
    path.with_suffix(".tmp").write_text(json.dumps(groups))
    path.with_suffix(".tmp").rename(path)


class GroupScheduling(LoadGroupScheduling):
    """``--dist loadgroup`` with the groups read from the workers' files.

    ``schedule`` runs once every worker has reported its collection, which each does after
    writing its file, so the files are complete when the first scope is asked for.
    """

    def __init__(self, config: pytest.Config, log: object, folder: Path) -> None:
        super().__init__(config, log)  # type: ignore[arg-type]
        self._folder = folder
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            self._groups = {}
            for path in sorted(self._folder.glob("*.json")):
                self._groups.update(json.loads(path.read_text()))
        return self._groups.get(nodeid) or super()._split_scope(nodeid)


def shared_dir(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``name`` under the run's temp root, built by ``build`` once for every worker.

    The first worker to ask builds it under a file lock; the others wait, then reuse it.
    A build that fails leaves no ``.done`` mark, so the next worker to ask tries again
    (and fails the same way, with its own traceback).
    """
    base = factory.getbasetemp()
    root = base.parent if worker_id() != "master" else base
    path, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir()
            build(path)
            done.touch()
    return path

"""Shared fixtures: migrated databases on SQLite and on a real PostgreSQL.

Like MLflow's tests, the schema is migrated once per session and each test
gets a copy: a copied SQLite file, or a PostgreSQL database created from a
migrated template.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from app.store.db import dispose_engines, get_engine
from app.store.migrate import upgrade
from tests.support.postgres import database_from, postgres_bin_dir, throwaway_cluster
from tests.support.workers import GROUPS, GroupScheduling, publish_groups, shared_dir, worker_id

# Chromium fixtures (``browser``, ``page``), defined once for every package that drives a page.
pytest_plugins = ["tests.support.browser"]

_counter = itertools.count()


# Which tests share an xdist worker under `--dist loadgroup`: see tests/support/workers.py.
def pytest_configure(config: pytest.Config) -> None:
    if worker_id() == "master" and config.getoption("dist", "no") == "loadgroup":
        os.environ[GROUPS] = tempfile.mkdtemp(prefix="tandem-xdist-groups-")  # workers inherit


def pytest_unconfigure(config: pytest.Config) -> None:
    if worker_id() == "master" and GROUPS in os.environ:
        shutil.rmtree(os.environ.pop(GROUPS), ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    publish_groups(items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> GroupScheduling | None:
    if GROUPS not in os.environ:
        return None
    return GroupScheduling(config, log, Path(os.environ[GROUPS]))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tandem.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


# The migrated template database on the PostgreSQL server. Each xdist worker starts a
# cluster of its own, but a server named by TANDEM_TEST_POSTGRES_URL is shared by the workers.
TEMPLATE = f"tandem_template_{worker_id()}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a server with a migrated ``TEMPLATE`` database."""
    url = os.environ.get("TANDEM_TEST_POSTGRES_URL")
    if url:
        yield from _with_template(url)
        return
    if postgres_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; `make test` installs it")
        pytest.skip("PostgreSQL is not installed (run `make test` to install it)")
    with throwaway_cluster() as server_url:
        yield from _with_template(server_url)


def _with_template(server_url: str) -> Iterator[str]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    template = create_engine(server_url.rsplit("/", 1)[0] + f"/{TEMPLATE}")
    upgrade(template)
    template.dispose()
    yield server_url
    admin.dispose()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TANDEM_DATA_DIR for the test (production Parquet goes here)."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("TANDEM_DATA_DIR", str(path))
    return path


@pytest.fixture
def sqlite_engine(
    sqlite_template: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A migrated SQLite database of the test's own, also the configured default."""
    path = data_dir / "tandem.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    yield get_engine(url)
    dispose_engines()


@pytest.fixture
def postgres_engine(
    postgres_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A migrated PostgreSQL database of the test's own, also the configured default."""
    name = f"tandem_test_{os.getpid()}_{next(_counter)}"
    with database_from(postgres_url, TEMPLATE, name) as url:
        monkeypatch.setenv("TANDEM_DATABASE_URL", url)
        yield get_engine(url)
        dispose_engines()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Runs the test once on SQLite and once on a real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


# The seed's clock in tests: a fixed moment, so that the seeded data (which ends at 00:00
# UTC of this day) is the same at any hour and on any date the suite runs.
SEED_NOW = datetime(2026, 12, 1, 13, 20, tzinfo=UTC)


@pytest.fixture(scope="session")
def seeded_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir (SQLite file + production Parquet) seeded from sample_data/ at SEED_NOW,
    once for all xdist workers. Tests copy it and never write to it."""
    return shared_dir(tmp_path_factory, "seeded", lambda root: _seed(sqlite_template, root))


def _seed(sqlite_template: Path, root: Path) -> None:
    from app.seed import seed_database

    shutil.copy(sqlite_template, root / "tandem.db")
    previous = os.environ.get("TANDEM_DATA_DIR")
    os.environ["TANDEM_DATA_DIR"] = str(root)
    try:
        engine = create_engine(f"sqlite:///{root / 'tandem.db'}")
        seed_database(engine=engine, now=SEED_NOW)
        engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("TANDEM_DATA_DIR")
        else:
            os.environ["TANDEM_DATA_DIR"] = previous


@pytest.fixture
def seeded_engine(
    seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A copy of the seeded data dir of the test's own, configured as the default."""
    root = tmp_path / "seeded"
    shutil.copytree(seeded_template, root)
    url = f"sqlite:///{root / 'tandem.db'}"
    monkeypatch.setenv("TANDEM_DATA_DIR", str(root))
    monkeypatch.setenv("TANDEM_DATABASE_URL", url)
    yield get_engine(url)
    dispose_engines()

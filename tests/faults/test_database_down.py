"""PostgreSQL stopped under a running Tandem: say so in one line or one message, then recover.

The server really stops (``pg_ctl stop -m fast``) and starts again on the same
port; the pages run in one AppTest process throughout, so its engine, pool
and caches are the ones that must not stay broken.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from app.config import PROJECT_ROOT
from app.store.availability import unavailable
from tests.faults.conftest import assert_one_line_error, load_devops, tandem
from tests.support.postgres import Cluster

PAGES = sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "app_pages").glob("*.py"))
UNAVAILABLE = "The database is unavailable"


def test_status_against_a_stopped_server_exits_3_in_one_line(pg_url: str, cluster: Cluster) -> None:
    load_devops(pg_url)

    cluster.stop()
    stopped = tandem("status")
    cluster.start()

    assert stopped.returncode == 3, stopped.stderr
    assert_one_line_error(stopped.stderr, "database unavailable", f":{cluster.port}/")
    assert "internal error" not in stopped.stderr
    back = tandem("status")
    assert back.returncode == 0, back.stderr
    assert "checkout-api" in back.stdout


def test_a_server_that_never_answers_is_given_up_on_in_one_line(data_dir: Path) -> None:
    """A listening socket that never speaks (a hung server, a half-open route): libpq would
    wait for ever; Tandem gives up after its connect timeout and says so."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://tandem@127.0.0.1:{port}/tandem"
        hung = tandem("status", env={"TANDEM_DATABASE_URL": url}, timeout=180)

    assert hung.returncode == 3, hung.stderr
    assert_one_line_error(hung.stderr, "database unavailable", f":{port}/", "timeout")


def _open(page: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=120)
    app.switch_page(page)
    return app.run()


def _shown(app: AppTest) -> str:
    """The text of every error, text and Markdown element, sidebar included."""
    parts = [str(e.value) for e in app.error] + [str(e.value) for e in app.text]
    return "\n".join(parts + [str(e.value) for e in app.markdown])


def _systems_offered(app: AppTest) -> list[str] | None:
    """The sidebar's system picker's options; None when the picker is not drawn."""
    pickers = [box for box in app.sidebar.selectbox if box.label == "System"]
    return list(pickers[0].options) if pickers else None


@pytest.mark.parametrize("page", PAGES)
def test_pages_say_the_database_is_unavailable_and_recover(
    page: str, pg_url: str, cluster: Cluster
) -> None:
    load_devops(pg_url)
    app = _open(page)
    assert not app.exception, app.exception[0].message
    assert UNAVAILABLE not in _shown(app)
    assert "checkout-api" in (_systems_offered(app) or [])

    cluster.stop()
    try:
        app.run()  # the same session: its engine's pooled connections are now dead
        assert not app.exception, app.exception[0].message
        assert UNAVAILABLE in _shown(app)
        assert "Connection refused" in _shown(app)
        assert _systems_offered(app) is None
    finally:
        cluster.start()

    app.run()
    assert not app.exception, app.exception[0].message
    assert UNAVAILABLE not in _shown(app)
    assert "checkout-api" in (_systems_offered(app) or [])


def test_a_query_error_that_is_not_an_outage_still_raises(engine: Engine) -> None:
    """Only an outage is softened: a bug (here, a missing table) stays an exception."""
    with pytest.raises(DBAPIError) as raised, engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    assert unavailable(raised.value) is None

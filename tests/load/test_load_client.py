"""The load client against the real server: it sees every page finish, and sees errors.

``bench_load`` trusts this client to count errors and script times for 50
sessions; these tests keep it honest in ``make test``: a few sessions visit
every page of the seeded app and every visit finishes without an error, and a
script that raises or shows ``st.error``, or a page that does not exist, is
reported as an error.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.streamlit_client import StreamlitSession
from tests.support.streamlit_load import run_in_own_loop, run_load
from tests.support.streamlit_server import RunningApp, serve_app

pytestmark = pytest.mark.slow

QUERIES = [
    {"system": "fraud-scoring", "range": "90d"},
    {"system": "checkout-api", "range": "30d"},
    {"system": "All systems", "range": "7d"},
]
TITLES = {
    "Overview",
    "Service health",
    "Drift",
    "Data quality",
    "Model performance",
    "Experiments",
    "Lineage",
    "Thresholds",
}


@pytest.fixture(scope="module")
def served(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("load-client") / "data"
    shutil.copytree(seeded_template, data_dir)
    with serve_app(data_dir) as app:
        yield app


def test_three_sessions_visit_every_page_without_an_error(served: RunningApp) -> None:
    report = run_load(served.url, 3, QUERIES, rounds=1)

    assert report.errors == []
    assert set(report.times()) == TITLES
    assert sorted(len(times) for times in report.times().values()) == [3] * len(TITLES)
    assert {visit.session for visit in report.visits} == {0, 1, 2}
    assert all(visit.seconds > 0 for visit in report.visits)


def test_a_page_shows_the_sidebar_selection_it_was_asked_for(served: RunningApp) -> None:
    async def visit() -> list[str]:
        async with StreamlitSession(served.url, keep_elements=True) as session:
            await session.open("")
            run = await session.open("thresholds", {"system": "checkout-api", "range": "7d"})
            assert run.errors == ()
            return list(run.texts())

    texts = run_in_own_loop(visit())

    assert "Thresholds" in texts  # the page asked for, not the default page
    assert any(table_cell == "monitor.drift_share" for table_cell in texts)  # the table's rows
    assert "checkout-api" in texts


def test_an_unknown_page_is_an_error(served: RunningApp) -> None:
    async def visit() -> tuple[str, ...]:
        async with StreamlitSession(served.url) as session:
            return (await session.open("no-such-page")).errors

    assert run_in_own_loop(visit()) == ("page not found: ''",)


PLANTED = """
import streamlit as st

st.write("before the failure")
if st.query_params.get("fail") == "alert":
    st.error("planted alert")
else:
    raise ValueError("planted failure")
"""


def test_an_exception_or_an_st_error_on_the_page_is_an_error(tmp_path: Path) -> None:
    script = tmp_path / "planted.py"
    script.write_text(PLANTED)
    with serve_app(tmp_path, script=script) as app:
        report = run_load(app.url, 2, [{"fail": "raise"}, {"fail": "alert"}], rounds=2)

    errors = sorted((visit.session, visit.errors) for visit in report.visits)
    assert errors == [
        (0, ("ValueError: planted failure",)),
        (0, ("ValueError: planted failure",)),
        (1, ("st.error: planted alert",)),
        (1, ("st.error: planted alert",)),
    ]

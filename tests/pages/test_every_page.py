"""Every page in app_pages/, headless, on the seeded and on the empty database.

The page list is read from the folder, so a new page is covered without editing
this file. Each page on an empty database must say so: an ``st.info`` whose bold
lead says what is missing ("**No ... yet.**", "**No training runs ...**") and that
names the ``tandem`` command that loads it. On the seeded database the same page
must show its content instead of that message.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from app.config import PROJECT_ROOT
from tests.pages.conftest import run_app

PAGES = sorted(p.relative_to(PROJECT_ROOT).as_posix() for p in PROJECT_ROOT.glob("app_pages/*.py"))


def _open(page: str) -> AppTest:
    # 90 days: the seeded data (ending at SEED_NOW) lies inside the range every page reads.
    return run_app({"range": "90d"}, timeout=180, page=page)


def _empty_state(app: AppTest) -> list[str]:
    """The infos that explain an absence and name the command that fills it."""
    return [i.value for i in app.info if i.value.startswith("**No ") and "`tandem " in i.value]


def _content(app: AppTest) -> int:
    """How many elements show data: tables, charts, metrics and HTML tiles."""
    kinds = ("dataframe", "plotly_chart", "metric", "html", "graphviz_chart", "arrow_data_frame")
    return sum(len(app.get(kind)) for kind in kinds)


def test_every_page_file_is_covered() -> None:
    assert len(PAGES) >= 8, PAGES  # the glob found the pages, not an empty folder


@pytest.mark.parametrize("page", PAGES)
def test_page_on_the_empty_database_says_what_is_missing(sqlite_engine: Engine, page: str) -> None:
    app = _open(page)
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert app.title, f"{page} shows no title"
    assert _empty_state(app), f"{page} on an empty database: {[i.value for i in app.info]}"


@pytest.mark.parametrize("page", PAGES)
def test_page_on_the_seeded_database_shows_data(seeded_engine: Engine, page: str) -> None:
    app = _open(page)
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert app.title, f"{page} shows no title"
    assert not _empty_state(app), f"{page} says it has no data: {_empty_state(app)}"
    assert _content(app) > 0, f"{page} shows no table, chart, metric or tile"

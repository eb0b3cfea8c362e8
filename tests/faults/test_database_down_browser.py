"""The real server and Chromium: a page showing the outage comes back without a reload."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_exception, open_and_wait
from tests.faults.conftest import load_devops
from tests.support.postgres import Cluster
from tests.support.streamlit_server import serve_app

pytestmark = pytest.mark.browser

UNAVAILABLE = "The database is unavailable"


def test_overview_says_unavailable_then_recovers_by_itself(
    pg_url: str, cluster: Cluster, data_dir: Path, page: object
) -> None:
    from playwright.sync_api import expect

    load_devops(pg_url)
    with serve_app(data_dir, pg_url) as app:
        open_and_wait(page, app.url)
        system = page.get_by_text("checkout-api").first  # type: ignore[attr-defined]
        expect(system).to_be_visible()

        cluster.stop()
        try:
            open_and_wait(page, app.url)  # a visitor arrives, or reloads, while it is down
            expect(page.get_by_text(UNAVAILABLE)).to_be_visible()  # type: ignore[attr-defined]
            assert_no_exception(page)
            assert page.get_by_text("Traceback").count() == 0  # type: ignore[attr-defined]
        finally:
            cluster.start()

        # No reload, no click: the page's probe notices the database and reruns it.
        expect(page.get_by_text(UNAVAILABLE)).to_be_hidden(timeout=60_000)  # type: ignore[attr-defined]
        expect(page.get_by_text("checkout-api").first).to_be_visible(timeout=60_000)  # type: ignore[attr-defined]
        assert_no_exception(page)

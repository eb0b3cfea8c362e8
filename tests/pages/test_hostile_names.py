"""A system name carrying HTML, CSS and Markdown reaches the page only escaped (AppTest).

The browser test (tests/browser/test_hostile_names.py) checks what Chromium
draws; this one checks, fast and without a browser, what the pages send it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from app.ingest import ingest_file
from app.ui.text import html_text, md_text
from tests.pages.conftest import run_app

HOSTILE = (
    "<style>.tandem-pill{display:none!important}</style><img src=//127.0.0.1:9/i>"
    "[l1nk](http://127.0.0.1:9/l) **B0ld** :red[r3d] $x$"
)


def _pipelines(path: Path) -> Path:
    pd.DataFrame(
        {
            "pipeline_id": [f"p-{i}" for i in range(6)],
            "commit_sha": "9f2c1ab",
            "branch": "main",
            "started_at": [f"2026-11-0{i + 1}T09:00:00Z" for i in range(6)],
            "finished_at": [f"2026-11-0{i + 1}T09:10:00Z" for i in range(6)],
            "status": ["success", "failed"] * 3,
            "tests_total": 100,
            "tests_failed": [0, 5] * 3,
        }
    ).to_csv(path, index=False)
    return path


def _load(engine: Engine, tmp_path: Path) -> None:
    pipelines = _pipelines(tmp_path / "pipelines.csv")
    for system in (HOSTILE, "plain-api"):
        ingest_file("pipelines", pipelines, system=system, engine=engine)


def test_overview_sends_the_name_escaped(sqlite_engine: Engine, tmp_path: Path) -> None:
    _load(sqlite_engine, tmp_path)
    app = run_app({"range": "90d"})
    assert not app.exception
    bodies = [h.proto.body for h in app.get("html")]
    assert not [b for b in bodies if "<style>.tandem-pill{" in b or "<img" in b]
    assert any(html_text(HOSTILE) in b for b in bodies)
    assert f"All signals of {md_text(HOSTILE)}" in [e.label for e in app.expander]
    assert md_text(HOSTILE) in [t.label for t in app.tabs]


def test_service_health_sends_the_name_escaped(sqlite_engine: Engine, tmp_path: Path) -> None:
    _load(sqlite_engine, tmp_path)
    app = run_app({"system": HOSTILE, "range": "90d"}, page="app_pages/service_health.py")
    assert not app.exception
    markdown = [c.value for c in app.caption] + [i.value for i in app.info]
    assert not [m for m in markdown if HOSTILE in m]
    assert any(md_text(HOSTILE) in m for m in markdown)

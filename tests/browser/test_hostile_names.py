"""Names carrying HTML, CSS and Markdown are shown as text on every page, in Chromium.

The sample data is loaded through the real seed path with every "fraud" in it
(the system, its dataset, experiment, model, deployment and pipeline ids,
incident titles) replaced by ``HOSTILE``, plus hostile run names, tags,
params, metric keys, feature and segment names and segment and category
values. Every page is then opened once, and the DOM must gain nothing from
those names: no ``<style>`` that hides the status pills, no image or link to
127.0.0.1:9 (no request to it either), no element the Markdown in them would
make (bold, code, colour, LaTeX). The names must be readable as typed.

Only the last ``DAYS`` days of the hostile system's production windows are seeded (with the
bad release and a week of pending labels): every page and section that shows a name is still
drawn, and its seed (most of this test's time) ingests under a quarter of the windows.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from app.config import PROJECT_ROOT
from tests.browser.conftest import (
    Server,
    _serve,
    assert_no_exception,
    open_and_wait,
)

pytestmark = pytest.mark.browser

# No white space: it also stands in dataset references (name@version).
HOSTILE = (
    "<style>.tandem-pill{display:none!important}</style><img/src=//127.0.0.1:9/i>"
    "<a/href=//127.0.0.1:9/a/class=pwn>[l1nk](http://127.0.0.1:9/l)**B0ld**`c0de`:red[r3d]$x^2$"
)
# Plotly's HTML subset makes links only of ``<a href="...">`` after white space.
LINKED = f'{HOSTILE} <a href="http://127.0.0.1:9/p" class="pwn">p1ot</a>'
SHORT = '<a href="http://127.0.0.1:9/s" class="pwn">s3g</a>'  # segment and category values
SYSTEM = f"{HOSTILE}-scoring"
DAYS = 21  # of the windows' 90 days, the last ones are kept (see the module's docstring)
# Text a renderer would have turned into an element of its own: any element whose whole
# text is one of these came from interpreting a name.
MARKDOWN_PAYLOADS = ["B0ld", "c0de", "r3d", "l1nk", "x^2", "p1ot", "s3g"]
PAGES = [
    "",
    "service_health",
    "drift",
    "data_quality",
    "model_performance",
    "experiments",
    "lineage",
    "thresholds",
]
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => chart.querySelector('.main-svg'))"""
# Every text on the page and in its inputs, without the invisible word joiners
# md_text puts into Markdown to break autolinks and emoji shortcodes.
SHOWN_TEXT = """() => (document.body.innerText + '\\n'
  + [...document.querySelectorAll('input')].map(i => i.value).join('\\n'))
  .replaceAll('\\u2060', '')"""
INJECTED = """(payloads) => {
  const found = [];
  for (const el of document.querySelectorAll('img, a, image')) {
    const ref = ['src', 'href', 'xlink:href'].map(name => el.getAttribute(name) || '').join(' ');
    if (ref.includes('127.0.0.1:9/')) found.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('style')) {
    if (el.textContent.includes('display:none!important')) found.push('style');
  }
  for (const el of document.querySelectorAll('.pwn, .katex, [class*="colored"]')) {
    found.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('strong, em, code, span, b, del, tspan, a')) {
    if (payloads.includes(el.textContent.trim())) found.push(el.outerHTML.slice(0, 120));
  }
  return found;
}"""


def screenshot(page, path: Path) -> Path:
    """The whole page (Streamlit scrolls inside its main block, so grow the viewport)."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), 800)"
    )
    page.set_viewport_size({"width": 1600, "height": int(height) + 40})
    page.screenshot(path=str(path))
    return path


def _hostile(value: object) -> object:
    return value.replace("fraud", HOSTILE) if isinstance(value, str) else value


def hostile_sample_data(target: Path) -> Path:
    """sample_data/ with hostile names in every kind of name field."""
    shutil.copytree(PROJECT_ROOT / "sample_data", target)
    for csv in target.glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        frame = frame.map(_hostile)
        if csv.name == "runs.csv":
            frame = frame.rename(columns={"param.class_weight": f"param.{LINKED}"})
            frame["tag.mlflow.runName"] = [f"{LINKED} run {i}" for i in range(len(frame))]
            frame[f"tag.{LINKED}"] = LINKED
        frame.to_csv(csv, index=False)
    health = pd.read_parquet(target / "health.parquet")
    health["system"] = health["system"].map(_hostile)
    health.to_parquet(target / "health.parquet", index=False)
    metrics = pd.read_parquet(target / "metrics.parquet")
    metrics["key"] = metrics["key"].replace({"val_loss": f"val_{LINKED}"})
    metrics.to_parquet(target / "metrics.parquet", index=False)
    for path in (target / "production" / "fraud-scoring").glob("*.parquet"):
        frame = pd.read_parquet(path)
        if path.name == "windows.parquet":
            first = frame["timestamp"].max().floor("D") - pd.Timedelta(days=DAYS - 1)
            frame = frame[frame["timestamp"] >= first].reset_index(drop=True)
        frame["segment.region"] = SHORT + frame["segment.region"].astype(str)
        frame["country"] = frame["country"].astype(str).replace({"US": SHORT})
        frame = frame.rename(
            columns={
                "merchant_risk": f"{LINKED}risk",
                "country": f"{LINKED}country",
                "segment.channel": f"segment.{LINKED}",
            }
        )
        frame.to_parquet(path, index=False)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    # Only the hostile system's production rows carry hostile names; demand-forecast's
    # (half the windows a seed measures) are left out. The system stays (deployments...).
    manifest["files"] = [e for e in manifest["files"] if e.get("system") != "demand-forecast"]
    for entry in manifest["files"]:
        if "system" in entry:
            entry["system"] = _hostile(entry["system"])
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def hostile_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    from app.seed import seed_database

    root = tmp_path_factory.mktemp("hostile")
    source = hostile_sample_data(root / "sample_data")
    data_dir = root / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "tandem.db")
    previous = os.environ.get("TANDEM_DATA_DIR")
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    try:
        engine = create_engine(f"sqlite:///{data_dir / 'tandem.db'}")
        seed_database(source, engine=engine)
        engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("TANDEM_DATA_DIR")
        else:
            os.environ["TANDEM_DATA_DIR"] = previous
    yield from _serve(data_dir)


def test_hostile_names_are_text_on_every_page(hostile_server: Server, page) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for name in PAGES:
        query = {"range": "90d"} if name == "" else {"system": SYSTEM, "range": "90d"}
        open_and_wait(page, f"{hostile_server.url}/{name}?{urlencode(query)}")
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert_no_exception(page)
        injected = page.evaluate(INJECTED, MARKDOWN_PAYLOADS)
        assert injected == [], (name, injected)
        # the name itself, as typed (asked again until the section showing it has landed)
        page.wait_for_function(f"(name) => ({SHOWN_TEXT})().includes(name)", arg=SYSTEM)
        if name == "":
            pills = page.locator(".tandem-pill")
            # three systems: system + two lanes, and the summary
            expect(pills.nth(3 * 3)).to_be_attached()
            for index in range(pills.count()):
                expect(pills.nth(index)).to_be_visible()  # no injected style hides one
            shot = screenshot(page, hostile_server.data_dir / "overview-hostile-names.png")
            page.set_viewport_size({"width": 1600, "height": 1000})
            assert shot.exists()
    assert not [url for url in requested if "127.0.0.1:9/" in url]

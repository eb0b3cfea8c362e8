"""The Overview's Monitor tile names the drifted feature that matters most."""

from __future__ import annotations

import html
import re

from sqlalchemy import Engine, select

from app.health import build_status
from app.health.window import Window
from app.production.read_multivariate import most_important_drift
from app.store.db import session_scope
from app.store.models import System
from tests.pages.conftest import run_app


def test_monitor_tile_tooltip_names_the_most_important_drifted_feature(
    seeded_engine: Engine,
) -> None:
    report = build_status(seeded_engine)
    window = Window(report.window.since, report.window.until)
    with session_scope(seeded_engine) as session:
        ids = {name: id_ for name, id_ in session.execute(select(System.name, System.id))}
        top = most_important_drift(session, ids.values(), window.since, window.until)
    assert top  # demand-forecast's daily windows always drift (day_of_week, temperature)
    name = next(n for n, i in sorted(ids.items()) if i in top)
    expected = f"most important drifted feature: {top[ids[name]].feature} "
    note = report.system(name).signal("monitor.drift_share").note
    assert note is not None
    assert note.startswith(expected)
    app = run_app({"system": name}, timeout=120)
    assert not app.exception
    bodies = "\n".join(h.proto.body for h in app.get("html"))
    titles = [html.unescape(t) for t in re.findall(r'title="([^"]*)"', bodies)]
    (tile,) = [t for t in titles if t.startswith("Monitor:")]
    assert f"[{expected}" in tile

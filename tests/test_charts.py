"""What a chart sends the browser: evenly spaced lines without per-point dates, 4 digits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.io as pio

from app.ui.charts import as_x, as_y, series_figure, x_axis


def _hourly(points: int) -> pd.DataFrame:
    buckets = pd.date_range("2026-09-02", periods=points, freq="h", tz="UTC")
    rng = np.random.default_rng(7)
    return pd.DataFrame({"bucket": buckets, "request_rate": rng.lognormal(0.5, 0.3, points)})


def test_an_evenly_spaced_line_sends_a_start_and_a_step_not_a_date_per_point() -> None:
    frame = _hourly(2160)  # 90 days of hourly buckets, as Service health draws them
    fig = series_figure(frame, ["request_rate"], ["requests/s"], "Request rate", "req/s")
    spec = json.loads(pio.to_json(fig, validate=False))
    trace = spec["data"][0]
    assert "x" not in trace
    assert trace["x0"] == "2026-09-02 00:00:00"
    assert trace["dx"] == 3_600_000  # ms: one hour
    assert spec["layout"]["xaxis"]["type"] == "date"
    # Every point is where its bucket is: x0 + i * dx.
    at = pd.Timestamp(trace["x0"]) + pd.to_timedelta(np.arange(2160) * trace["dx"], unit="ms")
    assert (at == frame["bucket"].dt.tz_localize(None)).all()
    # 2,160 values at 4 significant digits: under 8 characters each, where 17-digit floats and
    # nanosecond dates took about 50 a point.
    assert len(json.dumps(trace["y"])) < 8 * 2160


def test_uneven_times_keep_a_date_per_point_to_the_minute() -> None:
    times = pd.Series(pd.to_datetime(["2026-09-02 00:00", "2026-09-02 01:00", "2026-09-02 03:30"]))
    assert list(x_axis(times.dt.tz_localize("UTC"))["x"]) == list(as_x(times))
    assert list(as_x(times)) == ["2026-09-02 00:00", "2026-09-02 01:00", "2026-09-02 03:30"]
    with_seconds = pd.Series(pd.to_datetime(["2026-09-02 00:00:05"]))
    assert list(as_x(with_seconds)) == ["2026-09-02 00:00:05"]


def test_values_keep_four_significant_digits_and_nan() -> None:
    shown = as_y(pd.Series([1.8194444444444444, 0.000123456, 12345.678, float("nan")]))
    assert shown[:3].tolist() == [1.819, 0.0001235, 12350.0]
    assert np.isnan(shown[3])

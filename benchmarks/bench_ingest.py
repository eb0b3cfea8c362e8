"""Ingest 1,000,000 production rows from Parquet (DESIGN.md target: < 10 s).

Generates a fraud-scoring-like file: 30 days of predictions for one model
version (labels for all but the last 3 days, two segment columns, six
numerical and two categorical features), and its 5,000-row reference. Times
``tandem ingest production`` in-process (``ingest_file``), which validates,
splits into daily windows, writes the Parquet windows, and stores each
window's quality, performance (segments and confidence-based estimates
included) and drift against the reference. Then times re-ingesting the same
file (every window unchanged: nothing is rewritten).

``--task regression`` makes the same file a regressor's (a continuous
prediction and label), so the first ingest also fits the version's DLE nannies
on the reference and estimates MAE and RMSE for every window
(:mod:`app.production.dle`); its figures go to their own section.

Usage: ``python benchmarks/bench_ingest.py [--rows 1000000] [--task regression] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import RESULTS, write_section  # noqa: E402

TARGET_S = 10.0
END = datetime(2026, 6, 1, tzinfo=UTC)
DAYS = 30


def production_frame(
    rows: int, seed: int, start: datetime, days: int, regression: bool = False
) -> pd.DataFrame:
    """Rows of one model version over ``days`` days, as the production format has them.

    ``regression``: the prediction is a forecast and the label the actual value.
    """
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.integers(0, days * 86400, rows))
    timestamps = pd.to_datetime(start) + pd.to_timedelta(seconds, unit="s")
    amount = rng.lognormal(3.0, 1.0, rows)
    risk = rng.beta(2, 5, rows)
    score = 1 / (1 + np.exp(-(-4 + 3 * risk + 0.01 * amount)))
    label = (rng.random(rows) < score).astype(float)
    unlabelled = timestamps >= END - timedelta(days=3)
    if regression:
        score = 20 + 60 * risk + 0.2 * amount
        label = score + rng.normal(0.0, 2 + 10 * risk, rows)
    label[unlabelled] = np.nan
    return pd.DataFrame(
        {
            "timestamp": timestamps,
            "prediction_id": [f"p{seed}-{i}" for i in range(rows)],
            "model_version": 1,
            "prediction": np.round(score, 4),
            "label": label,
            "segment.region": rng.choice(["EU", "US", "APAC"], rows),
            "segment.channel": rng.choice(["web", "app", "pos"], rows),
            "amount": np.round(amount, 2),
            "merchant_risk": np.round(risk, 3),
            "account_age_days": rng.integers(0, 3000, rows),
            "tx_hour": rng.integers(0, 24, rows),
            "distance_km": np.round(rng.exponential(20, rows), 2),
            "n_tx_24h": rng.poisson(3, rows),
            "country": rng.choice(["US", "DE", "FR", "GB", "IN"], rows),
            "device_type": rng.choice(["mobile", "desktop", "pos"], rows),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--task", choices=["classification", "regression"], default="classification"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-bench-ingest-"))
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["TANDEM_DATABASE_URL"] = f"sqlite:///{data_dir / 'tandem.db'}"

    from app.ingest import ingest_file
    from app.store.db import get_engine
    from app.store.migrate import upgrade

    engine = get_engine()
    upgrade(engine)
    start = END - timedelta(days=DAYS)
    regression = args.task == "regression"
    reference = production_frame(5_000, 1, start - timedelta(days=60), 30, regression)
    reference["label"] = reference["label"].fillna(0.0)
    reference_path = data_dir / "reference.parquet"
    reference.to_parquet(reference_path, index=False)
    big = production_frame(args.rows, 2, start, DAYS, regression)
    big_path = data_dir / "production.parquet"
    big.to_parquet(big_path, index=False)
    size_mb = big_path.stat().st_size / 1e6

    ingest_file("production", reference_path, system="bench", reference=True, engine=engine)
    began = time.perf_counter()
    summary = ingest_file("production", big_path, system="bench", engine=engine)
    first_s = time.perf_counter() - began
    began = time.perf_counter()
    again = ingest_file("production", big_path, system="bench", engine=engine)
    again_s = time.perf_counter() - began
    load_end = os.getloadavg()
    verdict = "within" if first_s < TARGET_S else "**over**"
    title = ", a regressor (DLE estimates)" if regression else ""
    flag = " --task regression" if regression else ""
    dle = " with DLE's fit and estimates" if regression else ""
    markdown = f"""
## Ingest 1,000,000 production rows from Parquet{title}

`python benchmarks/bench_ingest.py{flag}` · {args.rows:,} rows ({size_mb:.0f} MB Parquet), one model
version over {DAYS} days (labels except the last 3 days, 2 segment columns, 8 features),
into a fresh SQLite database that holds the version's 5,000-row reference.

| work | seconds |
|---|---|
| **first ingest** ({DAYS + 1} windows; quality, performance{dle}, drift) | **{first_s:.2f}** |
| the same file again (nothing changed, nothing rewritten) | {again_s:.2f} |

Rows written: {summary.rows_written:,} then {again.rows_written:,}. Target (DESIGN.md):
< {TARGET_S:g} s; {verdict} the target.

Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores,
Python {platform.python_version()}; load average at start {load_start[0]:.2f}, at end
{load_end[0]:.2f} (above the core count means other work competed for the CPU).
"""
    write_section("bench_ingest" + ("_regression" if regression else ""), markdown, args.out)
    print(markdown)  # noqa: T201
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

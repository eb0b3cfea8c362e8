"""A multiclass version on the Spark ingest: CBPE estimates and measured ROC AUC as locally.

Generated data: a 3-class softmax model calibrated by construction (labels drawn
from each row's scores), a labelled reference and two production days, one
labelled (with a segment column), one half unlabelled with a row lacking a
class's score (left out of the estimate, as locally). Both engines ingest the
same files into fresh databases; every stored row must be equal (floats to
1e-9 relative), the estimates with their bands among them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.ingest import ingest_file
from tests.spark.stored_results import differences, stored_results
from tests.spark.test_ingest import open_store, spark_ingest

SYSTEM = "ticket-router"
SCORES = ["score.0", "score.1", "score.2"]


def _rows(rng: np.random.Generator, n: int, day: str) -> pd.DataFrame:
    logits = rng.normal(0, 1.5, (n, 3)) + np.array([0.3, 0.0, -0.3])
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    draw = rng.random(n)[:, None]
    labels = (draw > np.cumsum(probabilities, axis=1)).sum(axis=1).astype(float)
    start = pd.Timestamp(day, tz="UTC")
    frame = pd.DataFrame(probabilities.round(3), columns=SCORES)
    return frame.assign(
        timestamp=(start + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")).as_unit("us"),
        model_version=1,
        prediction=probabilities.argmax(axis=1).astype(float),
        label=labels,
        words=logits[:, 0] * 2 + rng.normal(0, 1, n),
        length=rng.integers(1, 400, n).astype(float),
        **{"segment.channel": rng.choice(["mail", "chat"], n)},
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    rng = np.random.default_rng(13)
    root = tmp_path_factory.mktemp("multiclass")
    reference = _rows(rng, 1500, "2026-08-01")
    reference.to_parquet(root / "reference.parquet", index=False)
    labelled = _rows(rng, 500, "2026-09-01")
    later = _rows(rng, 500, "2026-09-02")
    later.loc[250:, "label"] = np.nan  # labels not arrived yet: estimated, measured on half
    later.loc[7, "score.1"] = np.nan  # without every class's score: out of the estimate
    lake = root / "lake"
    lake.mkdir()
    rows = pd.concat([labelled, later]).sample(frac=1, random_state=3).reset_index(drop=True)
    rows.iloc[0::2].to_parquet(lake / "part-0.parquet", index=False)
    rows.iloc[1::2].to_parquet(lake / "part-1.parquet", index=False)
    return root / "reference.parquet", lake


def test_multiclass_estimates_and_aucs_equal_the_local_engines(
    spark: Any,
    files: tuple[Path, Path],
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference, lake = files
    stores = {}
    for name in ("local", "spark"):
        stores[name] = tmp_path / name
        (stores[name] / "data").mkdir(parents=True)
        shutil.copy(sqlite_template, stores[name] / "tandem.db")
    local = open_store(stores["local"], monkeypatch)
    ingest_file("production", reference, system=SYSTEM, reference=True, engine=local)
    for part in sorted(lake.iterdir()):
        ingest_file("production", part, system=SYSTEM, engine=local)
    open_store(stores["spark"], monkeypatch)
    first = spark_ingest(str(reference), "--system", SYSTEM, "--reference")
    assert first.exit_code == 0, first.output
    second = spark_ingest(str(lake), "--system", SYSTEM)
    assert second.exit_code == 0, second.output
    expected, actual = stored_results(local), stored_results(open_store(stores["spark"]))
    assert differences(expected, actual) == []
    performance = actual["performance"]
    estimated = {(key[0][3], key[1]) for key in performance if key[3]}
    days = ("2026-09-01T00:00:00+00:00", "2026-09-02T00:00:00+00:00")
    metrics = {"accuracy", "precision", "recall", "f1", "roc_auc"}
    assert estimated == {(day, metric) for day in days for metric in metrics}
    # the realised macro one-vs-rest ROC AUC, overall and per channel
    measured_auc = {key[2] for key in performance if key[1] == "roc_auc" and not key[3]}
    assert measured_auc == {"", "channel=mail", "channel=chat"}
    assert all(value[2] < value[0] < value[3] for key, value in performance.items() if key[3])

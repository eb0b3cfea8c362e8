"""Per-epoch metric histories for finished training runs (the MLflow ``metric history``).

Why shaped curves and not noise: the run-detail view plots loss curves, and the overfit release
(fraud v4) must be recognisable there too: train loss keeps falling while validation loss turns
back up (a U) and validation AUC peaks early.  Every curve ends exactly on the run's logged final
metric so the history and the runs table never disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import to_datetime
from .story import FRAUD

RANDOM_GUESS_LOG_LOSS = 0.693


def decay(x: np.ndarray, start: float, end: float, rate: float) -> np.ndarray:
    """Exponential approach from ``start`` (x=0) to exactly ``end`` (x=1)."""
    shape = (np.exp(-rate * x) - np.exp(-rate)) / (1.0 - np.exp(-rate))
    return end + (start - end) * shape


def u_shape(x: np.ndarray, start: float, low: float, end: float, turn: float) -> np.ndarray:
    """Falls from ``start`` to ``low`` at ``turn`` and climbs back to ``end`` at x=1."""
    falling = low + (start - low) * ((turn - np.minimum(x, turn)) / turn) ** 2
    rising = low + (end - low) * ((np.maximum(x, turn) - turn) / (1.0 - turn)) ** 1.5
    return np.where(x < turn, falling, rising)


def jitter(rng: np.random.Generator, curve: np.ndarray, scale: float) -> np.ndarray:
    """Multiplicative noise on every step but the last, which stays on the logged metric."""
    noisy = curve * (1.0 + rng.normal(0.0, scale, len(curve)))
    noisy[-1] = curve[-1]
    return noisy


def curves(
    rng: np.random.Generator, system: str, final: dict[str, float], steps: int, overfit: bool
) -> dict[str, np.ndarray]:
    """History values per key for one run."""
    x = np.linspace(0.0, 1.0, steps)
    if system == FRAUD:
        train_end, val_end = final["train_log_loss"], final["test_log_loss"]
        auc_end = final["test_auc"]
        train = decay(x, RANDOM_GUESS_LOG_LOSS, train_end, 4.5 if overfit else 5.0)
        if overfit:
            val = u_shape(x, RANDOM_GUESS_LOG_LOSS, 0.62 * val_end, val_end, 0.3)
            auc = u_shape(x, 0.5, auc_end + 0.06, auc_end, 0.3)
        else:
            val = decay(x, RANDOM_GUESS_LOG_LOSS, val_end, 5.0)
            auc = decay(x, 0.5, auc_end, 6.0)
        return {
            "train_loss": jitter(rng, train, 0.015),
            "val_loss": jitter(rng, val, 0.02),
            "val_auc": np.minimum(jitter(rng, auc, 0.004), 0.9999),
        }
    train_end, val_end, mae_end = final["train_rmse"], final["test_rmse"], final["test_mae"]
    return {
        "train_loss": jitter(rng, decay(x, 3.2 * train_end, train_end, 4.0), 0.015),
        "val_loss": jitter(rng, decay(x, 3.2 * val_end, val_end, 3.5), 0.02),
        "val_mae": jitter(rng, decay(x, 3.5 * mae_end, mae_end, 3.5), 0.02),
    }


def history(
    rng: np.random.Generator,
    system: str,
    run_id: str,
    started_at: int,
    finished_at: int,
    final: dict[str, float],
    overfit: bool,
) -> pd.DataFrame:
    """Long-format rows ``run_id, key, step, timestamp, value`` (30-80 evenly spaced epochs)."""
    steps = int(rng.integers(30, 81))
    step_times = started_at + np.round(
        (finished_at - started_at) * np.arange(1, steps + 1) / steps
    ).astype(np.int64)
    frames = []
    for key, values in curves(rng, system, final, steps, overfit).items():
        frames.append(
            pd.DataFrame(
                {
                    "run_id": run_id,
                    "key": key,
                    "step": np.arange(steps, dtype=np.int64),
                    "timestamp": to_datetime(step_times),
                    "value": np.round(values, 5),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

"""``monitor.fairness_gap``: the champion's fairness gap in its latest labelled window.

The value is the window's gap as :mod:`app.production.read_fairness` defines
it: the largest over its sensitive attributes of Fairlearn's equalized odds
difference (classifiers: the larger of the TPR and the FPR differences
between the best- and worst-treated groups) or of the relative MAE gap
(regressors: largest − smallest group MAE, over the MAE of those rows).
Windows belong to the health window when they start in it, as everywhere;
the champion's newest window that has both labels and a gap is read, as for
``monitor.segment_gap``.

Default bounds, warn 0.15 and critical 0.25: a common rule of thumb audits an
equalized odds difference above 0.1, but a day of a low-prevalence
classifier holds a few dozen positives per group, and a TPR over 25
positives moves by about ±0.1 by chance, so the difference of two such rates
sits near 0.1 with nothing wrong. 0.15 is above that noise; 0.25 means one
group's errors are a quarter more frequent, which no noise explains. For
regressors the same numbers read "one group's MAE is 15 % (25 %) of the
overall MAE above another's". Larger windows (more labelled rows a day)
deserve tighter bounds: edit them like every threshold.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy.orm import Session

from app.health.champion import Champion
from app.health.window import Window
from app.production.read_fairness import WindowFairness, fairness_gaps

SIGNAL = "monitor.fairness_gap"


def latest_gap(windows: list[WindowFairness]) -> float | None:
    """The gap of the newest labelled window (``windows`` oldest first); None without one."""
    labelled = [w for w in windows if w.labelled_rows > 0]
    return labelled[-1].gap if labelled else None


def fairness_signals(
    session: Session, window: Window, champs: Mapping[int, Champion]
) -> dict[int, float]:
    """``monitor.fairness_gap`` per system whose champion has a gap in ``window``."""
    versions = {system_id: champ.version for system_id, champ in champs.items()}
    gaps = fairness_gaps(session, versions, window.since, window.until)
    values = {system_id: latest_gap(windows) for system_id, windows in gaps.items()}
    return {system_id: value for system_id, value in values.items() if value is not None}


def version_gaps(gaps: pd.DataFrame) -> pd.DataFrame:
    """Each run of consecutive windows of one version: its first day and mean gap.

    ``gaps``: :func:`app.production.read_fairness.system_fairness_gaps` rows
    (labelled windows only are counted), oldest first. Columns: model_version,
    since (its first window's start), windows, mean_gap. A version that comes
    back (a rollback) starts a new run.
    """
    labelled = gaps[gaps["labelled_rows"] > 0]
    if labelled.empty:
        return pd.DataFrame(columns=["model_version", "since", "windows", "mean_gap"])
    run = (labelled["model_version"] != labelled["model_version"].shift()).cumsum()
    grouped = labelled.groupby(run, sort=True)
    return pd.DataFrame(
        {
            "model_version": grouped["model_version"].first().astype(int),
            "since": grouped["window_start"].first(),
            "windows": grouped.size(),
            "mean_gap": grouped["gap"].mean(),
        }
    ).reset_index(drop=True)


def retraining_notes(runs: pd.DataFrame, warn: float) -> list[str]:
    """One sentence per version change: did the new version open, close or keep the gap?

    A run's gap is open when its mean gap is above ``warn`` (the bound in
    force). Runs of a single window say nothing (a rollback's day): skipped.
    """
    notes: list[str] = []
    steady = [
        (int(r["model_version"]), pd.Timestamp(r["since"]), float(r["mean_gap"]))
        for r in runs[runs["windows"] > 1].to_dict("records")
    ]
    for (old_version, _, old_gap), (version, since, gap) in zip(steady, steady[1:], strict=False):
        if old_version == version:
            continue
        was, now = old_gap > warn, gap > warn
        old, new = f"v{old_version}", f"v{version}"
        figures = f"mean gap {gap:.2f} vs {old_gap:.2f} under {old}"
        day = f"{since:%Y-%m-%d}"
        if now and not was:
            text = f"{new} (from {day}) reopened the fairness gap {old} had closed: {figures}."
        elif was and not now:
            text = f"{new} (from {day}) closed the fairness gap {old} had: {figures}."
        elif now:
            text = f"{new} (from {day}) kept the fairness gap {old} had: {figures}."
        else:
            text = f"{new} (from {day}) kept the groups as close as {old} did: {figures}."
        notes.append(f"{text} (warn above {warn:.2f})")
    return notes

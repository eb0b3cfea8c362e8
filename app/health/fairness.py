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

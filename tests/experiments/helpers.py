"""Tags for the seeded runs (the sample data has none): names as MLflow logs them."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from app.store.db import session_scope
from app.store.models import RunTag, TrainingRun


def tag_runs(engine: Engine, tags: dict[str, dict[str, str]]) -> None:
    """Store ``{run_id: {key: value}}`` as the runs' tags."""
    with session_scope(engine) as session:
        pks = dict(session.execute(select(TrainingRun.run_id, TrainingRun.id)).all())
        rows = [
            {"run_pk": pks[run_id], "key": key, "value": value}
            for run_id, values in tags.items()
            for key, value in values.items()
        ]
        session.execute(insert(RunTag), rows)


def name_every_run(engine: Engine) -> dict[str, str]:
    """Give each run a name (``mlflow.runName``) and a ``team`` tag; returns the names."""
    with session_scope(engine) as session:
        run_ids = session.scalars(select(TrainingRun.run_id).order_by(TrainingRun.run_id)).all()
    names = {run_id: f"gbm-{i:03d}" for i, run_id in enumerate(run_ids)}
    tag_runs(
        engine,
        {
            run_id: {
                "mlflow.runName": name,
                "mlflow.user": "ci",
                "team": "risk" if i % 2 else "payments",
            }
            for i, (run_id, name) in enumerate(names.items())
        },
    )
    return names

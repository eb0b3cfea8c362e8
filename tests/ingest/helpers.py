"""Small helpers shared by the ingest tests: fixture files and table snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from app.store.models import Base

SAMPLES = {
    "pipelines": """\
system,pipeline_id,commit_sha,branch,started_at,finished_at,status,tests_total,tests_failed
checkout,p-1,9f2c1ab,main,2025-03-01T09:00:00,2025-03-01T11:10:00+02:00,success,412,0
checkout,p-2,,feature/x,2025-03-01T10:00:00Z,,failed,,
""",
    "deployments": """\
system,deployment_id,kind,version,commit_sha,committed_at,deployed_at,environment,status,model_version
checkout,d-1,service,1.4.0,9f2c1ab,2025-03-01T08:00:00Z,2025-03-01T10:00:00Z,production,success,
checkout,d-2,model,fraud-7,,,2025-03-02T10:00:00+02:00,production,rolled_back,7
""",
    "incidents": """\
system,incident_id,severity,opened_at,resolved_at,deployment_id,cause,title
checkout,INC-1,sev2,2025-03-02T14:00:00Z,2025-03-02T15:30:00Z,d-1,code,\
"Checkout 500s, after release"
checkout,INC-2,sev4,2025-03-03T09:00:00,,,unknown,
""",
    "health": """\
system,timestamp,requests,errors,latency_p50_ms,latency_p95_ms,latency_p99_ms,cpu_util,mem_util
checkout,2025-03-01T10:00:00Z,1200,3,41.5,120,310,0.42,0.61
checkout,2025-03-01T12:01:00+02:00,1100,0,40,,,,
""",
    "datasets": """\
name,version,content_hash,rows,created_at,source,parent_version,schema
transactions,v1,sha256:aa,1000,2025-02-01T00:00:00Z,s3://lake/tx/1,,"{""amount"": ""float""}"
transactions,v2,sha256:bb,1200,2025-02-15T00:00:00,s3://lake/tx/2,v1,
""",
    "runs": """\
system,run_id,experiment,started_at,finished_at,status,code_commit,train_dataset,eval_dataset,\
trigger,param.max_depth,param.lr,tag.mlflow.runName,metric.train_auc,metric.test_auc
checkout,r1,fraud,2025-02-28T01:00:00Z,2025-02-28T01:40:00Z,finished,9f2c1ab,transactions@v2,\
transactions@v2-holdout,schedule,6,0.1,gbm-nightly,0.95,0.91
checkout,r2,fraud,2025-02-28T02:00:00Z,,RUNNING,,,,manual,8,,,,
""",
    "metrics": """\
run_id,key,step,timestamp,value
r1,val_loss,0,2025-02-28T01:10:00Z,0.5
r1,val_loss,1,2025-02-28T03:20:00+02:00,0.4
""",
    "models": """\
system,model_name,version,run_id,registered_at,alias,task,validation_metric,validation_value
checkout,fraud-detector,7,r1,2025-02-28T02:00:00Z,champion,classification,roc_auc,0.91
checkout,fraud-detector,8,r2,2025-03-01T02:00:00,,,,
""",
}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def as_parquet(csv_path: Path) -> Path:
    """The same rows as a Parquet file of text columns (empty fields stay empty)."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    path = csv_path.with_suffix(".parquet")
    frame.to_parquet(path, index=False)
    return path


def counts(engine: Engine) -> dict[str, int]:
    """Row count of every table in the schema."""
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


def stored(engine: Engine, table_name: str, order_by: str = "id") -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]
    with engine.connect() as conn:
        result = conn.execute(select(table).order_by(table.c[order_by]))
        return [dict(row._mapping) for row in result]

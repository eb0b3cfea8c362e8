"""The file formats Tandem ingests, as data: one spec per kind.

Validation reads these specs, and ``python -m app.ingest.formats_doc`` renders
them as ``docs/data-formats.md``, so the documentation cannot drift from what
the code accepts (a test compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.ingest.storage_limits import column_limits, feature_name_length, prefix_name_length

TEXT = "text"
INTEGER = "integer"
NUMBER = "number"
TIMESTAMP = "timestamp"
JSON_OBJECT = "JSON object"
DATASET_REF = "name@version"

# Integers up to this size are exact as float64; beyond it a number column would round them.
FLOAT_EXACT = 2**53
# A latency longer than a day is a unit or export error, and sums of such
# values are what overflowed the hourly rollups (1e308 ms summed to inf).
MAX_LATENCY_MS = 86_400_000
MAX_REQUESTS = 10**12
# The prefix of a health file's histogram bucket columns: ``le_<bound in ms>``.
LATENCY_BUCKET = "le_"


@dataclass(frozen=True)
class Column:
    """One column of a fixed-schema file.

    ``required``: the header must contain it. ``nullable``: a value may be
    empty. ``values``: the allowed values (an enum). ``upper``: any case is
    accepted and stored upper-case. ``max_length`` (characters) and
    ``max_integer`` come from the database column the value is stored in
    (:mod:`app.ingest.storage_limits`), so the store's schema is their one definition.
    """

    name: str
    type: str
    meaning: str
    example: str
    required: bool = True
    nullable: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    upper: bool = False
    max_length: int | None = None
    max_integer: int | None = None


@dataclass(frozen=True)
class Prefix:
    """A family of columns named ``<prefix><name>``, e.g. ``param.lr``; all optional.

    ``max_name_length``: the longest ``<name>`` the database stores.
    """

    prefix: str
    type: str
    meaning: str
    example: str
    max_name_length: int | None = None


@dataclass(frozen=True)
class Format:
    """A kind of file: its columns, natural key and cross-column rules.

    ``key`` is the natural key within one file (a duplicate is an error).
    ``features``: every column not named here is a model feature (production).
    ``rules`` describe the checks that involve several columns, for the docs.
    ``max_feature_name``: the longest feature or segment column name stored.
    """

    kind: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    prefixes: tuple[Prefix, ...] = ()
    features: bool = False
    rules: tuple[str, ...] = ()
    max_feature_name: int | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def bound_text(value: float) -> str:
    """A bound as docs and errors show it: ``86400000`` rather than ``8.64e+07``, ``10^12``."""
    if float(value).is_integer():
        text = str(int(value))
        if int(value) >= 10**9 and text.strip("0") == "1":
            return f"10^{len(text) - 1}"
        return text
    return f"{value:g}"


def _c(name: str, type_: str, meaning: str, example: str, **options: object) -> Column:
    return Column(name, type_, meaning, example, **options)  # type: ignore[arg-type]


_SYSTEM = _c("system", TEXT, "System name; `--system` fills or overrides it", "checkout")
_OPTIONAL = {"required": False, "nullable": True}
_EMPTY_OK = {"nullable": True}
_COUNT = {"minimum": 0, "nullable": True}
_UNIT = {"minimum": 0, "maximum": 1, "nullable": True}
_LATENCY = {"minimum": 0, "maximum": MAX_LATENCY_MS, "nullable": True}
_T = "2025-03-01T10:00:00Z"  # example timestamp
_CURRENCY_RULE = (
    "`currency` is three letters (ISO 4217), given whenever `cost` or `amount` is; "
    "amounts in different currencies are never added together"
)

# A table of data: one column per line reads better than the formatter's layout.
# fmt: off
_FORMATS = (
    Format("pipelines", "One CI pipeline execution.", (
        _SYSTEM,
        _c("pipeline_id", TEXT, "Pipeline run id, unique per system", "p-1042"),
        _c("commit_sha", TEXT, "Commit built", "9f2c1ab", **_EMPTY_OK),
        _c("branch", TEXT, "Branch built", "main", **_EMPTY_OK),
        _c("started_at", TIMESTAMP, "When the pipeline started", "2025-03-01T09:12:00Z"),
        _c("finished_at", TIMESTAMP, "When it finished; empty while running",
           "2025-03-01T09:20:31Z", **_EMPTY_OK),
        _c("status", TEXT, "Outcome", "success", values=("success", "failed", "cancelled")),
        _c("tests_total", INTEGER, "Tests run", "412", **_COUNT),
        _c("tests_failed", INTEGER, "Tests failed", "0", **_COUNT),
    ), key=("system", "pipeline_id"),
       rules=("`finished_at` ≥ `started_at`", "`tests_failed` ≤ `tests_total`")),
    Format("deployments",
           "A release of the service's code or of a model version to an environment.", (
        _SYSTEM,
        _c("deployment_id", TEXT, "Deployment id, unique per system", "d-311"),
        _c("kind", TEXT, "What was deployed", "service", values=("service", "model")),
        _c("version", TEXT, "Released version", "1.14.2", **_EMPTY_OK),
        _c("commit_sha", TEXT, "Commit released", "9f2c1ab", **_EMPTY_OK),
        _c("committed_at", TIMESTAMP, "When that commit was made (lead time)",
           "2025-03-01T08:02:00Z", **_EMPTY_OK),
        _c("deployed_at", TIMESTAMP, "When the deployment finished", _T),
        _c("environment", TEXT, "Target environment", "production"),
        _c("status", TEXT, "Outcome", "success", values=("success", "failed", "rolled_back")),
        _c("model_version", INTEGER, "Model version deployed; required when kind=model", "7",
           minimum=1, **_OPTIONAL),
        _c("unplanned", TEXT, "`true` for an unplanned deployment made because of a production "
           "incident (a hotfix: DORA's deployment rework); empty means `false`", "true",
           values=("true", "false"), **_OPTIONAL),
        _c("incident_id", TEXT, "The incident an unplanned deployment answers", "INC-88",
           **_OPTIONAL),
    ), key=("system", "deployment_id"),
       rules=("`model_version` is required when `kind` is `model`",
              "`incident_id` makes a deployment unplanned; `unplanned` may not be `false` "
              "beside it")),
    Format("incidents", "An incident, open while `resolved_at` is empty.", (
        _SYSTEM,
        _c("incident_id", TEXT, "Incident id, unique per system", "INC-88"),
        _c("severity", TEXT, "Severity", "sev2", values=("sev1", "sev2", "sev3", "sev4")),
        _c("opened_at", TIMESTAMP, "When it was opened", "2025-03-02T14:00:00Z"),
        _c("resolved_at", TIMESTAMP, "When it was resolved; empty while open",
           "2025-03-02T15:30:00Z", **_EMPTY_OK),
        _c("deployment_id", TEXT, "The deployment that caused it", "d-311", **_OPTIONAL),
        _c("cause", TEXT, "Root cause", "code",
           values=("code", "infra", "data", "model", "unknown")),
        _c("title", TEXT, "Short description", "Checkout 500s after release", **_EMPTY_OK),
    ), key=("system", "incident_id"), rules=("`resolved_at` ≥ `opened_at`",)),
    Format("health", "Golden signals of the service for one interval (e.g. one minute).", (
        _SYSTEM,
        _c("timestamp", TIMESTAMP, "Start of the interval", _T),
        _c("requests", INTEGER, "Requests in the interval", "1200", minimum=0,
           maximum=MAX_REQUESTS),
        _c("errors", INTEGER, "Failed requests in the interval", "3", minimum=0,
           maximum=MAX_REQUESTS),
        _c("latency_p50_ms", NUMBER, "Median latency, ms", "41.5", **_LATENCY),
        _c("latency_p95_ms", NUMBER, "95th percentile latency, ms", "120", **_LATENCY),
        _c("latency_p99_ms", NUMBER, "99th percentile latency, ms", "310", **_LATENCY),
        _c("cpu_util", NUMBER, "CPU utilisation, 0–1", "0.42", **_UNIT),
        _c("mem_util", NUMBER, "Memory utilisation, 0–1", "0.61", **_UNIT),
    ), key=("system", "timestamp"), rules=(
        "`errors` ≤ `requests`",
        "`le_<bound>` columns: `<bound>` is a latency in ms (`le_250`, `le_0.5`) or `+Inf` "
        "(`le_+Inf`, required with any other); a row gives all of them or none; counts are "
        "cumulative like Prometheus' `le` buckets, ≥ 0 and never smaller at a higher bound",
    ), prefixes=(
        Prefix(LATENCY_BUCKET, NUMBER, "Requests of the interval that took at most `<bound>` "
               "ms (cumulative, like Prometheus' `le` buckets); with them a range's latency "
               "percentiles are read from the summed buckets, else they are approximated",
               "le_250 = 1180"),
    )),
    Format("datasets", "One version of a named dataset.", (
        _c("name", TEXT, "Dataset name", "transactions"),
        _c("version", TEXT, "Version label", "v12"),
        _c("content_hash", TEXT, "Hash of the content", "sha256:5be1…", **_EMPTY_OK),
        _c("rows", INTEGER, "Number of rows", "120000", **_COUNT),
        _c("created_at", TIMESTAMP, "When the version was created", "2025-02-27T00:00:00Z",
           **_EMPTY_OK),
        _c("source", TEXT, "Where it came from", "s3://lake/tx/2025-02-27", **_EMPTY_OK),
        _c("parent_version", TEXT, "Version it was derived from", "v11", **_OPTIONAL),
        _c("schema", JSON_OBJECT, "Column → type", '{"amount": "float"}', **_OPTIONAL),
    ), key=("name", "version")),
    Format("runs", "A training run, its params, tags and final metrics.", (
        _SYSTEM,
        _c("run_id", TEXT, "Run id, unique across systems", "a1b2c3d4"),
        _c("experiment", TEXT, "Experiment name", "fraud-gbm"),
        _c("started_at", TIMESTAMP, "When the run started", "2025-02-28T01:00:00Z"),
        _c("finished_at", TIMESTAMP, "When it ended; empty while running",
           "2025-02-28T01:40:00Z", **_EMPTY_OK),
        _c("status", TEXT, "MLflow run status (any case; stored upper-case)", "FINISHED",
           values=("FINISHED", "FAILED", "KILLED", "RUNNING", "SCHEDULED"), upper=True),
        _c("code_commit", TEXT, "Commit of the training code", "9f2c1ab", **_EMPTY_OK),
        _c("train_dataset", DATASET_REF, "Training data", "transactions@v12", **_EMPTY_OK),
        _c("eval_dataset", DATASET_REF, "Evaluation data", "transactions@v12-holdout",
           **_EMPTY_OK),
        _c("trigger", TEXT, "Why it ran", "schedule",
           values=("manual", "schedule", "drift", "code_change"), **_EMPTY_OK),
        _c("cost", NUMBER, "What the run cost, in `currency`. `tandem import-mlflow` reads "
           "the run's metric `tandem.cost`, else its tag `tandem.cost`", "41.20", minimum=0,
           **_OPTIONAL),
        _c("currency", TEXT, "ISO 4217 code of `cost` (any case; stored upper-case); from "
           "MLflow: the tag `tandem.currency`", "EUR", upper=True, **_OPTIONAL),
        _c("compute_hours", NUMBER, "Compute it used (e.g. GPU or node hours); from MLflow: "
           "the metric, else the tag, `tandem.compute_hours`", "3.5", minimum=0, **_OPTIONAL),
    ), key=("run_id",), prefixes=(
        Prefix("param.", TEXT, "A parameter, stored as text; empty = not set",
               "param.max_depth = 6"),
        Prefix("tag.", TEXT, "A run tag, e.g. `tag.mlflow.runName` (the run's name); "
               "empty = not set", "tag.mlflow.runName = gbm-nightly"),
        Prefix("metric.", NUMBER, "A final metric; empty = not logged",
               "metric.test_auc = 0.91"),
    ), rules=("`finished_at` ≥ `started_at`", _CURRENCY_RULE)),
    Format("metrics", "Metric history of training runs (one logged value per row).", (
        _c("run_id", TEXT, "A run already ingested (kind `runs`)", "a1b2c3d4"),
        _c("key", TEXT, "Metric name", "val_loss"),
        _c("step", INTEGER, "Step", "10", minimum=0),
        _c("timestamp", TIMESTAMP, "When it was logged", "2025-02-28T01:10:00Z"),
        _c("value", NUMBER, "Value (finite)", "0.231"),
    ), key=("run_id", "key", "step", "timestamp"),
       rules=("`run_id` must name a run that is already stored",)),
    Format("models", "A registered model version and its alias.", (
        _SYSTEM,
        _c("model_name", TEXT, "Registered model name", "fraud-detector"),
        _c("version", INTEGER, "Model version", "7", minimum=1),
        _c("run_id", TEXT, "Training run it came from", "a1b2c3d4", **_EMPTY_OK),
        _c("registered_at", TIMESTAMP, "When it was registered", "2025-02-28T02:00:00Z"),
        _c("alias", TEXT, "Alias; empty for none", "champion",
           values=("champion", "challenger", "archived"), **_EMPTY_OK),
        _c("task", TEXT, "Prediction task", "classification",
           values=("classification", "regression"), **_OPTIONAL),
        _c("validation_metric", TEXT, "Metric it was validated on", "roc_auc", **_OPTIONAL),
        _c("validation_value", NUMBER, "Its value at validation", "0.91", **_OPTIONAL),
        _c("value_tp", NUMBER, "Worth of a true positive, in `value_unit` (binary "
           "classifiers; with the other three: business value)", "120", **_OPTIONAL),
        _c("value_fp", NUMBER, "Worth of a false positive (negative for a cost)", "-20",
           **_OPTIONAL),
        _c("value_fn", NUMBER, "Worth of a false negative", "-15", **_OPTIONAL),
        _c("value_tn", NUMBER, "Worth of a true negative", "0", **_OPTIONAL),
        _c("value_unit", TEXT, "Unit of the four values", "EUR", **_OPTIONAL),
        _c("sensitive", TEXT, "Production columns compared for fairness, comma-separated "
           "(beside the `sensitive.*` columns)", "country,segment.channel", **_OPTIONAL),
    ), key=("system", "model_name", "version"),
       rules=("the value matrix counts only when all four `value_*` are given",)),
    Format("costs", "A bill: what one system cost on one UTC day in one category.", (
        _SYSTEM,
        _c("date", TIMESTAMP, "The UTC day billed (`YYYY-MM-DD`; a time of day is refused)",
           "2025-03-01"),
        _c("category", TEXT, "What was paid for", "serving",
           values=("training", "serving", "storage", "other")),
        _c("amount", NUMBER, "The amount, in `currency`", "182.40", minimum=0),
        _c("currency", TEXT, "ISO 4217 code (any case; stored upper-case)", "EUR", upper=True),
    ), key=("system", "date", "category", "currency"),
       rules=("`date` is a day: 00:00 UTC", _CURRENCY_RULE)),
    Format("kpis", "One value of a business KPI of a system (e.g. fraud losses of one day).", (
        _SYSTEM,
        _c("timestamp", TIMESTAMP, "When the value was measured (the start of its period, "
           "e.g. the day)", "2025-03-01T00:00:00Z"),
        _c("name", TEXT, "KPI name, one series per system and name", "fraud_losses"),
        _c("value", NUMBER, "The value (finite)", "1840.5"),
        _c("unit", TEXT, "Its unit, shown beside it", "EUR"),
        _c("direction", TEXT, "Which way is better", "lower_is_better",
           values=("higher_is_better", "lower_is_better")),
    ), key=("system", "name", "timestamp"),
       rules=("a KPI's rows in one file give one `unit` and one `direction`",
              "`impact.kpi_change` compares the KPI's mean over the status window with the "
              "mean over the same-length period before it")),
    Format("production",
           "Logged production predictions, their features and (when they arrive) labels. "
           "The system comes from `--system` (required); a `system` column is ignored.", (
        _c("timestamp", TIMESTAMP, "When the prediction was made", "2025-03-01T10:00:03Z"),
        _c("model_version", INTEGER, "Model version that predicted", "7", minimum=1),
        _c("prediction", NUMBER, "The prediction (score, class or value)", "0.83"),
        _c("label", NUMBER, "The true outcome; empty until it arrives", "1", **_OPTIONAL),
        _c("prediction_id", TEXT, "Unique per system; a re-sent row updates its prediction",
           "pr-000123",
           **_OPTIONAL),
    ), key=("prediction_id",), prefixes=(
        Prefix("segment.", TEXT, "A segment the row belongs to", "segment.region = eu"),
        Prefix("sensitive.", TEXT, "A sensitive attribute: the row's group, compared for "
               "fairness (not a feature; empty: in no group)", "sensitive.age_band = 18-25"),
        Prefix("score.", NUMBER, "A multiclass classifier's score (probability) of class "
               "`<class>`, a number; with one per class in the reference the version gets "
               "CBPE estimates (not a feature)", "score.2 = 0.71"),
    ), features=True, rules=(
        "every other column is a feature: numerical if all its values are numbers, "
        "else categorical",
        "`prediction_id` values are unique within a file",
        "a `prediction_id` stored already must come with its model version and UTC day "
        "(the row then updates it); one stored in another window is an error. A reference's "
        "ids are its own",
    )),
)
# fmt: on


def _with_limits(spec: Format) -> Format:
    """``spec`` with the limits of the database columns its values are stored in."""

    def stored(column: Column) -> Column:
        length, integer_max = column_limits(spec.kind, column.name, column.type == INTEGER)
        return replace(column, max_length=length, max_integer=integer_max)

    return replace(
        spec,
        columns=tuple(stored(c) for c in spec.columns),
        prefixes=tuple(
            replace(p, max_name_length=prefix_name_length(p.prefix)) for p in spec.prefixes
        ),
        max_feature_name=feature_name_length() if spec.features else None,
    )


FORMATS: dict[str, Format] = {f.kind: _with_limits(f) for f in _FORMATS}
KINDS: tuple[str, ...] = tuple(FORMATS)

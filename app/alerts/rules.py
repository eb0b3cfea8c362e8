"""``tandem alert-rules``: a Prometheus rules file from Tandem's signals and SLOs.

Two kinds of groups:

* ``tandem-signals``: per signal, ``Tandem<Signal>Critical`` (severity
  ``critical``) while the exporter reports it critical and
  ``Tandem<Signal>Warn`` (severity ``warning``) while it reports warn, each
  after ``for:`` (default :data:`DEFAULT_FOR`). The expressions read only
  ``tandem_signal_*`` (``app.alerts.exporter``), so the bounds in force are
  Tandem's: a threshold edited in the page changes what fires without
  regenerating the file. Annotations name the system, the signal, its value,
  its bounds (queried from the exporter's gauges at alert time) and the
  Tandem page that explains it.
* ``tandem-slo-<system>-<slo>``, for systems whose health comes from
  Prometheus (``import-prometheus``, given as :class:`PrometheusSource`):
  Sloth-style recording rules (``slo:sli_error:ratio_rate<window>`` with
  Sloth's ``sloth_id``/``sloth_service``/``sloth_slo``/``sloth_window``
  labels, so Sloth's Grafana dashboards read them) built from the same
  ``requests``/``errors`` queries the import uses, and the multiwindow,
  multi-burn-rate alerts of ``objectives.burn_windows``, each gated on at
  least ``min_events`` requests in its long window. As in Sloth, the period's
  error ratio is the mean of the 5-minute ratios (not request-weighted).
  Only availability SLIs get rules: a latency SLI needs a bucket query the
  import mapping does not have.

The file is YAML written by hand: a one-line string is a JSON string (valid
YAML) and a multi-line query a literal block, so no quoting rule of YAML can
change a query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.alerts.objectives import burn_windows, duration
from app.health.catalog import SIGNALS, SignalDef
from app.health.slo_store import SloSpec

DEFAULT_FOR = "5m"
DEFAULT_BASE_URL = "http://127.0.0.1:8501"

# Which page explains a signal: by signal key, else by lane and stage.
_PAGE_BY_STAGE = {
    ("devops", stage): "service_health"
    for stage in ("build_test", "release", "change_risk", "operate", "recover")
} | {
    ("mlops", "data"): "data_quality",
    ("mlops", "train"): "experiments",
    ("mlops", "validate"): "model_performance",
    ("mlops", "deploy"): "lineage",
    ("mlops", "monitor"): "model_performance",
    ("mlops", "retrain"): "drift",
    ("impact", "impact"): "",  # the Overview (the default page, at the root): the Impact section
    ("impact", "cost"): "experiments",
}
_PAGE_BY_SIGNAL = {"monitor.drift_share": "drift", "monitor.prediction_drift": "drift"}
_DIRECTION_WORDS = {"higher_is_better": "below", "lower_is_better": "above"}


@dataclass(frozen=True)
class PrometheusSource:
    """A system whose health samples come from Prometheus, with the import's queries."""

    system: str
    queries: Mapping[str, str] = field(default_factory=dict)  # load_mapping(...)


def page_of(signal: SignalDef) -> str:
    """The Tandem page (URL path) that explains ``signal``."""
    return _PAGE_BY_SIGNAL.get(signal.key) or _PAGE_BY_STAGE[(signal.lane, signal.stage)]


def alert_name(signal: SignalDef, level: str) -> str:
    """``operate.latency_p95_ms`` + critical -> ``TandemOperateLatencyP95MsCritical``."""
    words = re.split(r"[._]", signal.key)
    return "Tandem" + "".join(w[:1].upper() + w[1:] for w in words) + level


def _value_text(signal: SignalDef, expr: str) -> str:
    """A Go template printing ``expr``'s value in the signal's unit."""
    if signal.unit == "ratio":
        return "{{ " + expr + " | humanizePercentage }}"
    unit = {"per_day": " /day", "count": "", "amount": ""}.get(signal.unit, f" {signal.unit}")
    return '{{ printf "%.4g" ' + expr + " }}" + unit


def _bound_text(signal: SignalDef, metric: str) -> str:
    """The bound in force, read from the exporter's gauge when the alert is rendered."""
    query = (
        "{{ with printf `" + metric + '{system=%q,signal="' + signal.key + '"}` $labels.system'
        " | query }}{{ with . | first }}"
    )
    return query + _value_text(signal, ".Value") + "{{ end }}{{ end }}"


def signal_rules(for_: str = DEFAULT_FOR, base_url: str = DEFAULT_BASE_URL) -> list[dict[str, Any]]:
    """Per signal a critical and a warn alert on ``tandem_signal_status``."""
    rules: list[dict[str, Any]] = []
    for signal in SIGNALS:
        worse = _DIRECTION_WORDS[signal.direction]
        link = (
            f"{base_url.rstrip('/')}/{page_of(signal)}?system={{{{ $labels.system | urlquery }}}}"
        )
        for level, code, severity in (("Critical", 2, "critical"), ("Warn", 1, "warning")):
            selector = f'{{signal="{signal.key}"}}'
            expr = (
                f"tandem_signal_value{selector} and on (system, lane, stage, signal) "
                f"(tandem_signal_status{selector} == {code})"
            )
            rules.append(
                {
                    "alert": alert_name(signal, level),
                    "expr": expr,
                    "for": for_,
                    "labels": {"severity": severity, "tandem_signal": signal.key},
                    "annotations": {
                        "summary": f"{{{{ $labels.system }}}}: {signal.label} is {level.lower()}",
                        "description": (
                            f"{signal.label} ({signal.key}) of {{{{ $labels.system }}}} is "
                            f"{_value_text(signal, '$value')}; warn {worse} "
                            f"{_bound_text(signal, 'tandem_signal_warn')}, critical {worse} "
                            f"{_bound_text(signal, 'tandem_signal_critical')}. "
                            f"{signal.description}"
                        ),
                        "tandem_url": link,
                        "thresholds_url": f"{base_url.rstrip('/')}/thresholds",
                    },
                }
            )
    return rules


def _slo_id(objective: SloSpec) -> str:
    return f"{objective.system}-{objective.name}"


def _query(queries: Mapping[str, str], key: str, window: str) -> str:
    return queries[key].replace("{step}", window)


def slo_groups(source: PrometheusSource, objective: SloSpec) -> list[dict[str, Any]]:
    """Sloth-style SLI recordings, SLO metadata and burn-rate alerts of one SLO."""
    from app.ingest.prometheus_queries import DEFAULT_QUERIES

    queries = {**DEFAULT_QUERIES, **source.queries}
    windows = burn_windows(objective.period_days)
    labels = {
        "sloth_id": _slo_id(objective),
        "sloth_service": objective.system,
        "sloth_slo": objective.name,
        "system": objective.system,
    }
    selector = "{" + ",".join(f"{k}={json.dumps(v)}" for k, v in labels.items()) + "}"
    seconds = sorted({s for w in windows for s in (w.long_seconds, w.short_seconds)})
    recordings: list[dict[str, Any]] = []
    for s in seconds:
        window = duration(s)
        recordings.append(
            {
                "record": f"slo:sli_error:ratio_rate{window}",
                "expr": f"({_query(queries, 'errors', window)})\n/\n"
                f"({_query(queries, 'requests', window)})",
                "labels": labels | {"sloth_window": window},
            }
        )
    for w in windows:  # requests in each long window, for the low-traffic gate
        recordings.append(
            {
                "record": f"slo:sli_events:increase{w.long}",
                "expr": _query(queries, "requests", w.long),
                "labels": labels | {"sloth_window": w.long},
            }
        )
    period = f"{objective.period_days}d"
    fast = duration(seconds[0])
    recordings.append(
        {
            "record": f"slo:sli_error:ratio_rate{period}",
            "expr": f"sum_over_time(slo:sli_error:ratio_rate{fast}{selector}[{period}])\n"
            f"/ ignoring (sloth_window)\n"
            f"count_over_time(slo:sli_error:ratio_rate{fast}{selector}[{period}])",
            "labels": labels | {"sloth_window": period},
        }
    )
    budget = f"{1 - objective.target:.12g}"  # 1 - 0.999 without its float noise
    metadata = [
        ("slo:objective:ratio", f"vector({objective.target!r})"),
        ("slo:error_budget:ratio", f"vector({budget})"),
        ("slo:time_period:days", f"vector({objective.period_days})"),
        (
            "slo:current_burn_rate:ratio",
            f"slo:sli_error:ratio_rate{fast}{selector}\n/ on (sloth_id, sloth_slo, sloth_service)"
            f" group_left\nslo:error_budget:ratio{selector}",
        ),
        (
            "slo:period_burn_rate:ratio",
            f"slo:sli_error:ratio_rate{period}{selector}\n/ on (sloth_id, sloth_slo, "
            f"sloth_service) group_left\nslo:error_budget:ratio{selector}",
        ),
        ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{selector}"),
    ]
    meta_rules = [{"record": r, "expr": e, "labels": labels} for r, e in metadata]
    alerts = []
    for w in windows:
        threshold = f"({w.factor:.6g} * {budget})"
        expr = (
            f"(\n  slo:sli_error:ratio_rate{w.long}{selector} > {threshold}\n"
            f"  and ignoring (sloth_window)\n"
            f"  slo:sli_error:ratio_rate{w.short}{selector} > {threshold}\n)\n"
            f"and ignoring (sloth_window)\n"
            f"slo:sli_events:increase{w.long}{selector} >= {objective.min_events}"
        )
        alerts.append(
            {
                "alert": f"TandemSlo{w.name}",
                "expr": expr,
                "labels": {"severity": w.severity, "sloth_severity": w.severity} | labels,
                "annotations": {
                    "summary": (
                        f"{objective.system}: SLO {objective.name} burns its error budget "
                        f"{w.factor:.3g}x too fast"
                    ),
                    "description": (
                        f"Error ratio over {w.long} and {w.short} above {w.factor:.4g} x "
                        f"{budget} (the {objective.target:.4%} target over "
                        f"{objective.period_days} days): {w.budget_share:.0%} of the budget "
                        f"spent in {w.long}; at least {objective.min_events} requests in "
                        f"{w.long}."
                    ),
                },
            }
        )
    name = f"tandem-slo-{_slo_id(objective)}"
    return [
        {"name": f"{name}-sli-recordings", "rules": recordings},
        {"name": f"{name}-meta-recordings", "rules": meta_rules},
        {"name": f"{name}-alerts", "rules": alerts},
    ]


def alert_rules(
    objectives: Iterable[SloSpec] = (),
    sources: Sequence[PrometheusSource] = (),
    for_: str = DEFAULT_FOR,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """The rules file as data: the signal group, then each Prometheus-fed SLO's groups."""
    groups: list[dict[str, Any]] = [
        {"name": "tandem-signals", "rules": signal_rules(for_, base_url)}
    ]
    by_system = {s.system: s for s in sources}
    for objective in objectives:
        source = by_system.get(objective.system)
        if source is not None and objective.sli == "availability":
            groups += slo_groups(source, objective)
    return {"groups": groups}


def render_rules(rules: Mapping[str, Any], header: str = "") -> str:
    """The rules as YAML (block style; strings as JSON strings)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += _yaml(rules, 0)
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _yaml(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str) and "\n" in item and not item[:1].isspace():
                lines.append(f"{pad}{key}: |-")  # a literal block: the query as written
                lines += [f"{pad}  {line}".rstrip() for line in item.splitlines()]
            elif isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, indent + 2)
            else:
                empty = "{}" if isinstance(item, Mapping) else "[]"
                text = empty if isinstance(item, Mapping | list) else _scalar(item)
                lines.append(f"{pad}{key}: {text}")
    elif isinstance(value, list):
        for item in value:
            inner = _yaml(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
    else:
        lines.append(pad + _scalar(value))
    return lines

"""Tandem's verdicts for Prometheus and Alertmanager: the exporter and the rules file.

``exporter`` serves every signal's value, status and bounds as gauges
(``tandem exporter``); ``rules`` writes the Prometheus rules that alert on
them, plus Sloth-style SLO rules for systems whose health comes from
Prometheus (``tandem alert-rules``); ``objectives`` is where the rules read
the SLO objects (``app.health.slo_store``) and their burn-rate windows from.
"""

from app.alerts.exporter import CACHE_SECONDS, ReportCache, StatusCollector, serve
from app.alerts.objectives import burn_windows, objectives
from app.alerts.rules import PrometheusSource, alert_rules, render_rules

__all__ = [
    "CACHE_SECONDS",
    "PrometheusSource",
    "ReportCache",
    "StatusCollector",
    "alert_rules",
    "burn_windows",
    "objectives",
    "render_rules",
    "serve",
]

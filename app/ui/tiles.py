"""Status tiles: one coloured box per lifecycle stage, readable at a glance.

Built as small HTML snippets so that eleven tiles fit on one row; the status is
written out as a word as well as a colour, for readers who do not see colour.
The HTML builders are pure functions (unit-tested); only ``render_*`` draws.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from app.health.catalog import LANES, SIGNALS_BY_KEY, STAGES, format_value

STATUS_COLOURS = {
    "ok": ("#1f8a4c", "#e8f5ed"),
    "warn": ("#b26a00", "#fff4e0"),
    "critical": ("#c62828", "#fdecea"),
    "unknown": ("#6b7280", "#f1f2f4"),
}
STATUS_WORDS = {"ok": "OK", "warn": "Warning", "critical": "Critical", "unknown": "No data"}
LANE_QUESTIONS = {"devops": "Code & service", "mlops": "Data & model"}

_CSS = """
<style>
.tandem-lane {display:flex; gap:6px; flex-wrap:nowrap;}
.tandem-tile {flex:1 1 0; min-width:0; border-radius:8px; padding:6px 8px;
  border-left:6px solid var(--fg); background:var(--bg); cursor:help;}
.tandem-tile .stage {font-size:0.78rem; font-weight:600; color:#374151;
  white-space:nowrap; overflow:hidden; text-overflow:ellipsis;}
.tandem-tile .value {font-size:1.05rem; font-weight:700; color:var(--fg); white-space:nowrap;}
.tandem-tile .signal {font-size:0.68rem; color:#4b5563; white-space:nowrap;
  overflow:hidden; text-overflow:ellipsis;}
.tandem-pill {display:inline-block; padding:1px 10px; border-radius:999px; font-weight:700;
  font-size:0.8rem; color:white; background:var(--fg);}
</style>
"""


def _status_name(status: object) -> str:
    return str(getattr(status, "value", status))


def status_pill_html(status: object, text: str | None = None) -> str:
    name = _status_name(status)
    fg, _ = STATUS_COLOURS[name]
    return f'<span class="tandem-pill" style="--fg:{fg}">{escape(text or STATUS_WORDS[name])}</span>'


def bound_text(signal: object) -> str:
    """'warn < 90.0 %, critical < 75.0 %' in the signal's own unit and direction."""
    key = signal.key  # type: ignore[attr-defined]
    worse = "<" if signal.direction == "higher_is_better" else ">"  # type: ignore[attr-defined]
    warn = format_value(key, signal.warn)  # type: ignore[attr-defined]
    critical = format_value(key, signal.critical)  # type: ignore[attr-defined]
    return f"warn {worse} {warn}, critical {worse} {critical}"


def signal_line(signal: object) -> str:
    """One line of a tile's tooltip: label, value, status and the bounds."""
    key = signal.key  # type: ignore[attr-defined]
    status = STATUS_WORDS[_status_name(signal.status)]  # type: ignore[attr-defined]
    value = format_value(key, signal.value)  # type: ignore[attr-defined]
    return f"{SIGNALS_BY_KEY[key].label}: {value} ({status}; {bound_text(signal)})"


def stage_tile_html(lane: str, stage_key: str, stage: object) -> str:
    """A tile: stage name, the deciding signal's value and name; tooltip lists every signal."""
    name = _status_name(stage.status)  # type: ignore[attr-defined]
    fg, bg = STATUS_COLOURS[name]
    deciding = stage.worst_signal  # type: ignore[attr-defined]
    if deciding is None or name == "unknown":
        value, label = "No data", "nothing to measure yet"
    else:
        value = format_value(deciding.key, deciding.value)
        label = SIGNALS_BY_KEY[deciding.key].label
    tooltip = "\n".join(
        [f"{STAGES[lane][stage_key]}: {STATUS_WORDS[name]}"]
        + [signal_line(s) for s in stage.signals]  # type: ignore[attr-defined]
    )
    return (
        f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg}" title="{escape(tooltip)}">'
        f'<div class="stage">{escape(STAGES[lane][stage_key])}</div>'
        f'<div class="value">{escape(value)}</div>'
        f'<div class="signal">{escape(label)}</div></div>'
    )


def lane_html(lane: str, lane_status: object) -> str:
    tiles = "".join(
        stage_tile_html(lane, key, stage)
        for key, stage in lane_status.stages.items()  # type: ignore[attr-defined]
    )
    return f'<div class="tandem-lane">{tiles}</div>'


def render_css() -> None:
    st.html(_CSS)


def render_lane(lane: str, lane_status: object, has_model: bool = True) -> None:
    """A lane's heading with its status, then its stage tiles."""
    status = _status_name(lane_status.status)  # type: ignore[attr-defined]
    st.html(
        f"<div style='margin-bottom:4px'><b>{LANES[lane]}</b> "
        f"<span style='color:#6b7280'>· {LANE_QUESTIONS[lane]}</span> "
        f"{status_pill_html(status)}</div>"
    )
    if lane == "mlops" and not has_model:
        st.caption("No model: this system is a plain service, so it has no MLOps lane.")
        return
    st.html(lane_html(lane, lane_status))


def verdict(system_status: object) -> str:
    """One sentence a manager reads first: which side is unhealthy, and on what."""
    parts = []
    for lane in ("devops", "mlops"):
        lane_status = system_status.lanes[lane]  # type: ignore[attr-defined]
        name = _status_name(lane_status.status)
        if name not in ("warn", "critical"):
            continue
        side = "Code/service side" if lane == "devops" else "Model/data side"
        worst = [
            (stage_key, stage)
            for stage_key, stage in lane_status.stages.items()
            if _status_name(stage.status) == name
        ]
        stage_key, stage = worst[0]
        signal = stage.worst_signal
        parts.append(
            f"{side} {STATUS_WORDS[name].lower()}: {STAGES[lane][stage_key]}, "
            f"{SIGNALS_BY_KEY[signal.key].label.lower()} {format_value(signal.key, signal.value)}"
        )
    if parts:
        return " · ".join(parts)
    if _status_name(system_status.status) == "unknown":  # type: ignore[attr-defined]
        return "No data in this range."
    return "Both lifecycles healthy."

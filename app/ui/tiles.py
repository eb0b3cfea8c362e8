"""Status tiles: one coloured box per lifecycle stage, readable at a glance.

Built as small HTML snippets so that eleven tiles fit on one row; the status is
written out as a word as well as a colour, for readers who do not see colour.
The HTML builders are pure functions (unit-tested); only ``render_*`` draws.
"""

from __future__ import annotations

from html import escape

import streamlit as st

from app.health import (
    LANES,
    STAGES,
    LaneStatus,
    SignalValue,
    StageStatus,
    Status,
    SystemStatus,
    format_value,
)

STATUS_COLOURS = {
    "ok": ("#1f8a4c", "#e8f5ed"),
    "warn": ("#b26a00", "#fff4e0"),
    "critical": ("#c62828", "#fdecea"),
    "unknown": ("#6b7280", "#f1f2f4"),
}
STATUS_WORDS = {"ok": "OK", "warn": "Warning", "critical": "Critical", "unknown": "No data"}
LANE_QUESTIONS = {"devops": "Code & service", "mlops": "Data & model", "impact": "Value & cost"}
# How the one-sentence verdict names a lane's side.
LANE_SIDES = {"devops": "Code/service side", "mlops": "Model/data side", "impact": "Business side"}

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


def status_pill_html(status: Status | str, text: str | None = None) -> str:
    name = str(status)
    fg, _ = STATUS_COLOURS[name]
    return (
        f'<span class="tandem-pill" style="--fg:{fg}">{escape(text or STATUS_WORDS[name])}</span>'
    )


def bound_text(signal: SignalValue) -> str:
    """'warn < 90.0 %, critical < 75.0 %' in the signal's own unit and direction."""
    worse = "<" if signal.direction == "higher_is_better" else ">"
    warn, critical = (
        format_value(signal.key, signal.warn),
        format_value(signal.key, signal.critical),
    )
    return f"warn {worse} {warn}, critical {worse} {critical}"


def signal_line(signal: SignalValue) -> str:
    """One line of a tile's tooltip: label, value, status and the bounds."""
    status = STATUS_WORDS[signal.status.value]
    note = f" [{signal.note}]" if signal.note else ""
    return f"{signal.label}: {signal.display} ({status}; {bound_text(signal)}){note}"


def stage_tile_html(lane: str, stage_key: str, stage: StageStatus) -> str:
    """A tile: stage name, the deciding signal's value and name; tooltip lists every signal."""
    name = stage.status.value
    fg, bg = STATUS_COLOURS[name]
    if stage.status is Status.UNKNOWN:
        value, label = "No data", "nothing to measure yet"
    else:
        value, label = stage.worst_signal.display, stage.worst_signal.label
    tooltip = "\n".join(
        [f"{STAGES[lane][stage_key]}: {STATUS_WORDS[name]}"]
        + [signal_line(s) for s in stage.signals]
    )
    return (
        f'<div class="tandem-tile" style="--fg:{fg};--bg:{bg}" title="{escape(tooltip)}">'
        f'<div class="stage">{escape(STAGES[lane][stage_key])}</div>'
        f'<div class="value">{escape(value)}</div>'
        f'<div class="signal">{escape(label)}</div></div>'
    )


def lane_html(lane: str, lane_status: LaneStatus) -> str:
    tiles = "".join(stage_tile_html(lane, key, stage) for key, stage in lane_status.stages.items())
    return f'<div class="tandem-lane">{tiles}</div>'


def render_css() -> None:
    st.html(_CSS)


def render_lane(lane: str, lane_status: LaneStatus, has_model: bool = True) -> None:
    """A lane's heading with its status, then its stage tiles."""
    status = lane_status.status.value
    st.html(
        f"<div style='margin-bottom:4px'><b>{LANES[lane]}</b> "
        f"<span style='color:#6b7280'>· {LANE_QUESTIONS[lane]}</span> "
        f"{status_pill_html(status)}</div>"
    )
    if lane == "mlops" and not has_model:
        st.caption("No model: this system is a plain service, so it has no MLOps lane.")
        return
    st.html(lane_html(lane, lane_status))


def verdict(system_status: SystemStatus) -> str:
    """One sentence a manager reads first: which side is unhealthy, and on what."""
    parts = []
    for lane, lane_status in system_status.lanes.items():
        name = lane_status.status.value
        if name not in ("warn", "critical"):
            continue
        side = LANE_SIDES[lane]
        worst = [
            (stage_key, stage)
            for stage_key, stage in lane_status.stages.items()
            if stage.status is lane_status.status
        ]
        stage_key, stage = worst[0]
        signal = stage.worst_signal
        parts.append(
            f"{side} {STATUS_WORDS[name].lower()}: {STAGES[lane][stage_key]}, "
            f"{signal.label.lower()} {signal.display}"
        )
    if parts:
        return " · ".join(parts)
    if system_status.status is Status.UNKNOWN:
        return "No data in this range."
    return "Every lane healthy."

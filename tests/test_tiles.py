"""The Overview's tiles as HTML: status words, deciding signal, tooltips, verdicts."""

from __future__ import annotations

from app.health import LaneStatus, SignalValue, StageStatus, Status, SystemStatus
from app.ui.tiles import stage_tile_html, status_pill_html, verdict


def _signal(key: str, value: float | None, status: Status) -> SignalValue:
    return SignalValue(key, value, status, "ratio", "lower_is_better", 0.15, 0.30)


def _stage(stage: str, status: Status, *signals: SignalValue) -> StageStatus:
    return StageStatus(stage=stage, status=status, signals=signals)


def test_tile_names_stage_value_and_every_signal_in_its_tooltip() -> None:
    stage = _stage(
        "change_risk",
        Status.CRITICAL,
        _signal("release.change_fail_rate", 0.5, Status.CRITICAL),
    )
    html = stage_tile_html("devops", "change_risk", stage)
    assert "Change risk" in html
    assert "50.0 %" in html
    assert "Change fail rate" in html
    assert "Critical" in html  # the tooltip says the status in words
    assert "critical &gt; 30.0 %" in html


def test_unknown_tile_says_no_data_not_zero() -> None:
    stage = _stage(
        "recover", Status.UNKNOWN, _signal("recover.open_incidents", None, Status.UNKNOWN)
    )
    html = stage_tile_html("devops", "recover", stage)
    assert '<div class="value">No data</div>' in html


def test_pill_uses_words_not_only_colour() -> None:
    assert "Warning" in status_pill_html(Status.WARN)


def _lane(status: Status, stages: dict[str, StageStatus]) -> LaneStatus:
    return LaneStatus(lane="devops", status=status, stages=stages)


def test_verdict_names_the_side_and_the_signal() -> None:
    failing = _stage(
        "deploy", Status.CRITICAL, _signal("deploy.model_change_fail_rate", 0.5, Status.CRITICAL)
    )
    calm = _stage("release", Status.OK, _signal("release.change_fail_rate", 0.0, Status.OK))
    system = SystemStatus(
        system="fraud",
        status=Status.CRITICAL,
        has_model=True,
        lanes={
            "devops": LaneStatus(lane="devops", status=Status.OK, stages={"release": calm}),
            "mlops": LaneStatus(lane="mlops", status=Status.CRITICAL, stages={"deploy": failing}),
        },
    )
    text = verdict(system)
    assert text.startswith("Model/data side critical: Deploy")
    assert "50.0 %" in text
    assert "Code" not in text

"""The message of each insights row (alert, leadership digest, retrospective prompt).

Registered with the nudge sender per kind (okrs/nudges/insight_messages.py) when the insights
app is ready; the sender calls the builder when it has claimed a row of one of these kinds,
and None means it no longer applies and the row is cancelled.
"""

from __future__ import annotations

from okrs.insights.alerts import build_alert_message
from okrs.insights.digest import build_digest_message
from okrs.insights.end_of_cycle import build_retrospective_message
from okrs.nudges.insight_messages import register_insight_message
from okrs.nudges.models import NudgeKind


def register() -> None:
    register_insight_message(NudgeKind.DRIFT, build_alert_message)
    register_insight_message(NudgeKind.OFF_TRACK, build_alert_message)
    register_insight_message(NudgeKind.LEADERSHIP, build_digest_message)
    register_insight_message(NudgeKind.RETROSPECTIVE, build_retrospective_message)

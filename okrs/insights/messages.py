"""The message of an insights row (alert, leadership digest, retrospective prompt).

The nudge sender (okrs/nudges/sender.py) calls `build_insight` when it has claimed a row of
one of these kinds; None means it no longer applies and the row is cancelled.
"""

from __future__ import annotations

import datetime as dt

from okrs.channels.base import AlertMessage
from okrs.nudges.models import Nudge, NudgeKind


def build_insight(nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None:
    from okrs.insights.alerts import build_alert_message
    from okrs.insights.digest import build_digest_message
    from okrs.insights.end_of_cycle import build_retrospective_message

    if nudge.kind in (NudgeKind.DRIFT, NudgeKind.OFF_TRACK):
        return build_alert_message(nudge, now=now)
    if nudge.kind == NudgeKind.LEADERSHIP:
        return build_digest_message(nudge, now=now)
    if nudge.kind == NudgeKind.RETROSPECTIVE:
        return build_retrospective_message(nudge, now=now)
    raise ValueError(f"not an insights kind: {nudge.kind}")

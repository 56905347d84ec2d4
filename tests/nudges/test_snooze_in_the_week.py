"""A snooze only when the nudge can still come back inside its check-in week."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.services import SnoozeUnavailable, snooze_nudge, snooze_time
from tests.conftest import World

# The nudge's week ends Monday 00:00 UTC (the world's people are in UTC).
WEEK_ENDS = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def nudge_of_the_week(world: World) -> Nudge:
    return Nudge.objects.create(
        person=world.member,
        week_start=dt.date(2026, 11, 16),
        cycle=world.cycle,
        key_result_ids=[world.lead_time.pk],
        due_at=dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC),
        next_attempt_at=dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC),
        expires_at=WEEK_ENDS,
        state=NudgeState.SENT,
    )


def test_a_snooze_on_saturday_comes_back_on_sunday(world: World) -> None:
    nudge = nudge_of_the_week(world)
    saturday = dt.datetime(2026, 11, 21, 20, tzinfo=dt.UTC)
    assert snooze_time(nudge=nudge, person=world.member, now=saturday) == saturday + dt.timedelta(
        days=1
    )
    until = snooze_nudge(nudge_id=nudge.pk, person=world.member, now=saturday)
    assert Nudge.objects.get(kind=NudgeKind.SNOOZED).due_at == until


def test_no_snooze_on_the_last_day_of_the_week(world: World) -> None:
    nudge = nudge_of_the_week(world)
    sunday = dt.datetime(2026, 11, 22, 20, tzinfo=dt.UTC)  # a day later, the week is over
    assert snooze_time(nudge=nudge, person=world.member, now=sunday) is None
    with pytest.raises(SnoozeUnavailable, match="after this check-in week has ended"):
        snooze_nudge(nudge_id=nudge.pk, person=world.member, now=sunday)
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()

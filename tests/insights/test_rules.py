"""The pure rules of insights: which alert, which week, when the digest is due, the wording."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from okrs.insights import rules

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "UTC"]
moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31)).map(
    lambda d: d.replace(tzinfo=dt.UTC)
)


def test_off_track_wins_and_drift_needs_the_flag():
    assert rules.alert_kind(status="off_track", drifting=False) == rules.OFF_TRACK
    assert rules.alert_kind(status="on_track", drifting=True) == rules.DRIFT
    assert rules.alert_kind(status="on_track", drifting=False) is None
    assert rules.alert_kind(status="at_risk", drifting=False) is None


@given(moments, st.sampled_from(ZONES))
def test_every_moment_belongs_to_the_week_of_its_local_monday(moment, zone):
    tz = zoneinfo.ZoneInfo(zone)
    monday = rules.week_monday(moment, tz)
    assert monday.weekday() == 0
    start = dt.datetime.combine(monday, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    assert start <= moment < rules.week_end(monday, tz)


@given(moments, st.sampled_from(ZONES))
def test_the_digest_is_due_only_on_monday_from_8_local_until_midnight(moment, zone):
    tz = zoneinfo.ZoneInfo(zone)
    local = moment.astimezone(tz)
    slot = rules.digest_slot(moment, tz)
    if local.weekday() == 0 and local.hour >= 8:
        assert slot is not None
        monday, due, expires = slot
        assert monday == local.date()
        assert due.astimezone(tz).time() == dt.time(8, 0) and due <= moment < expires
    else:
        assert slot is None


def test_the_alert_says_what_is_wrong_and_gives_the_numbers():
    facts = rules.AlertFacts(
        kind=rules.DRIFT, ref="o/kr", title="Cut P95 latency", unit="ms", owner_name="Maya",
        baseline=900, target=300, current=800, score=1 / 6, expected=0.4,
        expected_value=rules.expected_value(900, 300, 0.4), forecast=560, forecast_score=0.5667,
        cycle_name="2026-Q4", cycle_end=dt.date(2026, 12, 31), for_owner=False,
    )  # fmt: skip
    subject, text, lines = rules.alert_message(facts)
    assert subject == "Drifting: Cut P95 latency"
    headline = text.split("\n")[0]
    assert headline.startswith("o/kr is on track today, but its trend ends the cycle at 57%")
    assert headline.endswith("Owner: Maya.")  # the lead's copy names the owner
    assert lines == (
        "Current: 800 ms (score 17%)",
        "Expected by now: 660 ms (40% of 2026-Q4 has passed)",
        "Forecast at the cycle end (2026-12-31): 560 ms vs target 300 ms (score 57%)",
    )


def test_an_alert_writes_its_numbers_for_people():
    facts = rules.AlertFacts(
        kind=rules.OFF_TRACK, ref="o/mttr", title="Cut recovery time", unit="hours",
        owner_name="Maya", baseline=6, target=1, current=40.375, score=0.0, expected=0.5,
        expected_value=rules.expected_value(6, 1, 0.5), forecast=-3.88, forecast_score=1.0,
        cycle_name="2026-Q4", cycle_end=dt.date(2026, 12, 31), for_owner=True,
    )  # fmt: skip
    _, _, lines = rules.alert_message(facts)
    assert lines == (
        "Current: 40.4 hours (score 0%)",
        "Expected by now: 3.5 hours (50% of 2026-Q4 has passed)",
        # The trend runs below zero; a duration is never shown there.
        "Forecast at the cycle end (2026-12-31): 0 hours vs target 1 hour (score 100%)",
    )


def test_the_retrospective_prompt_writes_its_numbers_for_people():
    result = rules.FinalScore(
        ref="o/kr", title="Fewer rollbacks", unit="rollbacks/month", baseline=4, target=1,
        final_value=1.0, final_score=1.0, url="http://x/", answered=False,
    )  # fmt: skip
    _, _, lines = rules.retrospective_message(cycle_name="2026-Q4", results=[result])
    assert lines[0].startswith(
        "o/kr: Fewer rollbacks: final 1 rollback/month of target 1 rollback/month, score 100%"
    )


def test_the_digest_caps_long_lists_and_counts_everything():
    moved = [rules.Moved(f"o/kr{i}", f"Result {i}", "%", 1, 2, 0.1, 0.2) for i in range(14)]
    subject, text, lines = rules.digest_message(
        scope="platform", moved=moved, flagged=[], missing=[]
    )
    assert subject.startswith("Weekly OKR digest for platform: 14 moved, 0 off track")
    assert lines[0] == "What moved this week (14):"
    assert lines[1] == "  Result 0: 1% → 2% (score 10% → 20%, +10 points)"
    assert "  … and 4 more on the dashboard" in lines
    assert sum(1 for line in lines if line.startswith("  Result ")) == rules.MAX_ITEMS
    assert "Every key result was checked in on this week." in lines
    assert text.split("\n")[1:] == list(lines)


def test_the_hourly_task_is_registered_with_the_worker():
    from huey.contrib.djhuey import HUEY

    names = {task.__name__ for task in HUEY._registry._periodic_tasks}
    assert "plan_insights_hourly" in names

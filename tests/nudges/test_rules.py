"""The planning rules, walked through weeks in many timezones (pure: no database)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from okrs.nudges import rules, schedule

ZONES = st.sampled_from(
    ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland",
     "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]
)  # fmt: skip
DAYS = st.sampled_from(schedule.WEEKDAYS)
STARTS = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2030, 12, 31),
    timezones=st.just(dt.UTC),
)


def walk(zone: str, day: str, start: dt.datetime, step: dt.timedelta, last: dt.datetime | None,
         weeks: int = 3) -> list[tuple[rules.Decision, dt.datetime]]:  # fmt: skip
    """Run the rules like the worker does, every `step`, recording the rows they create."""
    existing: dict[tuple[str, dt.date], rules.ExistingNudge] = {}
    sent = []
    moment = start
    while moment < start + dt.timedelta(weeks=weeks):
        facts = rules.OwnerFacts(
            1, zone, day, (rules.KeyResultFacts(7, "o/k", last),), False, existing
        )
        decision = rules.decide_owner(moment, facts)
        if decision.action is not None:
            assert decision.week is not None and decision.due_at is not None
            existing[(decision.action, decision.week.start_date)] = rules.ExistingNudge(
                decision.action, "sent", decision.due_at, moment, decision.key_result_ids
            )
            sent.append((decision, moment))
        moment += step
    return sent


def week_start(decision: rules.Decision) -> dt.date:
    assert decision.week is not None  # walk records only decisions that create a row
    return decision.week.start_date


@settings(max_examples=40)  # each example walks three weeks of runs
@given(ZONES, DAYS, STARTS, st.sampled_from([15, 30, 60]))
def test_never_checked_in_means_one_nudge_and_one_reminder_every_week(zone, day, start, minutes):
    step = dt.timedelta(minutes=minutes)
    tz = zoneinfo.ZoneInfo(zone)
    sent = walk(zone, day, start, step, None)
    nudges = [(d, at) for d, at in sent if d.action == rules.NUDGE]
    reminders = [(d, at) for d, at in sent if d.action == rules.REMINDER]
    starts = [week_start(d) for d, _ in nudges]
    assert len(starts) == len(set(starts))  # at most one per week
    assert len([s for d, _ in reminders for s in [week_start(d)]]) == len(
        {week_start(d) for d, _ in reminders}
    )
    for decision, at in nudges:
        # Sent at the first run at or after 10:00 on the day (or at the walk's start that day).
        assert decision.due_at is not None
        assert decision.due_at <= at < max(decision.due_at, start) + step
        local = decision.due_at.astimezone(tz)
        assert (local.hour, local.minute, local.strftime("%A").lower()) == (10, 0, day)
    for decision, at in reminders:
        nudge_at = next(n_at for n, n_at in nudges if n.week == decision.week)
        assert at - nudge_at >= rules.REMINDER_MIN_GAP
        assert (at - step).astimezone(tz).date() <= (week_start(decision) + dt.timedelta(days=2))
    # Every week whose 10:00 fell inside the walk got its nudge (nobody checked in).
    first = schedule.current_week(start, tz, day)
    expected = []
    week = first
    while week.nudge_at < start + dt.timedelta(weeks=3) - step:
        if week.nudge_at >= start:
            expected.append(week.start_date)
        week = week.next(tz)
    assert [s for s in starts if s in expected] == expected


@given(ZONES, DAYS, STARTS, st.integers(min_value=0, max_value=6 * 24))
def test_a_recent_check_in_skips_that_weeks_nudge(zone, day, start, hours_before):
    tz = zoneinfo.ZoneInfo(zone)
    week = schedule.current_week(start, tz, day).next(tz)
    last = week.nudge_at - dt.timedelta(hours=hours_before)
    facts = rules.OwnerFacts(1, zone, day, (rules.KeyResultFacts(7, "o/k", last),))
    decision = rules.decide_owner(week.nudge_at, facts)
    if hours_before < 72:
        assert (decision.action, decision.reason) == (None, rules.CHECKED_IN_RECENTLY)
        assert decision.next_at == week.next(tz).nudge_at
    else:
        assert (decision.action, decision.reason) == (rules.NUDGE, rules.DUE)


def test_a_day_without_any_worker_run_is_skipped_not_sent_days_late():
    facts = rules.OwnerFacts(1, "Europe/London", "monday", (rules.KeyResultFacts(7, "o/k", None),))
    monday_10 = dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC)
    assert (
        rules.decide_owner(monday_10 + dt.timedelta(hours=13, minutes=59), facts).action
        == rules.NUDGE
    )
    late = rules.decide_owner(monday_10 + dt.timedelta(hours=14), facts)
    assert (late.action, late.reason) == (None, rules.MISSED)
    assert late.next_at == monday_10 + dt.timedelta(days=7)
    assert rules.explain(late) == "its day passed while no worker ran: next at 2026-11-23 10:00 UTC"


def test_no_key_results_or_only_in_cycles_not_running():
    assert (
        rules.decide_owner(
            dt.datetime(2026, 11, 16, tzinfo=dt.UTC), rules.OwnerFacts(1, "UTC", "monday", ())
        ).reason
        == rules.NO_KEY_RESULTS
    )
    assert (
        rules.decide_owner(
            dt.datetime(2026, 11, 16, tzinfo=dt.UTC),
            rules.OwnerFacts(1, "UTC", "monday", (), owns_outside_active_cycles=True),
        ).reason
        == rules.CYCLE_NOT_ACTIVE
    )

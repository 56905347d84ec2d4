"""Drift and off-track alerts: who gets one, when, what it says, and never twice in a week."""

from __future__ import annotations

import datetime as dt

import time_machine

from okrs.goals.evaluation import evaluate_key_result
from okrs.insights.alerts import plan_alerts
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.sender import SENT, SKIPPED, claim, send_due, send_one
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.insights.helpers import check_in, dms, on_slack, worker_pass
from tests.nudges.smtp import LocalSmtp, body_of

UTC = dt.UTC
FIRST_MONDAY = dt.datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
CYCLE_END = dt.datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # midnight after 31 December, London


def trend_to_a_miss(world: World, weeks: int) -> None:
    """Maya reports lead time falling 4 hours a week, always saying "on track".

    96 -> 6 hours is the target; at 4 hours a week the line ends the quarter near 46 hours,
    a score of about 0.55: on track by her word, drifting by the trend.
    """
    for week in range(weeks):
        at = FIRST_MONDAY + dt.timedelta(weeks=week)
        check_in(world.lead_time, world.member, 96 - 4 * week, at)
        # The other key result is fine: its alerts would only be noise here.
        check_in(world.change_failure_rate, world.member, 3, at)


def test_a_key_result_trending_to_a_miss_is_flagged_weeks_ahead_and_alerted_once_a_week(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0MAYA", world.member)
    on_slack(slack, "U0LENA", world.platform_lead)

    trend_to_a_miss(world, weeks=2)
    worker_pass(dt.datetime(2026, 10, 13, 10, 10, tzinfo=UTC))
    assert dms(slack, "U0MAYA", "Drifting") == []  # two points: no trend to tell yet

    trend_to_a_miss(world, weeks=3)  # the third check-in, Monday 19 October
    tuesday = dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC)
    state = evaluate_key_result(world.lead_time, as_of=tuesday)
    assert state.result.status == "on_track" and state.drifting
    assert CYCLE_END - tuesday > dt.timedelta(weeks=10)  # flagged more than ten weeks ahead

    for moment in (tuesday, tuesday + dt.timedelta(hours=1), tuesday + dt.timedelta(days=3)):
        worker_pass(moment)
    alerts = dms(slack, "U0MAYA", "Drifting")
    assert len(alerts) == 1
    text = alerts[0]
    assert "deploys-advantage/lead-time is on track today" in text
    assert "Current: 88 hours" in text
    assert "Expected by now: 77 hours (21% of Q4 2026 has passed)" in text
    assert (
        "Forecast at the cycle end (2026-12-31): 45.9 hours vs target 6 hours (score 56%)" in text
    )
    blocks = slack.calls_to("chat.postMessage")[-1].params["blocks"]
    assert "http://testserver/key-results/deploys-advantage/lead-time/" in str(blocks)
    # A drift alert is for the owner only; the lead hears about off-track key results.
    assert dms(slack, "U0LENA") == []

    # Still drifting the next week: one more alert, and only one.
    trend_to_a_miss(world, weeks=4)
    next_week = dt.datetime(2026, 10, 27, 10, 10, tzinfo=UTC)
    for moment in (next_week, next_week + dt.timedelta(hours=5), next_week + dt.timedelta(days=4)):
        worker_pass(moment)
    assert len(dms(slack, "U0MAYA", "Drifting")) == 2
    rows = Nudge.objects.filter(kind=NudgeKind.DRIFT, key_result=world.lead_time)
    assert sorted(r.week_start for r in rows) == [dt.date(2026, 10, 19), dt.date(2026, 10, 26)]
    assert {r.state for r in rows} == {NudgeState.SENT}
    assert smtp.to("maya@acme.test") == [] and smtp.to("lena@acme.test") == []


def test_two_workers_racing_send_one_alert(world: World, slack: FakeSlack, smtp: LocalSmtp):
    on_slack(slack, "U0MAYA", world.member)
    trend_to_a_miss(world, weeks=3)
    moment = dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        # Both plan: the unique constraint (key result, recipient, kind, week) keeps one row.
        assert plan_alerts(moment) >= 1
        assert plan_alerts(moment) == 0
        row = Nudge.objects.get(kind=NudgeKind.DRIFT, key_result=world.lead_time)
        # Both try to claim it: only one UPDATE changes the row.
        assert claim(row.pk, worker="worker-a", now=moment)
        assert not claim(row.pk, worker="worker-b", now=moment)
        assert send_one(row.pk, worker="worker-b", now=moment) == SKIPPED
        # Worker a's claim is released for the test; a sends it, b finds it sent.
        Nudge.objects.filter(pk=row.pk).update(state=NudgeState.PENDING, attempts=0)
        assert send_one(row.pk, worker="worker-a", now=moment) == SENT
        assert send_one(row.pk, worker="worker-b", now=moment) == SKIPPED
        send_due()
    assert len(dms(slack, "U0MAYA", "Drifting")) == 1


def test_off_track_alerts_the_owner_and_the_team_lead(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0OWEN", world.other_member)  # owen by Slack, carl (his lead) by email
    check_in(world.conversion, world.other_member, 2.1,
             dt.datetime(2026, 11, 16, 9, 0, tzinfo=UTC), confidence="off_track")  # fmt: skip
    for hours in (1, 2, 30):
        worker_pass(dt.datetime(2026, 11, 16, 9, 10, tzinfo=UTC) + dt.timedelta(hours=hours))

    owner = dms(slack, "U0OWEN", "Off track")
    assert len(owner) == 1
    assert "checkout-conversion/conversion is off track" in owner[0]
    assert "Current: 2.1%" in owner[0] and "target 3%" in owner[0]
    # (Monday is also the leadership digest's day: only the alerts are counted here.)
    to_lead = [m for m in smtp.to("carl@acme.test") if m["Subject"].startswith("Off track")]
    assert len(to_lead) == 1
    assert to_lead[0]["Subject"] == "Off track: Raise checkout conversion from 2% to 3%"
    body = body_of(to_lead[0], "plain")
    assert "Owner: Owen Member" in body
    assert "http://testserver/key-results/checkout-conversion/conversion/" in body
    # Lena leads platform, not checkout: nothing about conversion reaches her.
    assert not [m for m in smtp.to("lena@acme.test") if "conversion" in m["Subject"]]


def test_an_alert_that_no_longer_applies_when_sent_is_cancelled(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0OWEN", world.other_member)
    moment = dt.datetime(2026, 11, 16, 9, 10, tzinfo=UTC)
    check_in(world.conversion, world.other_member, 2.1, moment - dt.timedelta(minutes=5),
             confidence="off_track")  # fmt: skip
    with time_machine.travel(moment, tick=False):
        plan_alerts(moment)
    # Owen checks in before the worker sends: back on track, nothing to alert about.
    later = moment + dt.timedelta(minutes=1)
    check_in(world.conversion, world.other_member, 2.6, later, confidence="on_track")
    with time_machine.travel(later, tick=False):
        send_due()
    row = Nudge.objects.get(kind=NudgeKind.OFF_TRACK, person=world.other_member)
    assert row.state == NudgeState.CANCELLED
    assert dms(slack, "U0OWEN") == []


def test_the_dashboard_lists_the_drifting_key_result_as_needing_attention(world: World):
    from okrs.goals.dashboard import build_dashboard
    from okrs.goals.evaluation import evaluate_cycle
    from okrs.org.models import Team

    trend_to_a_miss(world, weeks=3)
    state = evaluate_cycle(world.cycle, as_of=dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC))
    board = build_dashboard(state, list(Team.objects.select_related("parent")))
    rows = {row.ref: row for row in board.needs_attention}
    assert "drifting" in rows["deploys-advantage/lead-time"].reasons


def test_a_permanent_slack_failure_sends_the_alert_by_email_once(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0MAYA", world.member)
    trend_to_a_miss(world, weeks=3)
    slack.fail_next("chat.postMessage", error="account_inactive")
    tuesday = dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC)
    for moment in (tuesday, tuesday + dt.timedelta(hours=1)):
        worker_pass(moment)
    row = Nudge.objects.get(kind=NudgeKind.DRIFT, key_result=world.lead_time, fallback_of=None)
    assert row.state == NudgeState.FAILED and "account_inactive" in row.last_error
    emails = [m for m in smtp.to("maya@acme.test") if m["Subject"].startswith("Drifting")]
    assert len(emails) == 1
    body = body_of(emails[0], "plain")
    assert "Forecast at the cycle end (2026-12-31)" in body
    html = body_of(emails[0], "html")
    assert "is on track today, but its trend ends the cycle" in html  # the headline is kept


def test_a_slack_rate_limit_delays_the_alert_and_never_drops_it(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0MAYA", world.member)
    trend_to_a_miss(world, weeks=3)
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    tuesday = dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC)
    worker_pass(tuesday)
    assert dms(slack, "U0MAYA", "Drifting") == []
    row = Nudge.objects.get(kind=NudgeKind.DRIFT, key_result=world.lead_time)
    assert row.state == NudgeState.PENDING and row.attempts == 0
    with time_machine.travel(tuesday + dt.timedelta(seconds=31), tick=False):
        send_due()
    assert len(dms(slack, "U0MAYA", "Drifting")) == 1


def test_drifting_then_off_track_in_one_week_alerts_the_owner_once(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    """At most one alert a week per key result: the owner warned on Tuesday that it drifts is
    not alerted again on Thursday when it goes off track; the lead, who hears only of off-track
    key results, is told then."""
    on_slack(slack, "U0MAYA", world.member)
    on_slack(slack, "U0LENA", world.platform_lead)
    trend_to_a_miss(world, weeks=3)
    worker_pass(dt.datetime(2026, 10, 20, 10, 10, tzinfo=UTC))
    assert len(dms(slack, "U0MAYA", "Drifting")) == 1

    check_in(world.lead_time, world.member, 95, dt.datetime(2026, 10, 22, 9, 0, tzinfo=UTC),
             confidence="off_track")  # fmt: skip
    worker_pass(dt.datetime(2026, 10, 22, 10, 10, tzinfo=UTC))

    assert len(dms(slack, "U0MAYA")) == 1
    assert len(dms(slack, "U0LENA", "Off track")) == 1

"""Worked examples of the DORA arithmetic (okrs.metrics.delivery.dora), computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.metrics.delivery import dora
from okrs.metrics.delivery.dora import ChangeFact, Deploy, IncidentFact, Window

H = dora.HOUR
D = dora.DAY


def at(text: str) -> float:
    """An ISO instant in UTC as POSIX seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


# Two weeks of November 2026 in London (UTC+0 then): Monday 2nd to Monday 16th.
NOVEMBER = Window(at("2026-11-02T00:00"), at("2026-11-16T00:00"))


def test_a_worked_fortnight_gives_every_metric() -> None:
    # checkout (service 1) deploys five times, one a hotfix the day after a bad release;
    # payments (service 2) deploys twice, the second causing an incident.
    deploys = [
        Deploy(1, 1, at("2026-11-02T10:00")),
        Deploy(2, 1, at("2026-11-03T10:00")),  # bad: the hotfix below follows it
        Deploy(3, 1, at("2026-11-04T09:00"), remediation=True),  # hotfix, 23 h later
        Deploy(4, 1, at("2026-11-10T10:00")),
        Deploy(5, 2, at("2026-11-05T12:00")),
        Deploy(6, 2, at("2026-11-12T12:00")),  # the incident below is attributed to it
        Deploy(7, 1, at("2026-11-16T00:00")),  # the window is half-open: not counted
    ]
    incidents = [IncidentFact(6, opened=at("2026-11-12T13:00"), resolved=at("2026-11-12T15:30"))]
    changes = [
        ChangeFact(deployment=1, lead=24 * H),
        ChangeFact(deployment=2, lead=2 * H),
        ChangeFact(deployment=4, lead=96 * H),
        ChangeFact(deployment=6, lead=6 * H),
        ChangeFact(deployment=7, lead=24 * H),  # shipped after the window
        ChangeFact(deployment=99, lead=1 * H),  # by a deployment that is not a production one
    ]

    m = dora.dora_metrics(deploys, changes, incidents, NOVEMBER, "Europe/London")

    # 6 deployments in 14 days; week 1 has deploys on Mon, Tue, Wed, Thu (4 days), week 2 on
    # Tue and Thu (2 days): median 3 days a week -> high.
    assert m.deployment_frequency.deployments == 6
    assert m.deployment_frequency.per_day == pytest.approx(6 / 14)
    assert m.deployment_frequency.deploy_days_per_week == 3
    assert m.deployment_frequency.whole_weeks == 2
    assert m.deployment_frequency.band == "high"
    # Lead times 2, 6, 24, 96 hours: median 15 h (elite: under a day), p90 96 h.
    assert m.lead_time.samples == 4
    assert m.lead_time.median == 15 * H
    assert m.lead_time.p90 == 96 * H
    assert m.lead_time.band == "elite"
    # Deployment 2 (hotfixed) and 6 (incident) failed: 2 of 6.
    assert m.change_failure_rate[:3] == (2, 6, pytest.approx(100 / 3))
    assert m.change_failure_rate.band == "low"
    # Recovery: the hotfix finished 23 h after deployment 2; the incident, opened an hour after
    # deployment 6, took 2.5 h. Median 12.75 h -> high (under a day).
    assert m.recovery_time.failures == 2
    assert m.recovery_time.unresolved == 0
    assert m.recovery_time.median == pytest.approx(12.75 * H)
    assert m.recovery_time.p90 == 23 * H
    assert m.recovery_time.band == "high"
    # One remediation out of six deployments, and no band for rework in the 2023 report.
    assert m.rework_rate == (1, 6, pytest.approx(100 / 6), None)


def test_a_commit_after_its_deployment_counts_as_no_time() -> None:
    deploys = [Deploy(1, 1, at("2026-11-02T10:00"))]
    assert dora.lead_time([ChangeFact(1, -60.0)], deploys, NOVEMBER).median == 0


def test_a_remediation_marks_only_the_previous_deployment_of_its_own_service() -> None:
    deploys = [
        Deploy(1, 1, at("2026-11-02T10:00")),
        Deploy(2, 2, at("2026-11-02T11:00")),  # another service, later: not the one fixed
        Deploy(3, 1, at("2026-11-02T12:00"), remediation=True),
    ]
    failed = dora.failures_by_deployment(deploys, [])
    assert set(failed) == {1}
    assert failed[1][0].resolved == at("2026-11-02T12:00")


def test_a_rollback_more_than_a_week_later_marks_nothing() -> None:
    deploys = [
        Deploy(1, 1, at("2026-11-02T10:00")),
        Deploy(2, 1, at("2026-11-09T10:01"), remediation=True),
    ]
    assert dora.failures_by_deployment(deploys, []) == {}


def test_a_chain_of_hotfixes_fails_each_link_but_the_last() -> None:
    deploys = [
        Deploy(1, 1, at("2026-11-02T10:00")),
        Deploy(2, 1, at("2026-11-02T11:00"), remediation=True),
        Deploy(3, 1, at("2026-11-02T12:00"), remediation=True),
    ]
    assert set(dora.failures_by_deployment(deploys, [])) == {1, 2}


def test_a_deployment_with_an_incident_and_a_rollback_is_one_failure_per_incident() -> None:
    deploys = [
        Deploy(1, 1, at("2026-11-02T10:00")),
        Deploy(2, 1, at("2026-11-02T10:40"), remediation=True),
    ]
    incidents = [IncidentFact(1, opened=at("2026-11-02T10:10"), resolved=at("2026-11-02T10:50"))]
    failed = dora.failures_by_deployment(deploys, incidents)
    assert failed == {1: [dora.Failure(1, at("2026-11-02T10:10"), at("2026-11-02T10:50"))]}
    window = Window(at("2026-11-02T00:00"), at("2026-11-03T00:00"))
    recovery = dora.recovery_time(deploys, failed, window)
    assert (recovery.failures, recovery.median, recovery.band) == (1, 40 * 60, "elite")


def test_unresolved_failures_are_counted_and_left_out_of_the_median() -> None:
    deploys = [Deploy(1, 1, at("2026-11-02T10:00")), Deploy(2, 1, at("2026-11-03T10:00"))]
    incidents = [
        IncidentFact(1, opened=at("2026-11-02T09:00"), resolved=at("2026-11-02T12:00")),
        IncidentFact(2, opened=at("2026-11-03T11:00"), resolved=None),
    ]
    failed = dora.failures_by_deployment(deploys, incidents)
    recovery = dora.recovery_time(deploys, failed, NOVEMBER)
    # The first incident opened before the deployment finished: counted from the finish, 2 h.
    assert recovery == dora.Recovery(2, 1, 2 * H, 2 * H, "high")


def test_nothing_to_measure_gives_no_values_and_no_bands() -> None:
    m = dora.dora_metrics([], [], [], NOVEMBER, "UTC")
    assert m.deployment_frequency == dora.Frequency(0, 0.0, 0, 2, "low")
    assert m.lead_time == dora.Durations(0, None, None, None)
    assert m.change_failure_rate == dora.Rate(0, 0, None, None)
    assert m.recovery_time == dora.Recovery(0, 0, None, None, None)
    assert m.rework_rate == dora.Rate(0, 0, None, None)


def test_days_are_bucketed_in_the_scopes_time_zone() -> None:
    # 23:30 UTC on Monday and 00:30 UTC on Tuesday are both Tuesday in Berlin (UTC+1), but two
    # days in London.
    deploys = [Deploy(1, 1, at("2026-11-02T23:30")), Deploy(2, 1, at("2026-11-03T00:30"))]
    berlin = Window(at("2026-11-01T23:00"), at("2026-11-08T23:00"))  # Monday to Monday there
    frequency = dora.deployment_frequency(deploys, berlin, "Europe/Berlin")
    assert frequency.whole_weeks == 1
    assert frequency.deploy_days_per_week == 1
    london = Window(at("2026-11-02T00:00"), at("2026-11-09T00:00"))
    assert dora.deployment_frequency(deploys, london, "Europe/London").deploy_days_per_week == 2


def test_weeks_follow_summer_time() -> None:
    # London leaves summer time on Sunday 25 October 2026: that week lasts 7 days and 1 hour.
    window = Window(at("2026-10-18T23:00"), at("2026-11-02T00:00"))
    weeks = dora.whole_weeks(window, "Europe/London")
    assert [w.end - w.start for w in weeks] == [7 * D + H, 7 * D]


def test_a_window_without_a_whole_week_has_no_frequency_band() -> None:
    deploys = [Deploy(1, 1, at("2026-11-04T10:00"))]
    three_days = Window(at("2026-11-03T00:00"), at("2026-11-06T00:00"))
    frequency = dora.deployment_frequency(deploys, three_days, "UTC")
    assert (frequency.deployments, frequency.whole_weeks, frequency.band) == (1, 0, None)


@pytest.mark.parametrize(
    ("per_day", "days_per_week", "band"),
    [
        (1.4, 5, "elite"),  # every working day, more than once a day
        (0.8, 5, "high"),  # every working day, once: "daily" is high in 2023
        (0.2, 1, "high"),  # weekly
        (0.1, 0.5, "medium"),  # a deployment in fewer than half the weeks, 3 a month
        (1 / 30, 0, "medium"),  # exactly monthly
        (1 / 31, 0, "low"),
    ],
)
def test_frequency_bands(per_day: float, days_per_week: float, band: str) -> None:
    assert dora.frequency_band(per_day, days_per_week) == band


@pytest.mark.parametrize(
    ("hours", "lead", "recovery"),
    [
        (0.5, "elite", "elite"),
        (1, "elite", "high"),  # recovery: "less than one hour" excludes the hour
        (23.9, "elite", "high"),
        (24, "high", "medium"),  # lead: "between one day and one week" includes the day
        (168, "high", "medium"),
        (169, "medium", "low"),  # recovery between a week and a month: the table's gap is low
        (720, "medium", "low"),
        (721, "low", "low"),
    ],
)
def test_duration_bands(hours: float, lead: str, recovery: str) -> None:
    assert dora.lead_time_band(hours * H) == lead
    assert dora.recovery_band(hours * H) == recovery


@pytest.mark.parametrize(
    ("percent", "band"),
    [(0, "elite"), (5, "elite"), (5.01, "high"), (10, "high"), (15, "medium"), (15.1, "low")],
)
def test_change_failure_bands(percent: float, band: str) -> None:
    assert dora.change_failure_band(percent) == band


def test_median_and_p90() -> None:
    assert dora.median([3, 1, 2]) == 2
    assert dora.median([4, 1, 3, 2]) == 2.5
    assert dora.percentile(list(range(1, 11)), 0.9) == 9
    assert dora.percentile(list(range(1, 12)), 0.9) == 10
    assert dora.median([]) is None and dora.percentile([], 0.9) is None


def test_weekly_series_cuts_the_window_into_local_weeks() -> None:
    deploys = [Deploy(1, 1, at("2026-11-03T10:00")), Deploy(2, 1, at("2026-11-10T10:00"))]
    changes = [ChangeFact(2, 24 * H)]
    window = Window(at("2026-11-01T00:00"), at("2026-11-12T00:00"))  # Sunday to Thursday
    series = dora.weekly_series(deploys, changes, [], window, "UTC")
    assert [w for w, _ in series] == [
        Window(at("2026-11-01T00:00"), at("2026-11-02T00:00")),
        Window(at("2026-11-02T00:00"), at("2026-11-09T00:00")),
        Window(at("2026-11-09T00:00"), at("2026-11-12T00:00")),
    ]
    assert [m.deployment_frequency.deployments for _, m in series] == [0, 1, 1]
    assert [m.lead_time.median for _, m in series] == [None, None, 24 * H]

"""The DORA report read from the database: scopes, windows, and a fixed number of queries."""

from __future__ import annotations

import pytest

from okrs.metrics.delivery import selectors
from okrs.metrics.delivery.dora import HOUR
from tests.conftest import World
from tests.dora import factory as f
from tests.dora.conftest import Delivery

NOVEMBER = ("2026-11-02", "2026-11-16")


def report(**scope: str) -> selectors.DoraReport:
    s = selectors.resolve_scope(**scope)
    return selectors.dora_report(
        scope=s, window=selectors.parse_window(*NOVEMBER, tz_name=s.timezone)
    )


def test_a_services_metrics(delivery: Delivery) -> None:
    m = report(service="checkout").metrics
    assert m.deployment_frequency.deployments == 4
    assert m.lead_time.samples == 3
    assert m.lead_time.median == 24 * HOUR
    assert m.change_failure_rate[:2] == (1, 4)  # the hotfixed release
    assert m.recovery_time.median == 23 * HOUR
    assert m.rework_rate[:2] == (1, 4)


def test_a_team_includes_its_sub_teams_services(delivery: Delivery) -> None:
    r = report(team="engineering")
    assert sorted(r.scope.services.values()) == ["checkout", "platform-api"]
    m = r.metrics
    assert m.deployment_frequency.deployments == 6
    assert m.change_failure_rate[:2] == (2, 6)
    # Recovery spans 23 h (hotfix) and 2.5 h (incident opened an hour after the deployment).
    assert m.recovery_time.median == pytest.approx(12.75 * HOUR)
    assert report(team="platform").metrics.deployment_frequency.deployments == 2


def test_the_organisation_counts_every_service(delivery: Delivery) -> None:
    r = report()
    assert r.scope.kind == "organisation"
    assert r.metrics.deployment_frequency.deployments == 7
    assert r.scope.timezone == "Europe/London"


def test_a_teams_own_time_zone_is_used_and_inherited(world: World, delivery: Delivery) -> None:
    world.engineering.timezone = "Asia/Kolkata"
    world.engineering.save()
    assert selectors.resolve_scope(team="platform").timezone == "Asia/Kolkata"
    assert selectors.resolve_scope(service="checkout").timezone == "Asia/Kolkata"
    assert selectors.resolve_scope(service="search").timezone == "Europe/London"
    # November 2nd in Kolkata starts at 18:30 UTC on the 1st: the same deployments count.
    assert report(service="checkout").window.start == f.utc("2026-11-01T18:30").timestamp()


def test_unknown_scopes_and_bad_windows_are_refused(delivery: Delivery) -> None:
    with pytest.raises(selectors.ScopeNotFound):
        selectors.resolve_scope(service="nope")
    with pytest.raises(selectors.ScopeNotFound):
        selectors.resolve_scope(team="nope")
    with pytest.raises(selectors.DoraQueryInvalid):
        selectors.parse_window("2026-11-16", "2026-11-02", tz_name="UTC")
    with pytest.raises(selectors.DoraQueryInvalid):
        selectors.parse_window("2026-13-01", None, tz_name="UTC")


def test_the_default_window_is_the_last_30_days() -> None:
    now = f.utc("2026-11-27T12:00")
    window = selectors.parse_window(None, None, tz_name="UTC", now=now)
    assert (window.start, window.end) == (f.utc("2026-10-28T12:00").timestamp(), now.timestamp())


@pytest.mark.parametrize("scope", [{"service": "checkout"}, {"team": "engineering"}, {}])
def test_a_report_takes_the_same_few_queries_whatever_the_history(
    delivery: Delivery, scope: dict[str, str], django_assert_num_queries: object
) -> None:
    for day in range(3, 13):
        d = f.deploy(
            delivery.checkout, f"2026-11-{day:02d}T15:00", commits=("2026-11-01T00:00",) * 3
        )
        f.incident(delivery.checkout, f"2026-11-{day:02d}T16:00", None, d)
    # The scope (teams, organisation, services), the remediations with what the change each
    # deployed reverts (the hotfix of November 4th: nothing), and the figures.
    with django_assert_num_queries(5):  # type: ignore[operator]
        report(**scope)


def test_the_overview_has_every_team_with_services_and_every_service(
    delivery: Delivery, django_assert_max_num_queries: object
) -> None:
    window = selectors.parse_window(*NOVEMBER, tz_name="Europe/London")
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        org, teams, services = selectors.organisation_overview(window=window)
    assert org.metrics.deployment_frequency.deployments == 7
    assert [(row.scope.key, row.depth) for row in teams] == [
        ("engineering", 0),
        ("checkout", 1),
        ("platform", 1),
    ]
    assert [row.scope.key for row in services] == ["checkout", "platform-api", "search"]
    by_key = {row.scope.key: row.metrics for row in teams}
    assert by_key["engineering"] == report(team="engineering").metrics
    assert by_key["platform"].change_failure_rate[:2] == (1, 2)
    assert services[0].metrics == report(service="checkout").metrics


def test_the_trend_has_a_point_per_local_week(delivery: Delivery) -> None:
    scope = selectors.resolve_scope(service="checkout")
    window = selectors.parse_window(*NOVEMBER, tz_name=scope.timezone)
    trend = selectors.dora_trend(scope=scope, window=window)
    assert [m.deployment_frequency.deployments for _, m in trend] == [3, 1]
    assert [m.change_failure_rate.numerator for _, m in trend] == [1, 0]


def test_a_trend_costs_the_same_queries_however_many_weeks(delivery: Delivery) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    scope = selectors.resolve_scope(team="engineering")
    counts = []
    # One week, then fifteen, each holding checkout's hotfix of November 4th.
    for start, end in (("2026-11-02", "2026-11-09"), ("2026-08-03", "2026-11-16")):
        window = selectors.parse_window(start, end, tz_name=scope.timezone)
        with CaptureQueriesContext(connection) as captured:
            trend = selectors.dora_trend(scope=scope, window=window)
        counts.append((len(trend), len(captured.captured_queries)))
    # The figures are one query; what the remediations name, at most NAMES_QUERIES more.
    assert [weeks for weeks, _ in counts] == [1, 15]
    assert counts[0][1] == counts[1][1] <= 1 + selectors.NAMES_QUERIES

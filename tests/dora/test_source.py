"""The `dora` metric source: a key result that updates itself from delivery events."""

from __future__ import annotations

import pytest

from okrs.goals.checkins.models import CheckIn
from okrs.metrics.sources.backends.dora import DoraSource
from okrs.metrics.sources.registry import SourceConfigInvalid, SourceError, parse_source
from okrs.metrics.sources.sync import sync_key_result
from tests.conftest import World
from tests.dora import factory as f
from tests.dora.conftest import Delivery

# The day the fortnight of tests/dora/conftest.py ends: a 14-day window is exactly it.
END = f.utc("2026-11-16T00:00")


def fetch(**params: object) -> float:
    config = parse_source({"kind": "dora", **params})
    return config.backend(config.values).fetch(now=END)


def test_each_metric_in_its_natural_unit(delivery: Delivery) -> None:
    assert fetch(metric="lead_time", service="checkout", window="14d") == 24.0  # hours
    assert fetch(metric="lead_time", service="checkout", window="14d", statistic="p90") == 96.0
    assert fetch(metric="change_failure_rate", service="checkout", window="14d") == 25.0  # %
    assert fetch(metric="recovery_time", team="engineering", window="14d") == 12.75
    assert fetch(metric="rework_rate", service="checkout", window="14d") == 25.0
    assert fetch(metric="deployment_frequency", window="14d") == 0.5  # 7 in 14 days, per day
    # dora.dev's long names work too; the whole organisation without service or team.
    assert fetch(metric="change_fail_rate", window="14d") == round(100 * 2 / 7, 3)


def test_the_window_is_rolling_and_defaults_to_30_days(delivery: Delivery) -> None:
    # Only the fortnight holds deployments, so 30 days ending on the 16th count the same ones
    # and a week ending then counts only the 10th's and the 12th's.
    assert fetch(metric="deployment_frequency") == round(7 / 30, 3)
    assert fetch(metric="deployment_frequency", window="7d") == round(3 / 7, 3)


def test_an_unknown_service_or_team_is_a_permanent_error(delivery: Delivery) -> None:
    with pytest.raises(SourceError) as caught:
        fetch(metric="lead_time", service="nope")
    assert caught.value.permanent and "no service 'nope'" in str(caught.value)
    with pytest.raises(SourceError) as caught:
        fetch(metric="lead_time", team="nope")
    assert caught.value.permanent


def test_an_unknown_metric_is_refused_when_the_source_is_written(delivery: Delivery) -> None:
    with pytest.raises(SourceConfigInvalid, match="metric"):
        parse_source({"kind": "dora", "metric": "happiness"})
    with pytest.raises(SourceConfigInvalid, match="not both"):
        parse_source({"kind": "dora", "metric": "lead_time", "service": "a", "team": "b"})
    # A stored configuration that bypassed parsing still fails for good, not silently.
    with pytest.raises(SourceError) as caught:
        DoraSource({"metric": "happiness"}).fetch(now=END)
    assert caught.value.permanent


def test_nothing_to_measure_yet_is_a_temporary_error(delivery: Delivery) -> None:
    with pytest.raises(SourceError) as caught:
        fetch(metric="lead_time", service="search", window="14d")
    assert not caught.value.permanent
    assert "no change reached production" in str(caught.value)


def test_a_bound_key_result_records_a_sync_check_in(world: World, delivery: Delivery) -> None:
    kr = world.lead_time
    kr.source = {"kind": "dora", "metric": "lead_time", "service": "checkout", "window": "14d"}
    kr.save()
    outcome = sync_key_result(key_result=kr, now=END)
    assert outcome.status == "recorded", outcome.message
    checkin = CheckIn.objects.get(key_result=kr)
    assert (checkin.value, checkin.source) == (24.0, "sync")

"""The demo's delivery history: believable DORA numbers, and the platform key results sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from okrs.demo.load import DemoResult, load_demo
from okrs.goals.models import KeyResult
from okrs.metrics.delivery import selectors
from okrs.metrics.delivery.dora import DAY, HOUR, Window
from okrs.metrics.delivery.models import Change, Deployment, Incident, Service
from okrs.metrics.sources.sync import sync_key_result
from tests.demo_once import demo_loaded_once

TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
NOW = TODAY.timestamp()
LAST_30 = Window(NOW - 30 * DAY, NOW)
FIRST_30 = Window(NOW - 90 * DAY, NOW - 60 * DAY)


demo_loaded = demo_loaded_once(TODAY)


@pytest.fixture
def demo(demo_loaded: DemoResult, db: None) -> Iterator[DemoResult]:
    with time_machine.travel(TODAY, tick=False):
        yield demo_loaded


def metrics(window: Window, **scope: str) -> selectors.Metrics:
    return selectors.dora_report(scope=selectors.resolve_scope(**scope), window=window).metrics


def test_the_demo_has_ninety_days_of_weekday_deployments(demo: DemoResult) -> None:
    assert demo.delivery_rows_added > 1000
    assert Service.objects.filter(team__isnull=False).count() == 7
    finished = list(Deployment.objects.values_list("finished_at", flat=True))
    assert min(finished) >= TODAY - dt.timedelta(days=90)
    assert max(finished) < TODAY
    assert all(f.weekday() < 5 for f in finished)
    assert Deployment.objects.filter(remediation_kind="hotfix").exists()
    assert Deployment.objects.filter(remediation_kind="rollback").exists()
    assert Incident.objects.filter(caused_by__isnull=True).exists()
    assert Change.objects.filter(deployment__isnull=False).count() > 1000


def test_the_story_improves_lead_time_and_failure_rate(demo: DemoResult) -> None:
    before = metrics(FIRST_30, service="checkout").lead_time.median
    now = metrics(LAST_30, service="checkout").lead_time.median
    assert before is not None and now is not None
    assert 80 * HOUR < before < 110 * HOUR  # about four days, the key result's baseline
    assert 24 * HOUR < now < 48 * HOUR
    early = metrics(FIRST_30).change_failure_rate
    late = metrics(LAST_30).change_failure_rate
    assert early.percent is not None and late.percent is not None
    assert early.percent > 7
    assert late.percent < 5  # the key result's target, reached
    recovery = metrics(LAST_30).recovery_time
    assert recovery.median is not None and recovery.median < 3 * HOUR


def test_loading_again_adds_no_delivery_rows(demo: DemoResult) -> None:
    before = (Deployment.objects.count(), Change.objects.count(), Incident.objects.count())
    with time_machine.travel(TODAY + dt.timedelta(days=3), tick=False):
        again = load_demo()
    assert again.delivery_rows_added == 0
    assert (Deployment.objects.count(), Change.objects.count(), Incident.objects.count()) == before


def test_the_platform_key_results_update_themselves(demo: DemoResult) -> None:
    for ref, low, high in (("lead-time", 24, 48), ("change-failure-rate", 0, 5)):
        kr = KeyResult.objects.get(objective__key="deploys-advantage", key=ref)
        outcome = sync_key_result(key_result=kr, now=TODAY)
        assert outcome.status in ("recorded", "unchanged"), outcome.message
        assert outcome.value is not None and low < outcome.value < high
        latest = kr.checkins.order_by("-at", "-id").first()
        assert latest is not None and latest.source == "sync"

"""The check-ins of issue 15's interaction table, shared by the Slack and Teams tests: Maya owns
3 due key results (two she checked in on by hand, with a confidence, five days ago; one that
updates itself from a source, synced an hour ago, never given a confidence by a person), or 30
(the first two and 28 more she checked in on, each with a confidence)."""

from __future__ import annotations

import datetime as dt

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import KeyResult
from tests.conftest import World

FIVE_DAYS = dt.timedelta(days=5)


def answered_before(
    world: World, kr: KeyResult, value: float, confidence: str, now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=kr, value=value, confidence=confidence, source="web", author=world.member,
        at=now - FIVE_DAYS,
    )  # fmt: skip


def automatic(world: World, now: dt.datetime) -> KeyResult:
    kr = KeyResult.objects.create(
        objective=world.platform_objective, key="deploy-frequency",
        title="Deploy every service daily", owner=world.member, kind="increase", baseline=2,
        target=10, unit="deploys", position=2, source={"kind": "dora", "metric": "deploys"},
    )  # fmt: skip
    CheckIn.objects.create(key_result=kr, value=7, source="sync", at=now - dt.timedelta(hours=1))
    return kr


def three(world: World, now: dt.datetime) -> list[KeyResult]:
    """Lead time (50 hours, at risk), the change failure rate (4 %, on track), both checked in
    five days ago, and deploy frequency (synced: 7 deploys, no confidence from anyone)."""
    answered_before(world, world.lead_time, 50, "at_risk", now)
    answered_before(world, world.change_failure_rate, 4, "on_track", now)
    return [world.lead_time, world.change_failure_rate, automatic(world, now)]


def thirty(world: World, now: dt.datetime) -> list[KeyResult]:
    """Lead time and the change failure rate as in `three`, and 28 more, each checked in five
    days ago with the value of its position and on track."""
    answered_before(world, world.lead_time, 50, "at_risk", now)
    answered_before(world, world.change_failure_rate, 4, "on_track", now)
    more = KeyResult.objects.bulk_create(
        KeyResult(
            objective=world.platform_objective,
            key=f"kr-{i:02d}",
            title=f"Key result {i}",
            owner=world.member,
            kind="increase",
            baseline=0,
            target=100,
            unit="",
            position=i,
        )
        for i in range(3, 31)
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            key_result=kr,
            value=i,
            confidence="on_track",
            source="web",
            author=world.member,
            at=now - FIVE_DAYS,
        )
        for i, kr in enumerate(more, start=3)
    )
    return [world.lead_time, world.change_failure_rate, *more]


def checkins_by(source: str) -> dict[int, tuple[float, str | None, str]]:
    """What a channel recorded: value, confidence and note by key result id."""
    return {
        c.key_result_id: (c.value, c.confidence, c.note)
        for c in CheckIn.objects.filter(source=source)
    }


def forecast_of(kr: KeyResult) -> float | None:
    """The key result's forecast at the end of its cycle: an automatic one's is drawn through
    its synced values only, so a "no change" on it must leave it as it was."""
    return evaluate_key_result(kr, as_of=kr.objective.cycle.bounds("UTC")[1]).result.forecast

"""Shared set-up for the report tests: check-ins, an initiative and deployments on `world`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import Initiative
from tests.dora.factory import deploy, service

# Two thirds into 2026-Q4 (the world's cycle runs 2026-10-01 to 2026-12-31, Europe/London).
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def at_now() -> Iterator[dt.datetime]:
    with time_machine.travel(NOW, tick=False):
        yield NOW


def weekly_checkins(kr, values, *, first: dt.datetime, notes=None) -> None:
    for week, value in enumerate(values):
        CheckIn.objects.create(
            key_result=kr,
            value=value,
            source="web",
            author=kr.owner,
            note=(notes or {}).get(week, ""),
            at=first + dt.timedelta(weeks=week),
        )


@pytest.fixture
def reviewed(world, at_now):
    """The world with a quarter of check-ins, a delivered initiative and deployments.

    Lead time (a decrease from 96 to 6 hours) creeps up until the build cache ships on
    2026-10-27, then falls fast: the report should call that the right way.
    """
    first = dt.datetime(2026, 10, 2, 10, tzinfo=dt.UTC)
    weekly_checkins(
        world.lead_time,
        [96, 97, 98, 99, 80, 70, 60, 50],
        first=first,
        notes={3: "Build cache in review.", 7: "Build cache | canaries: lead time halves."},
    )
    weekly_checkins(world.conversion, [2.0, 2.1, 2.2, 2.3, 2.4], first=first)
    weekly_checkins(world.change_failure_rate, [7, 6, 5, 4.5], first=first)
    Initiative.objects.create(
        objective=world.platform_objective,
        key="build-cache",
        title="Remote build cache",
        key_result=world.lead_time,
        owner=world.member,
        status="done",
        completed_on=dt.date(2026, 10, 26),
    )
    Initiative.objects.create(
        objective=world.platform_objective,
        key="canary",
        title="Canary deployments",
        key_result=world.lead_time,
        status="in_progress",
    )
    Initiative.objects.create(
        objective=world.checkout_objective,
        key="last-quarter",
        title="Shipped last quarter",
        key_result=world.conversion,
        status="done",
        completed_on=dt.date(2026, 9, 15),
    )
    api = service("platform-api", world.platform)
    shop = service("shop", world.checkout)
    # Before the cycle: one deployment a day with changes 4 days old; near the end: 1 day old.
    for day in range(5, 29):
        deploy(api, f"2026-09-{day:02d}T12:00:00", commits=(f"2026-09-{day - 4:02d}T12:00:00",))
    for day in range(1, 26):
        deploy(api, f"2026-11-{day:02d}T12:00:00", commits=(f"2026-10-{day + 5:02d}T12:00:00",))
        deploy(shop, f"2026-11-{day:02d}T15:00:00", commits=(f"2026-11-{day:02d}T03:00:00",))
    return world

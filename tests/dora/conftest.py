"""A fortnight of delivery for the world's teams (tests/conftest.py), worked out by hand.

checkout (team checkout) and platform-api (team platform, both under engineering), plus
search (no team). The window is November 2nd to 16th 2026, in London (the organisation's
time zone; the teams set none).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from okrs.metrics.delivery.models import Deployment, Service
from tests.conftest import World
from tests.dora import factory as f


@dataclass
class Delivery:
    checkout: Service
    platform_api: Service
    search: Service
    bad_release: Deployment


@pytest.fixture
def delivery(world: World) -> Delivery:
    checkout = f.service("checkout", world.checkout)
    platform_api = f.service("platform-api", world.platform)
    search = f.service("search")
    # checkout: 4 production deployments in the window, the second one hotfixed next day.
    f.deploy(checkout, "2026-11-02T10:00", commits=("2026-11-01T10:00",))  # lead 24 h
    bad = f.deploy(checkout, "2026-11-03T10:00", commits=("2026-11-03T08:00",))  # 2 h
    f.deploy(checkout, "2026-11-04T09:00", remediation="hotfix")
    f.deploy(checkout, "2026-11-10T10:00", commits=("2026-11-06T10:00",))  # 96 h
    # Not counted: a failed deployment, a staging one, one after the window.
    f.deploy(checkout, "2026-11-05T10:00", status="failure")
    f.deploy(checkout, "2026-11-05T11:00", production=False, commits=("2026-11-05T09:00",))
    f.deploy(checkout, "2026-11-16T00:00", commits=("2026-11-15T00:00",))
    # platform-api: 2 deployments, the second causes an incident resolved 2.5 h after it opened.
    f.deploy(platform_api, "2026-11-05T12:00")
    broke = f.deploy(platform_api, "2026-11-12T12:00", commits=("2026-11-12T06:00",))  # 6 h
    f.incident(platform_api, "2026-11-12T13:00", "2026-11-12T15:30", broke)
    # An incident nobody attributed to a deployment: no deployment failed.
    f.incident(platform_api, "2026-11-06T13:00", "2026-11-06T14:00", None)
    # search: one deployment, no team.
    f.deploy(search, "2026-11-09T09:00")
    return Delivery(checkout, platform_api, search, bad)

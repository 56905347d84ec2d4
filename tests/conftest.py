"""One shared world for the tests: an organisation with a plan, and a person of every role.

acme: engineering (lead: erin) > platform (lead: lena) and checkout (lead: carl).
Objectives in 2026-Q4: a company goal, the platform objective aligned to it (two key results
owned by maya, a member of platform), and a checkout objective (one key result owned by owen).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.models import ApiToken, Organisation, Person, Team
from tests.services import HANG_SECONDS, IN_CI, require

NOW = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)

# No deadlines: a loaded CI machine must not fail a correct property. In CI the examples are
# derandomised, so a run there is reproducible; locally each run explores new ones.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.load_profile("ci" if IN_CI else "dev")


@dataclass
class World:
    org: Organisation
    admin: Person
    lead: Person  # leads engineering (the parent of platform and checkout)
    platform_lead: Person
    checkout_lead: Person
    member: Person  # maya, on platform, owns the platform key results
    other_member: Person  # owen, on checkout
    viewer: Person
    engineering: Team
    platform: Team
    checkout: Team
    cycle: Cycle
    company_goal: Objective
    platform_objective: Objective
    checkout_objective: Objective
    lead_time: KeyResult
    change_failure_rate: KeyResult
    conversion: KeyResult

    def client_for(self, person: Person) -> Client:
        _, token = ApiToken.issue(person, "tests")
        return Client(headers={"Authorization": f"Bearer {token}"})


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hashing once, not once per person per test, saves minutes.
    from django.contrib.auth.hashers import make_password

    return make_password("correct-horse-battery")


@pytest.fixture
def world(db: None) -> World:
    password_hash = _password_hash()
    org = Organisation.objects.create(name="Acme", timezone="Europe/London")

    def person(email: str, name: str, role: str) -> Person:
        return Person.objects.create(email=email, name=name, role=role, password=password_hash)

    admin = person("ada@acme.test", "Ada Admin", "admin")
    lead = person("erin@acme.test", "Erin Lead", "lead")
    platform_lead = person("lena@acme.test", "Lena Lead", "lead")
    checkout_lead = person("carl@acme.test", "Carl Lead", "lead")
    member = person("maya@acme.test", "Maya Patel", "member")
    other_member = person("owen@acme.test", "Owen Member", "member")
    viewer = person("vic@acme.test", "Vic Viewer", "viewer")

    engineering = Team.objects.create(key="engineering", name="Engineering", lead=lead)
    platform = Team.objects.create(
        key="platform", name="Platform", parent=engineering, lead=platform_lead
    )
    checkout = Team.objects.create(
        key="checkout", name="Checkout", parent=engineering, lead=checkout_lead
    )
    platform.members.set([platform_lead, member])
    checkout.members.set([checkout_lead, other_member])

    cycle = Cycle.objects.create(
        key="2026-Q4", name="Q4 2026", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    company_goal = Objective.objects.create(
        key="grow-self-serve",
        cycle=cycle,
        level="company",
        title="Grow revenue from self-serve customers",
        owner=admin,
    )
    platform_objective = Objective.objects.create(
        key="deploys-advantage",
        cycle=cycle,
        level="team",
        team=platform,
        title="Make our deployment infrastructure a competitive advantage",
        owner=platform_lead,
        aligns_to_objective=company_goal,
    )
    checkout_objective = Objective.objects.create(
        key="checkout-conversion",
        cycle=cycle,
        level="team",
        team=checkout,
        title="Make checkout effortless",
        owner=checkout_lead,
        aligns_to_objective=company_goal,
    )
    lead_time = KeyResult.objects.create(
        objective=platform_objective,
        key="lead-time",
        title="Reduce deployment lead time from 4 days to 6 hours",
        owner=member,
        kind="decrease",
        baseline=96,
        target=6,
        unit="hours",
        position=0,
    )
    change_failure_rate = KeyResult.objects.create(
        objective=platform_objective,
        key="change-failure-rate",
        title="Keep the change failure rate below 5%",
        owner=member,
        kind="stay_below",
        target=5,
        unit="%",
        position=1,
    )
    conversion = KeyResult.objects.create(
        objective=checkout_objective,
        key="conversion",
        title="Raise checkout conversion from 2% to 3%",
        owner=other_member,
        kind="increase",
        baseline=2,
        target=3,
        unit="%",
    )
    return World(
        org, admin, lead, platform_lead, checkout_lead, member, other_member, viewer,
        engineering, platform, checkout, cycle, company_goal, platform_objective,
        checkout_objective, lead_time, change_failure_rate, conversion,
    )  # fmt: skip


@pytest.fixture
def frozen_now() -> Iterator[dt.datetime]:
    import time_machine

    with time_machine.travel(NOW, tick=False):
        yield NOW


# --- the browser: Debian's Chromium driven by Playwright (no downloaded browser builds) ---------

CHROMIUM = os.environ.get("OKRS_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is not installed")
    # Playwright's sync API keeps an event loop in this thread; Django would then refuse the
    # test database's set-up and teardown, which are safe here (the documented work-around).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    # A page that is slow to settle on a busy machine is waited for, not failed: the limit
    # only catches one that never does (tests/services.py's HANG_SECONDS).
    expect.set_options(timeout=HANG_SECONDS * 1000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(HANG_SECONDS * 1000)
    page = context.new_page()
    failed: list[str] = []

    def record(request: Any) -> None:
        # A request of ours the page itself gave up (a navigation or a newer htmx request
        # cancelling one in flight) is the browser at work, and whether one is in flight at
        # that moment depends on how busy the machine is; anything else is a failure.
        ours = urlsplit(request.url).hostname in ("localhost", "127.0.0.1")
        if not (ours and request.failure == "net::ERR_ABORTED"):
            failed.append(f"{request.url}: {request.failure}")

    page.on("requestfailed", record)
    yield page
    context.close()
    # Every asset is served by us: a request to anywhere else would fail on this network.
    assert failed == []


@pytest.fixture
def signed_in_page(page: Any, live_server: Any, client: Client) -> Any:
    """Returns a function that signs a person in by session cookie and gives back the page."""

    def sign_in(person: Person) -> Any:
        client.force_login(person)
        cookie = client.cookies["sessionid"]
        page.context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "url": live_server.url}]
        )
        return page

    return sign_in

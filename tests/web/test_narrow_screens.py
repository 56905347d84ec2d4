"""In Chromium at 360 px wide: every page of the README's web-app table, as an admin and as a
member, with long titles, notes, URLs and secrets in it. Nothing may scroll sideways, nothing
may be cut off or sit off-screen, and every table reads as stacked "Label: value" rows.

One browser, one sign-in per person; each page is loaded once and measured in one script.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from okrs.channels.slack.models import Installation
from okrs.channels.teams.models import TeamsConversation
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import Cycle, Initiative, KeyResult, Objective
from okrs.metrics.delivery.models import RawEvent, ServiceAlias, WebhookSecret
from okrs.metrics.effort.models import WorkItem
from okrs.metrics.sources.models import Credential, SyncState
from okrs.nudges.models import Nudge
from okrs.org.models import Person
from tests.checkin_flows import make_flow
from tests.conftest import World
from tests.dora import factory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

WIDTH = 360
WIDE = 1280  # the desktop width the screenshots and the README are at
README = Path(__file__).resolve().parents[2] / "README.md"
# In the last week of 2026-Q4, when the end-of-cycle pages are offered too.
LAST_WEEK = dt.datetime(2026, 12, 28, 12, 0, tzinfo=dt.UTC)

LONG_URL = (
    "https://ci.acme.test/acme-corporation/platform-deployment-pipeline/-/pipelines/1234567890"
    "/jobs?status=failed&retry=true"
)
LONG_WORD = "Supercalifragilisticexpialidocious-deployment-orchestration-controller"
LONG_NOTE = (
    "Canary on every service since Tuesday; the slow job was the integration suite, "
    f"see {LONG_URL}. "
    f"Next: split {LONG_WORD} into two stages and cache the container layers between runs."
)
SERVICE_KEY = "platform-deployment-orchestrator-europe-west"

# Every route of the README's table (its first column), and the pages of this world that stand
# for it. A route added to the README without pages here fails the test.
ROUTES: dict[str, tuple[str, ...]] = {
    "/": ("/", "/teams/engineering/"),
    "/alignment/": ("/alignment/",),
    "/teams/KEY/": ("/teams/platform/",),
    "/objectives/KEY/": ("/objectives/deploys-advantage/", "/objectives/grow-self-serve/"),
    "/key-results/OBJECTIVE/KR/": ("/key-results/deploys-advantage/lead-time/",),
    "/checkins/": ("/checkins/",),
    "/new/objective/": ("/new/objective/",),
    ".../edit/": (
        "/objectives/deploys-advantage/edit/",
        "/key-results/deploys-advantage/lead-time/edit/",
        "/initiatives/deploys-advantage/build-cache/edit/",
    ),
    ".../new-key-result/": ("/objectives/deploys-advantage/new-key-result/",),
    ".../new-initiative/": ("/objectives/deploys-advantage/new-initiative/",),
    ".../delete/": (
        "/objectives/deploys-advantage/delete/",
        "/key-results/deploys-advantage/lead-time/delete/",
        "/initiatives/deploys-advantage/build-cache/delete/",
    ),
    "/settings/": ("/settings/",),
    "/dora/": ("/dora/",),
    "/dora/team/KEY/": ("/dora/team/engineering/",),
    "/dora/service/KEY/": (f"/dora/service/{SERVICE_KEY}/",),
    "/reports/": ("/reports/",),
    "/reports/CYCLE/?team=KEY": ("/reports/2026-Q4/", "/reports/2026-Q4/?team=platform"),
    "/initiatives/OBJECTIVE/KEY/": ("/initiatives/deploys-advantage/build-cache/",),
    "/key-results/OBJECTIVE/KR/retrospective/": (
        "/key-results/deploys-advantage/lead-time/retrospective/",
    ),
    "/objectives/KEY/carry-over/": ("/objectives/deploys-advantage/carry-over/",),
    "/settings/teams/": ("/settings/teams/",),
    "/settings/slack/": ("/settings/slack/",),
    "/settings/nudges/": ("/settings/nudges/",),
    "/settings/webhooks/": ("/settings/webhooks/",),
    "/settings/sources/": ("/settings/sources/",),
}
ADMIN_ONLY = {
    "/settings/teams/", "/settings/slack/", "/settings/nudges/", "/settings/webhooks/",
    "/settings/sources/",
}  # fmt: skip

# Measures the page as a person sees it (what is skipped and why: in the file).
MEASURE = Path(__file__).with_name("fits_the_screen.js").read_text(encoding="utf-8")


def readme_routes() -> set[str]:
    text = README.read_text(encoding="utf-8")
    table = text.split("## The web app", 1)[1].split("\n## ", 1)[0]
    routes: set[str] = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            routes.update(re.findall(r"`([^`]+)`", first_cell))
    return routes


@pytest.fixture(autouse=True)
def last_week() -> Iterator[None]:
    import time_machine

    with time_machine.travel(LAST_WEEK, tick=True):
        yield


@pytest.fixture
def crowded(world: World) -> World:
    """The world at its longest: long names, titles and notes, a long URL and an unbroken word,
    a history of check-ins, an initiative, a retrospective, delivery data, webhook secrets,
    services with aliases, deliveries, credentials, failed nudges, chat installations."""
    w = world
    w.member.name = "Maya Patel-Fernández de la Cruz"
    w.member.save(update_fields=["name"])
    w.platform.name = "Platform Engineering and Developer Experience"
    w.platform.save(update_fields=["name"])
    w.company_goal.title = (
        "Grow revenue from self-serve customers in every region without adding sales headcount"
    )
    w.company_goal.save(update_fields=["title"])
    w.platform_objective.description = LONG_NOTE
    w.platform_objective.save(update_fields=["description"])
    Cycle.objects.create(key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
    child = Objective.objects.create(
        key="self-service-environments-for-every-team",
        cycle=w.cycle,
        level="team",
        team=w.platform,
        title=f"Give every team self-service preview environments ({LONG_WORD})",
        owner=w.platform_lead,
        aligns_to_key_result=w.lead_time,
    )
    KeyResult.objects.create(
        objective=child, key="preview-environments", owner=w.member, kind="increase",
        title="Teams with a preview environment on every merge request", baseline=0,
        target=14, unit="teams",
    )  # fmt: skip
    first = dt.datetime(2026, 10, 2, 9, tzinfo=dt.UTC)
    for week, value in enumerate([96, 90, 84, 70, 61, 52, 47, 40, 33, 30, 28, 24]):
        CheckIn.objects.create(
            key_result=w.lead_time, value=value, source="web", author=w.member,
            confidence="at_risk", note=LONG_NOTE if week % 3 == 0 else "",
            at=first + dt.timedelta(weeks=week),
        )  # fmt: skip
    for week, rate in enumerate([7, 6.5, 6, 5.5, 4.8]):
        CheckIn.objects.create(
            key_result=w.change_failure_rate, value=rate, source="web", author=w.platform_lead,
            at=first + dt.timedelta(weeks=week),
        )  # fmt: skip
    w.lead_time.retrospective = LONG_NOTE
    w.lead_time.retrospective_by = w.member
    w.lead_time.retrospective_at = LAST_WEEK
    w.lead_time.save(update_fields=["retrospective", "retrospective_by", "retrospective_at"])
    build_cache = Initiative.objects.create(
        objective=w.platform_objective, key="build-cache", key_result=w.lead_time,
        title=f"Remote build cache for {LONG_WORD}", owner=w.member, status="done",
        completed_on=dt.date(2026, 11, 2), work=[f"branch:{LONG_WORD}/"],
    )  # fmt: skip
    # Work linked to it, with the longest title and detail, so its page lists what merged.
    WorkItem.objects.create(
        provider="github", external_id="acme/platform#1", author="ana",
        title=f"{LONG_WORD}: {LONG_NOTE}"[:500], branch=f"{LONG_WORD}/cache", merged_at=LAST_WEEK,
        initiative=build_cache, link_method="branch", link_detail=f"branch:{LONG_WORD}/",
    )  # fmt: skip

    service = factory.service(SERVICE_KEY, w.platform)
    service.name = "Platform deployment orchestrator (Europe West)"
    service.save(update_fields=["name"])
    for day in range(1, 28):
        deployed = factory.deploy(
            service, f"2026-12-{day:02d}T10:00", commits=(f"2026-11-{day:02d}T10:00",)
        )
    factory.incident(service, "2026-12-27T13:00", "2026-12-27T15:30", deployed)
    ServiceAlias.objects.create(
        provider="github", external="acme-corporation/platform-deployment-orchestrator-europe-west",
        service=service,
    )  # fmt: skip
    ServiceAlias.objects.create(provider="pagerduty", external="PXK4J2Q9ZLMNOPQ", service=service)
    for provider in ("github", "pagerduty"):
        WebhookSecret.objects.create(
            provider=provider, secret="whsec_" + "k" * 60, updated_by=w.admin
        )
    RawEvent.objects.create(
        provider="github", event_type="deployment_status",
        delivery_id="72d3162e-cc78-11e3-81ab-4c9367dc0958-9c1d0e5f-long-delivery-identifier",
        received_at=LAST_WEEK, payload={}, outcome="unmapped", service=None,
        detail=f"no alias for the repository acme-corporation/{LONG_WORD}; add one below",
    )  # fmt: skip

    credential = Credential.objects.create(
        name="github-enterprise-production-readonly", kind="github",
        description="Read-only token of the platform-bot account on GitHub Enterprise",
        site="https://github.acme-corporation.example/api/v3/repos/acme-corporation/",
        updated_by=w.admin,
    )  # fmt: skip
    credential.set_secrets({"token": "ghp_" + "x" * 36})
    credential.save()
    w.conversion.source = {"kind": "github", "credential": credential.name, "schedule": "1h"}
    w.conversion.save(update_fields=["source"])
    SyncState.objects.create(
        key_result=w.conversion, failures=3, last_error=f"GET {LONG_URL} answered 502 Bad Gateway"
    )

    Nudge.objects.create(
        person=w.member, state="failed", channel="slack", week_start=dt.date(2026, 12, 21),
        due_at=LAST_WEEK, next_attempt_at=LAST_WEEK, attempts=5,
        last_error=f"slack chat.postMessage: account_inactive ({LONG_WORD})",
    )  # fmt: skip
    Nudge.objects.create(
        person=w.other_member, state="pending", channel="teams", week_start=dt.date(2026, 12, 28),
        due_at=LAST_WEEK, next_attempt_at=LAST_WEEK + dt.timedelta(minutes=10), attempts=2,
        last_error=f"POST {LONG_URL} timed out after 10 seconds",
    )  # fmt: skip
    Installation.objects.create(
        team_id="T0123456789", team_name="Acme Corporation Engineering and Product Workspace",
        bot_token="xoxb-" + "1" * 50, installed_by=w.admin,
    )  # fmt: skip
    TeamsConversation.objects.create(
        person=w.member, tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
        user_id="29:1a2b3c4d5e6f7g8h9i0jklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        email="maya.patel-fernandez@acme-corporation.example", service_url=LONG_URL,
        conversation_id="a:1" + "z" * 80,
    )  # fmt: skip
    return w


def measure(page: Any, path: str, url: str) -> tuple[int, list[str]]:
    response = page.goto(url)
    # After the page's own requests (the map's data, htmx fragments): what a person then sees.
    page.wait_for_load_state("networkidle")
    return response.status, [f"{path}: {p}" for p in page.evaluate(MEASURE, WIDTH)]


def visit_everything(page: Any, base: str, person: Person) -> list[str]:
    problems: list[str] = []
    for route, paths in ROUTES.items():
        for path in paths:
            status, found = measure(page, path, base + path)
            problems += found
            if route in ADMIN_ONLY and person.role != "admin":
                allowed = {403}  # the "Not allowed" page must fit too
            elif person.role == "admin":
                allowed = {200}
            else:
                allowed = {200, 403}  # a member may not edit or delete everything
            if status not in allowed:
                problems.append(f"{path}: answered {status} to a {person.role}")
    # The settings page at its widest: just after creating a token with a long name.
    page.goto(base + "/settings/")
    page.get_by_label("Token name").fill("Deployment pipeline of the platform orchestrator")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_selector("#new-token")
    page.wait_for_load_state("networkidle")
    problems += [f"/settings/ with a new token: {p}" for p in page.evaluate(MEASURE, WIDTH)]
    return problems


def test_the_readme_table_is_what_is_tested() -> None:
    assert readme_routes() == set(ROUTES)


@pytest.mark.parametrize("role", ["admin", "member"])
def test_every_page_fits_360_px(
    role: str, crowded: World, live_server: Any, signed_in_page: Any
) -> None:
    person = crowded.admin if role == "admin" else crowded.member
    page = signed_in_page(person)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    problems = visit_everything(page, live_server.url, person)
    assert not problems, "\n".join(problems)


def test_every_page_at_1280_px_splits_no_heading_or_button_word(
    crowded: World, live_server: Any, signed_in_page: Any
) -> None:
    """On a wide screen too: a column is never narrower than its heading's longest word."""
    page = signed_in_page(crowded.admin)
    page.set_viewport_size({"width": WIDE, "height": 800})
    problems: list[str] = []
    for paths in ROUTES.values():
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            problems += [f"{path}: {p}" for p in page.evaluate(MEASURE, WIDE)]
    assert not problems, "\n".join(problems)


def test_the_signed_out_pages_fit_360_px(live_server: Any, page: Any) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 740})
    problems: list[str] = []
    for path in ("/accounts/login/", "/accounts/password/reset/"):
        status, found = measure(page, path, live_server.url + path)
        problems += found + ([f"{path}: answered {status}"] if status != 200 else [])
    assert not problems, "\n".join(problems)


def test_the_check_in_history_keeps_its_note_readable(
    crowded: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(crowded.member)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto(f"{live_server.url}/key-results/deploys-advantage/lead-time/")
    note = page.locator(".history td", has_text="Canary on every service").first
    box = note.bounding_box()
    assert box["width"] >= WIDTH * 0.7  # a line of the note, not a column of a few letters
    assert "Note" in note.evaluate("cell => getComputedStyle(cell, '::before').content")


def test_the_objective_page_shows_each_key_results_score_and_status(
    crowded: World, live_server: Any, signed_in_page: Any
) -> None:
    page = signed_in_page(crowded.member)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto(f"{live_server.url}/objectives/deploys-advantage/")
    row = page.locator(".kr-table tbody tr", has_text="Reduce deployment lead time")
    score = row.locator("td").nth(3)
    assert re.fullmatch(r"\d+%", score.inner_text().strip())
    for shown in (score, row.locator(".status")):
        shown.scroll_into_view_if_needed()
        box = shown.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert "Score" in score.evaluate("cell => getComputedStyle(cell, '::before').content")


def test_my_check_ins_with_30_key_results_fits_and_no_change_for_all_records_them(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    """The page at its longest, 30 rows, before and after each submit of "No change for all":
    first without the confidences nobody gave yet (the rows are marked), then with them."""
    flow = make_flow(world, 30)
    page = signed_in_page(world.member)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    problems: list[str] = []
    status, found = measure(page, "/checkins/", live_server.url + "/checkins/")
    problems += found
    page.get_by_role("button", name="No change for all").click()
    page.wait_for_selector("p[role=alert]")
    page.wait_for_load_state("networkidle")
    problems += [f"refused: {p}" for p in page.evaluate(MEASURE, WIDTH)]
    assert page.locator(".checkin-row .field-error").count() == len(flow.automatic)
    for kr in flow.automatic:
        page.locator(f"#id_kr{kr.pk}-confidence").select_option("on_track")
    page.get_by_role("button", name="No change for all").click()
    page.wait_for_selector("#saved-title")
    page.wait_for_load_state("networkidle")
    problems += [f"saved: {p}" for p in page.evaluate(MEASURE, WIDTH)]
    assert not problems, "\n".join(problems)
    assert status == 200
    assert page.locator("#saved-title").inner_text() == "Saved 30 check-ins"
    assert len(flow.recorded()) == 30


LEGEND_AND_BORDER = """(legend) => {
  const fieldset = legend.parentElement;
  const box = fieldset.getBoundingClientRect();
  const style = getComputedStyle(fieldset);
  const own = legend.getBoundingClientRect();
  const lines = Math.round(own.height / parseFloat(getComputedStyle(legend).lineHeight));
  return {
    lines,
    legendTop: own.top,
    // Where the fieldset's content starts: below its top border and padding.
    contentTop: box.top + parseFloat(style.borderTopWidth) + parseFloat(style.paddingTop),
  };
}"""


def test_a_check_in_rows_long_title_sits_below_its_border_at_360_px(
    world: World, live_server: Any, signed_in_page: Any
) -> None:
    """A key result's title wrapping to two lines in /checkins/ is not crossed by the row's top
    border: it sits inside the box, above the row's facts."""
    flow = make_flow(world, 3)
    long_one = flow.all[-1]
    long_one.title = "Cut the time from a merged change to production for every checkout service"
    long_one.save(update_fields=["title"])
    page = signed_in_page(world.member)
    page.set_viewport_size({"width": WIDTH, "height": 740})
    page.goto(live_server.url + "/checkins/")
    legend = page.locator(f"#row-{long_one.pk} legend")
    found = legend.evaluate(LEGEND_AND_BORDER)
    assert found["lines"] >= 2, found  # the case at hand: it wraps
    assert found["legendTop"] >= found["contentTop"] - 0.5, found
    facts = page.locator(f"#row-{long_one.pk} .row-facts").bounding_box()
    assert facts is not None
    assert facts["y"] >= legend.bounding_box()["y"] + legend.bounding_box()["height"] - 0.5

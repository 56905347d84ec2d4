"""The dashboard ("/") and the team page ("/teams/<key>/") as a signed-in person sees them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.goals.checkins.services import record_checkin
from okrs.goals.models import KeyResult, Objective
from okrs.metrics.sources.sync import SYNC_ACTOR
from okrs.org.audit import Actor
from okrs.org.models import Team
from tests.conftest import NOW, World


def check_in(world: World, kr: KeyResult, value: float, confidence: str | None = None,
             note: str = "", at: dt.datetime | None = None) -> None:  # fmt: skip
    record_checkin(
        key_result=kr, value=value, actor=Actor(world.admin, "web"), confidence=confidence,
        note=note, at=at,
    )  # fmt: skip


def counts(html: str, box: str) -> dict[str, int]:
    """The numbers shown per status in one of the count boxes (#kr-counts, #objective-counts)."""
    section = html.split(f'id="{box}"', 1)[1].split("</ul>", 1)[0]
    found = re.findall(
        r'data-status="(\w+)">.*?<strong class="count">(\d+)</strong>', section, re.S
    )
    return {status: int(n) for status, n in found}


def section(html: str, section_id: str) -> str:
    """The inside of the element with that id, up to its own closing </section>."""
    rest = html.split(f'id="{section_id}"', 1)[1]
    depth, position = 1, 0
    for tag in re.finditer(r"<section\b|</section>", rest):
        depth += 1 if tag.group() == "<section" else -1
        if depth == 0:
            return rest[: tag.start()]
        position = tag.end()
    return rest[position:]


def attention_group(html: str, reason: str) -> str:
    return section(html, f"attention-{reason}")


@pytest.fixture
def signed_in(client: Client, world: World) -> Client:
    client.force_login(world.member)
    return client


@pytest.fixture
def mixed(world: World, frozen_now: dt.datetime) -> World:
    """lead-time on track (checked in today), conversion at risk, change-failure-rate off track
    and never checked in."""
    check_in(world, world.lead_time, 40, "on_track", "Canary deploys halved the queue",
             at=NOW - dt.timedelta(hours=2))  # fmt: skip
    check_in(world, world.conversion, 2.3, "at_risk", "Payment page still slow",
             at=NOW - dt.timedelta(hours=1))  # fmt: skip
    return world


def test_pages_require_sign_in(client: Client, world: World) -> None:
    for url in ("/", "/teams/platform/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_poll_after_the_session_ended_sends_the_whole_page_to_sign_in(
    client: Client, world: World
) -> None:
    response = client.get(
        "/?cycle=2026-Q4",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?team=platform"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert "team%3Dplatform" in response["HX-Redirect"]


def test_counts_by_status(signed_in: Client, mixed: World) -> None:
    html = signed_in.get("/").content.decode()
    assert counts(html, "kr-counts") == {"off_track": 1, "at_risk": 1, "on_track": 1}
    # deploys-advantage has an off-track key result; checkout-conversion an at-risk one; the
    # company goal has no key results of its own and so no status.
    assert counts(html, "objective-counts") == {"off_track": 1, "at_risk": 1, "on_track": 0}
    assert "2026-Q4" in html


def test_needs_attention_is_grouped_by_the_most_urgent_reason(
    signed_in: Client, mixed: World
) -> None:
    html = signed_in.get("/").content.decode()
    attention = section(html, "needs-attention")
    assert "Reduce deployment lead time" not in attention  # on track and checked in
    # Off track before at risk; each key result is listed once, under its worst reason.
    assert attention.index('id="attention-off_track"') < attention.index('id="attention-at_risk"')
    off_track = attention_group(html, "off_track")
    assert 'href="/key-results/deploys-advantage/change-failure-rate/"' in off_track
    assert "also stale" in off_track
    assert attention.count("Keep the change failure rate below 5%") == 1
    at_risk = attention_group(html, "at_risk")
    assert 'href="/key-results/checkout-conversion/conversion/"' in at_risk
    assert "Raise checkout conversion" not in off_track


def test_each_item_shows_its_status_once(signed_in: Client, mixed: World) -> None:
    html = signed_in.get("/").content.decode()
    # The group's heading says the status, with its symbol; its rows do not repeat it.
    off_track = attention_group(html, "off_track")
    assert off_track.count("Off track") == 1
    assert '<span aria-hidden="true">✕</span> Off track' in off_track
    assert attention_group(html, "at_risk").count("At risk") == 1
    moved = section(html, "what-moved")
    for title in ("Reduce deployment lead time", "Raise checkout conversion"):
        row = moved.split(title, 1)[1].split("</li>", 1)[0]
        assert len(re.findall(r'class="status status-', row)) == 1, row


def test_on_track_reasons_show_the_badge_once(
    signed_in: Client, world: World, frozen_now: dt.datetime
) -> None:
    # On track by its owner's word, but the last check-in is two weeks old: stale.
    check_in(world, world.lead_time, 40, "on_track", at=NOW - dt.timedelta(days=14))
    html = signed_in.get("/").content.decode()
    stale = attention_group(html, "stale")
    assert "Reduce deployment lead time" in stale
    assert "No check-in for more than 10 days." in stale
    assert stale.count('class="status status-') == 1
    assert '<span aria-hidden="true">✓</span> On track' in stale


def test_a_missed_check_in_is_a_reason(signed_in: Client, world: World) -> None:
    # Wednesday: everyone was due since Monday; only conversion was checked in this week.
    # lead-time was checked in last Friday, on track: this week's check-in is all it lacks.
    check_in(world, world.lead_time, 40, "on_track", at=NOW - dt.timedelta(days=3))
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        check_in(world, world.conversion, 2.8, "on_track")
        html = signed_in.get("/").content.decode()
    attention = section(html, "needs-attention")
    assert "Reduce deployment lead time" in attention_group(html, "missed_checkin")
    # change-failure-rate is off track too (never checked in): listed there, once.
    off_track = attention_group(html, "off_track")
    assert "also stale, missed this week&#x27;s check-in" in off_track
    assert "Raise checkout conversion" not in attention
    compliance = section(html, "compliance")
    assert "1 of 3 key results checked in" in compliance
    assert "33%" in compliance
    teams = section(html, "teams")
    assert "Check-ins 0/2 (0%)" in teams.split('data-team="platform"')[1].split("</li>")[0]
    assert "Check-ins 1/1 (100%)" in teams.split('data-team="checkout"')[1].split("</li>")[0]


def test_needs_attention_shows_at_most_25(
    signed_in: Client, world: World, frozen_now: dt.datetime
) -> None:
    extra = Objective.objects.create(
        key="many", cycle=world.cycle, team=world.platform, title="Many", owner=world.member
    )
    for i in range(30):
        KeyResult.objects.create(
            objective=extra, key=f"kr-{i}", title=f"Extra result {i}", owner=world.member,
            kind="increase", baseline=0, target=10,
        )  # fmt: skip
    html = signed_in.get("/").content.decode()
    attention = section(html, "needs-attention")
    assert 'Needs attention <span class="muted">(33)</span>' in attention
    # All 33 are off track: five at once, twenty more folded away, the rest counted.
    off_track = attention_group(html, "off_track")
    shown, folded = off_track.split('<details class="attention-more"', 1)
    assert shown.count('<li><a href="/key-results/') == 5
    assert folded.count('<li><a href="/key-results/') == 20
    assert "<summary>20 more</summary>" in folded
    assert "and 8 more" in off_track


def test_what_moved_this_week_with_the_note(signed_in: Client, mixed: World) -> None:
    moved = section(signed_in.get("/").content.decode(), "what-moved")
    assert "Reduce deployment lead time" in moved
    assert "0% → <strong>62%</strong>" in moved
    assert "Canary deploys halved the queue" in moved
    # The largest change comes first.
    assert moved.index("Reduce deployment lead time") < moved.index("Raise checkout conversion")


def test_what_moved_credits_whoever_checked_in_not_the_owner(
    signed_in: Client, world: World, frozen_now: dt.datetime
) -> None:
    # Owen owns conversion; Carl, who leads his team, checks in on it for him.
    record_checkin(
        key_result=world.conversion, value=2.5, actor=Actor(world.checkout_lead, "web"),
        confidence="on_track", note="Covering this week", at=NOW - dt.timedelta(hours=1),
    )  # fmt: skip
    record_checkin(
        key_result=world.lead_time, value=40, actor=Actor(world.member, "web"),
        confidence="on_track", at=NOW - dt.timedelta(hours=1),
    )  # fmt: skip
    moved = section(signed_in.get("/").content.decode(), "what-moved")
    conversion = moved.split("Raise checkout conversion", 1)[1].split("</li>", 1)[0]
    assert "checked in by Carl Lead" in conversion
    assert "Owen" not in conversion
    lead_time = moved.split("Reduce deployment lead time", 1)[1].split("</li>", 1)[0]
    assert "checked in by Maya Patel" in lead_time


def test_what_moved_credits_a_sync_to_its_source(
    signed_in: Client, world: World, frozen_now: dt.datetime
) -> None:
    world.lead_time.source = {"kind": "prometheus", "query": "lead_time_hours"}
    world.lead_time.save(update_fields=["source"])
    check_in(world, world.lead_time, 80, "on_track", at=NOW - dt.timedelta(days=2))
    record_checkin(
        key_result=world.lead_time, value=40, actor=SYNC_ACTOR, at=NOW - dt.timedelta(hours=1)
    )
    moved = section(signed_in.get("/").content.decode(), "what-moved")
    row = moved.split("Reduce deployment lead time", 1)[1].split("</li>", 1)[0]
    assert "synced from Prometheus (PromQL instant query)" in row
    assert "Ada Admin" not in row


def test_team_rows_with_their_objectives(signed_in: Client, mixed: World) -> None:
    teams = section(signed_in.get("/").content.decode(), "teams")
    for key in ("engineering", "platform", "checkout"):
        assert f'href="/teams/{key}/"' in teams
    platform = teams.split('data-team="platform"')[1].split("</li>\n      \n")[0]
    assert 'href="/objectives/deploys-advantage/"' in platform
    assert "Off track" in platform
    # The company goal gets its own row, with its rolled-up score.
    assert 'href="/objectives/grow-self-serve/"' in teams.split('data-team="')[0]


def test_team_filter_shows_the_team_and_its_sub_teams(signed_in: Client, mixed: World) -> None:
    html = signed_in.get("/?team=platform").content.decode()
    assert counts(html, "kr-counts") == {"off_track": 1, "at_risk": 0, "on_track": 1}
    assert "Raise checkout conversion" not in html
    assert 'data-team="checkout"' not in html
    assert '<option value="platform" selected>' in html

    html = signed_in.get("/?team=engineering").content.decode()
    assert counts(html, "kr-counts") == {"off_track": 1, "at_risk": 1, "on_track": 1}
    assert 'data-team="checkout"' in html and 'data-team="platform"' in html


def test_unknown_team_or_cycle_is_not_found(signed_in: Client, world: World) -> None:
    assert signed_in.get("/?team=nope").status_code == 404
    assert signed_in.get("/?cycle=1999-Q1").status_code == 404
    assert signed_in.get("/teams/nope/").status_code == 404
    assert signed_in.get("/teams/platform/?cycle=1999-Q1").status_code == 404


def test_no_cycles_yet(client: Client, world: World) -> None:
    world.cycle.objectives.all().delete()
    world.cycle.delete()
    client.force_login(world.admin)
    response = client.get("/")
    assert response.status_code == 200
    assert "There are no cycles yet" in response.content.decode()


def test_a_poll_gets_the_live_part_only_keeping_cycle_and_team(
    signed_in: Client, mixed: World
) -> None:
    page = signed_in.get("/?team=platform").content.decode()
    poll_url = re.search(r'hx-get="([^"]+)"', page)
    assert poll_url is not None
    url = poll_url.group(1).replace("&amp;", "&")
    assert url == "/?cycle=2026-Q4&team=platform"
    assert 'hx-trigger="every 10s"' in page

    live = signed_in.get(url, headers={"HX-Request": "true"})
    body = live.content.decode()
    assert live.status_code == 200
    assert "<html" not in body and 'id="dashboard-live"' in body
    assert counts(body, "kr-counts") == {"off_track": 1, "at_risk": 0, "on_track": 1}

    # Nothing changed since: no swap, so focus and scroll stay where they are.
    seen = re.search(r'"seen": "(\w+)"', body)
    assert seen is not None
    again = signed_in.get(f"{url}&seen={seen.group(1)}", headers={"HX-Request": "true"})
    assert again.status_code == 204

    check_in(mixed, mixed.change_failure_rate, 3, "on_track")
    changed = signed_in.get(f"{url}&seen={seen.group(1)}", headers={"HX-Request": "true"})
    assert changed.status_code == 200
    assert counts(changed.content.decode(), "kr-counts") == {
        "off_track": 0, "at_risk": 0, "on_track": 2,
    }  # fmt: skip


def test_team_page(signed_in: Client, mixed: World) -> None:
    html = signed_in.get("/teams/engineering/").content.decode()
    assert "<h1>Engineering</h1>" in html
    assert "Erin Lead" in section(html, "team-lead")
    assert 'href="/teams/platform/"' in section(html, "sub-teams")
    assert 'href="/teams/checkout/"' in section(html, "sub-teams")
    assert counts(html, "kr-counts") == {"off_track": 1, "at_risk": 1, "on_track": 1}
    assert 'href="/objectives/deploys-advantage/"' in html
    assert 'href="/key-results/deploys-advantage/lead-time/"' in html
    assert "now 40 hours, target 6 hours" in html

    html = signed_in.get("/teams/platform/").content.decode()
    assert "Lena Lead" in section(html, "team-lead")
    members = section(html, "team-members")
    assert "Maya Patel" in members and "Lena Lead" in members
    assert 'href="/teams/engineering/"' in html  # its parent
    assert "Raise checkout conversion" not in html
    assert "Check-ins" in html or "No check-ins due" in html
    assert 'href="/?cycle=2026-Q4&amp;team=platform"' in html


def add_objectives(world: World, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        objective = Objective.objects.create(
            key=f"extra-{i}", cycle=world.cycle, team=world.checkout if i % 2 else world.platform,
            title=f"Extra objective {i}", owner=world.platform_lead,
        )  # fmt: skip
        for j in range(2):
            kr = KeyResult.objects.create(
                objective=objective, key=f"kr-{j}", title=f"Extra {i}.{j}",
                owner=world.other_member if j else world.member, kind="increase", baseline=0,
                target=10,
            )  # fmt: skip
            check_in(world, kr, 3, "at_risk", "steady", at=NOW - dt.timedelta(days=j + 1))


@pytest.mark.parametrize("url", ["/", "/?team=engineering", "/teams/engineering/"])
def test_queries_do_not_grow_with_the_plan(
    signed_in: Client, world: World, frozen_now: dt.datetime, url: str
) -> None:
    signed_in.get(url)  # the first read of a process also checks the cache's triggers, once
    add_objectives(world, 1)
    with CaptureQueriesContext(connection) as small:
        assert signed_in.get(url).status_code == 200
    add_objectives(world, 12, start=1)
    with CaptureQueriesContext(connection) as large:
        response = signed_in.get(url)
    assert response.status_code == 200
    assert "Extra objective 12" in response.content.decode()
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def add_teams(world: World, n: int, start: int = 0) -> None:
    """Sub-teams of platform, each with an objective and a key result."""
    for i in range(start, start + n):
        team = Team.objects.create(key=f"squad-{i}", name=f"Squad {i}", parent=world.platform)
        objective = Objective.objects.create(
            key=f"squad-{i}-goal", cycle=world.cycle, team=team, title=f"Squad {i} goal",
            owner=world.member,
        )  # fmt: skip
        KeyResult.objects.create(
            objective=objective, key="kr", title=f"Squad {i} result", owner=world.member,
            kind="increase", baseline=0, target=10,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "rows"), [("/", 3 + 13), ("/?team=platform", 1 + 13), ("/teams/engineering/", 0)]
)
def test_more_teams_cost_no_more_templates_or_queries(
    signed_in: Client, world: World, frozen_now: dt.datetime, url: str, rows: int
) -> None:
    # A template included per team row made the whole organisation's page (500 teams) cost
    # more than evaluating its cycle. Each size is read twice and the second read counted: the
    # first after a change of plan also reloads the evaluation's cache (docs/evaluation.md).
    add_teams(world, 1)
    signed_in.get(url)
    with CaptureQueriesContext(connection) as small_queries:
        small = signed_in.get(url)
    add_teams(world, 12, start=1)
    signed_in.get(url)
    with CaptureQueriesContext(connection) as large_queries:
        large = signed_in.get(url)
    html = large.content.decode()
    assert "Squad 12 goal" in html
    assert html.count('data-team="') == rows  # every team its row on the dashboard
    assert [t.name for t in large.templates] == [t.name for t in small.templates]
    assert len(large_queries) == len(small_queries), [
        q["sql"] for q in large_queries.captured_queries
    ]


def test_names_and_titles_are_shown_as_text(
    signed_in: Client, world: World, frozen_now: dt.datetime
) -> None:
    team = Team.objects.create(key="labs", name='R&D <b>"labs"</b>', parent=world.engineering)
    Objective.objects.create(
        key="labs-goal", cycle=world.cycle, team=team, title="<script>alert('x')</script>",
        owner=world.member,
    )  # fmt: skip
    html = signed_in.get("/").content.decode()
    assert "<script>alert" not in html and "<b>" not in html
    teams = section(html, "teams")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in teams
    assert "<strong>R&amp;D &lt;b&gt;&quot;labs&quot;&lt;/b&gt;</strong>" in teams
    picker = html.split('id="pick-team"', 1)[1].split("</select>", 1)[0]
    assert '<option value="labs">— R&amp;D &lt;b&gt;&quot;labs&quot;&lt;/b&gt;</option>' in picker


def test_the_team_tree_is_depth_first_by_name() -> None:
    from okrs.goals.views.dashboard import team_tree

    def team(pk: int, name: str, parent: int | None = None) -> Team:
        return Team(pk=pk, key=f"t{pk}", name=name, parent_id=parent)

    teams = [
        team(1, "Platform"), team(2, "checkout"), team(3, "Zeta", 1), team(4, "api", 1),
        team(5, "Edge", 4), team(6, "Loop A", 7), team(7, "Loop B", 6), team(8, "Orphan", 99),
    ]  # fmt: skip
    tree = [(n.team.name, n.depth) for n in team_tree(teams)]
    # Sub-teams follow their parent, siblings by name whatever the case; a team whose parent
    # is unknown is a root; teams in a loop of parents are shown nowhere rather than forever.
    assert tree == [
        ("checkout", 0), ("Orphan", 0), ("Platform", 0), ("api", 1), ("Edge", 2), ("Zeta", 1),
    ]  # fmt: skip
    assert [(n.team.name, n.depth) for n in team_tree(teams, teams[0])] == [
        ("Platform", 0), ("api", 1), ("Edge", 2), ("Zeta", 1),
    ]  # fmt: skip

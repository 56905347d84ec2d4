"""The demo organisation: what `okrs demo` loads, and that loading it again changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
import time_machine
from django.db.models import Model

from okrs.ascode.parse import load_plan_file
from okrs.cli import demo as demo_command
from okrs.demo.load import PLAN_PATH, STORIES, DemoResult, history_points, load_demo
from okrs.goals.alignment import build_alignment
from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import CycleState, KeyResultState, current_cycle, evaluate_cycle
from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.metrics.delivery.models import Change, Deployment, Incident, RawEvent, WebhookSecret
from okrs.org.models import AuditEntry, Organisation, Person, Team
from tests.demo_once import demo_loaded_once

# The demo's story is told as of this instant (a Friday, two thirds through 2026-Q4).
TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)

PLATFORM_TITLE = (
    "Make our deployment infrastructure a competitive advantage rather than a delivery bottleneck"
)
COUNTED: tuple[type[Model], ...] = (
    Person,
    Team,
    Cycle,
    Objective,
    KeyResult,
    Initiative,
    ContributionLink,
    CheckIn,
    AuditEntry,
    RawEvent,
    Deployment,
    Change,
    Incident,
    WebhookSecret,
)


@pytest.fixture
def at_demo_today() -> Iterator[dt.datetime]:
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


demo_loaded = demo_loaded_once(TODAY)


@pytest.fixture
def demo(demo_loaded: DemoResult, db: None, at_demo_today: dt.datetime) -> DemoResult:
    return demo_loaded


@pytest.fixture
def state(demo: DemoResult) -> CycleState:
    return evaluate_cycle(Cycle.objects.get(key="2026-Q4"), as_of=TODAY)


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def by_ref(state: CycleState) -> dict[str, KeyResultState]:
    return {kr.key_result.ref: kr for kr in state.key_results()}


def test_loading_twice_changes_nothing(demo: DemoResult) -> None:
    before = counts()
    again = load_demo(today=TODAY)
    assert again.plan_changes == 0
    assert again.checkins_added == 0
    assert counts() == before


def test_loading_again_later_adds_no_history(demo: DemoResult) -> None:
    before = counts()
    later = TODAY + dt.timedelta(days=14)
    with time_machine.travel(later, tick=False):
        again = load_demo()
    assert again.checkins_added == 0
    assert counts() == before


def test_the_organisation_has_realistic_size(demo: DemoResult) -> None:
    org = Organisation.current()
    assert (org.name, org.timezone) == ("Acme", "Europe/London")
    assert 55 <= demo.people <= 65
    assert demo.teams == 8
    assert 12 <= demo.objectives <= 16
    assert 35 <= demo.key_results <= 45
    assert demo.checkins_added > 200
    assert {p.timezone for p in Person.objects.all()} >= {
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Chicago",
        "Asia/Kolkata",
    }
    assert set(Person.objects.values_list("channel", flat=True)) == {"slack", "teams", "email"}
    engineering = Team.objects.get(key="engineering")
    assert set(engineering.children.values_list("key", flat=True)) >= {
        "platform",
        "reliability",
        "checkout",
    }
    for team in Team.objects.all():
        assert team.lead is not None
        assert team.members.filter(pk=team.lead.pk).exists()
    quarter = Cycle.objects.get(key="2026-Q4")
    assert (quarter.start, quarter.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter.parent is not None and quarter.parent.key == "2026"
    assert current_cycle(TODAY) == quarter


def test_team_leads_are_leads_and_the_ceo_is_admin(demo: DemoResult) -> None:
    from okrs.org.models import Role

    leads = set(Team.objects.values_list("lead__email", flat=True))
    assert set(Person.objects.filter(role=Role.LEAD).values_list("email", flat=True)) == leads
    assert Person.objects.get(email="ceo@acme.test").role == Role.ADMIN
    # An admin made by hand is not lowered by loading the demo again.
    Person.objects.filter(email="maya@acme.test").update(role=Role.ADMIN)
    load_demo(today=TODAY)
    assert Person.objects.get(email="maya@acme.test").role == Role.ADMIN


def test_company_goals_cover_the_business(demo: DemoResult) -> None:
    company = Objective.objects.filter(level="company")
    assert set(company.values_list("key", flat=True)) == {
        "grow-revenue",
        "keep-customers",
        "product-adoption",
        "time-to-market",
    }
    team_objectives = Objective.objects.exclude(level="company")
    aligned_to_kr = team_objectives.filter(aligns_to_key_result__isnull=False)
    assert aligned_to_kr.count() >= 3
    assert ContributionLink.objects.count() >= 2


def test_platform_objective_and_its_key_results(demo: DemoResult) -> None:
    objective = Objective.objects.get(title=PLATFORM_TITLE)
    assert objective.team is not None and objective.team.key == "platform"
    krs = {kr.key: kr for kr in objective.key_results.all()}
    assert list(krs) == [
        "lead-time",
        "change-failure-rate",
        "platform-dependency",
        "golden-path",
        "ci-queue-time",
    ]
    lead_time = krs["lead-time"]
    assert (lead_time.kind, lead_time.baseline, lead_time.target, lead_time.unit) == (
        "decrease",
        96,
        6,
        "hours",
    )
    assert lead_time.source == {
        "kind": "dora",
        "metric": "lead_time",
        "service": "checkout",
        "window": "30d",
    }
    failure_rate = krs["change-failure-rate"]
    assert (failure_rate.kind, failure_rate.target, failure_rate.unit) == ("stay_below", 5, "%")
    dependency = krs["platform-dependency"]
    assert (dependency.kind, dependency.baseline, dependency.target) == ("decrease", 40, 8)
    # "Down 80%".
    assert dependency.baseline is not None
    assert dependency.target == pytest.approx(dependency.baseline * 0.2)


def test_every_key_result_has_a_named_owner_and_a_story(demo: DemoResult) -> None:
    plan = load_plan_file(PLAN_PATH)
    refs = {f"{o.key}/{kr.key}" for o in plan.objectives for kr in o.key_results}
    assert refs == set(STORIES)
    for kr in KeyResult.objects.select_related("owner"):
        assert kr.owner.name


def test_every_status_shows_at_the_demo_date(state: CycleState) -> None:
    krs = by_ref(state)
    statuses = {kr.result.status for kr in krs.values()}
    assert statuses == {"on_track", "at_risk", "off_track"}
    on_track = [kr for kr in krs.values() if kr.result.status == "on_track"]
    assert len(on_track) >= len(krs) / 2
    # Off track by the owner's word while the numbers are on pace ...
    assert any(
        kr.result.status == "off_track" and kr.result.pace == "on_track" for kr in krs.values()
    )
    # ... and off track by pace with no fresh confidence to go on.
    assert any(
        kr.result.status == "off_track" and kr.result.confidence is None for kr in krs.values()
    )
    assert krs["effortless-checkout/payment-failures"].result.status == "off_track"
    assert krs["first-week-wins/invites-per-account"].result.status == "off_track"
    assert krs["deploys-advantage/lead-time"].result.status == "on_track"
    assert krs["deploys-advantage/platform-dependency"].result.status == "at_risk"


def test_stale_and_drifting_key_results_show(state: CycleState) -> None:
    krs = by_ref(state)
    stale = {ref for ref, kr in krs.items() if kr.result.stale}
    assert {"kubernetes-migration/decommission-vms", "same-day-numbers/churn-early-warning"} <= (
        stale
    )
    for ref in stale:
        last = krs[ref].last_checkin_at
        assert last is None or TODAY - last > dt.timedelta(days=10)
    drifting = {ref for ref, kr in krs.items() if kr.drifting}
    assert "keep-customers/logo-churn" in drifting
    for ref in drifting:
        result = krs[ref].result
        assert result.status == "on_track"
        assert result.forecast_score is not None and result.forecast_score < 0.7


def test_orphans_show_on_the_alignment_map(state: CycleState) -> None:
    orphans = set(build_alignment(state).orphans)
    assert orphans == {"kubernetes-migration", "warehouse-rebuild"}


def test_the_weak_deliverable_key_result_is_loaded_and_not_done(state: CycleState) -> None:
    migration = by_ref(state)["kubernetes-migration/complete-migration"]
    assert migration.key_result.title == "Complete the Kubernetes migration"
    assert migration.key_result.kind == "milestone"
    assert migration.result.current == 0
    assert migration.result.pace == "off_track"


def test_history_is_weekly_by_the_owner_inside_the_cycle(demo: DemoResult) -> None:
    quarter = Cycle.objects.get(key="2026-Q4")
    start, _ = quarter.bounds("Europe/London")
    checkins = CheckIn.objects.select_related("key_result__owner", "author")
    assert checkins.exists()
    for checkin in checkins:
        assert start <= checkin.at <= TODAY
        if checkin.source == "sync":
            # A key result with a source reads its value itself; its owner gives the confidence
            # at the same instant.
            assert checkin.key_result.source and checkin.author is None
            assert checkin.confidence is None and checkin.note == ""
            assert checkins.filter(key_result=checkin.key_result, at=checkin.at).count() == 2
        else:
            assert checkin.author == checkin.key_result.owner
            assert checkin.source in ("web", "cli")
    lead_time = KeyResult.objects.get(objective__key="deploys-advantage", key="lead-time")
    times = list(lead_time.checkins.exclude(source="sync").values_list("at", flat=True))
    synced = list(lead_time.checkins.filter(source="sync").values_list("at", flat=True))
    assert synced == times
    assert 7 <= len(times) <= 10
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(dt.timedelta(days=5) <= gap <= dt.timedelta(days=9) for gap in gaps)
    assert any("blocked" in note.lower() for note in CheckIn.objects.values_list("note", flat=True))


def test_history_is_the_same_on_every_load() -> None:
    quarter = Cycle(key="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    start, end = quarter.bounds("Europe/London")

    def history() -> list[tuple[dt.datetime, float, str | None, str]]:
        points = history_points(
            ref="deploys-advantage/lead-time",
            kind="decrease",
            baseline=96,
            target=6,
            story=STORIES["deploys-advantage/lead-time"],
            checkin_day="monday",
            tz_name="Europe/London",
            cycle_start=start,
            cycle_end=end,
            until=TODAY,
        )
        return [(p.at, p.value, p.confidence, p.note) for p in points]

    assert history() == history()
    assert history()[-1][1] < 96


def test_only_the_sign_ins_that_still_work_are_printed(demo: DemoResult) -> None:
    maya = Person.objects.get(email="maya@acme.test")
    maya.set_password("a-passphrase-of-her-own")
    maya.save()
    assert [line.split()[0] for line in demo_command.sign_in_lines("http://x/")[1:]] == [
        "ceo@acme.test"
    ]
    # Loading the demo again does not take her password back.
    load_demo(today=TODAY)
    assert len(demo_command.sign_in_lines("http://x/")) == 2

"""`okrs export`: the plan format, and `export` then `apply` changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from okrs.ascode.apply import apply_plan, format_changes
from okrs.ascode.export import UnknownCycle, export_plan
from okrs.ascode.parse import load_plan
from okrs.ascode.validate import validate_plan
from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry, Organisation, Person, Team

DATA = Path(__file__).parent / "data"
EXAMPLE_PLAN = DATA / "example_plan.yaml"
DEMO_PLAN = Path(__file__).parent.parent / "okrs" / "demo" / "plan.yaml"
ACTOR = Actor(person=None, channel="apply")

pytestmark = pytest.mark.django_db


def apply_text(text: str, **options: bool) -> list[str]:
    return format_changes(
        apply_plan(load_plan(text, filename="export.yaml"), actor=ACTOR, **options)
    )


def test_export_of_the_example_plan_reads_like_it() -> None:
    apply_text(EXAMPLE_PLAN.read_text())

    exported = YAML(typ="safe").load(export_plan())

    assert exported["organisation"] == "Acme"
    assert exported["timezone"] == "Europe/London"
    assert exported["cycles"] == [
        {"key": "2026-Q4", "start": dt.date(2026, 10, 1), "end": dt.date(2026, 12, 31)}
    ]
    assert exported["people"] == [
        {"email": "ceo@acme.test", "name": "Alex Chen"},
        {
            "email": "maya@acme.test",
            "name": "Maya Patel",
            "timezone": "Europe/London",
            "channel": "slack",
        },
        {"email": "sam@acme.test", "name": "Sam Reyes", "timezone": "America/Chicago"},
    ]
    assert exported["teams"] == [
        {"key": "engineering", "name": "Engineering", "lead": "ceo@acme.test"},
        {
            "key": "platform",
            "name": "Platform",
            "parent": "engineering",
            "lead": "maya@acme.test",
            "members": ["maya@acme.test", "sam@acme.test"],
        },
    ]
    grow, deploys = exported["objectives"]
    assert grow == {
        "key": "grow-self-serve",
        "cycle": "2026-Q4",
        "level": "company",
        "title": "Grow revenue from self-serve customers",
        "owner": "ceo@acme.test",
    }
    assert list(deploys) == [
        "key",
        "cycle",
        "level",
        "team",
        "title",
        "owner",
        "aligns_to",
        "key_results",
        "initiatives",
    ]
    lead_time, cfr = deploys["key_results"]
    # The kind is left out where baseline and target imply it, as the example does.
    assert lead_time == {
        "key": "lead-time",
        "title": "Reduce deployment lead time from 4 days to 6 hours",
        "owner": "maya@acme.test",
        "baseline": 96,
        "target": 6,
        "unit": "hours",
        "source": {"kind": "dora", "metric": "lead_time", "service": "checkout", "window": "30d"},
    }
    assert cfr["kind"] == "stay_below" and cfr["unit"] == "%"
    assert deploys["initiatives"] == [
        {
            "key": "canary",
            "title": "Roll out canary deployments",
            "key_result": "lead-time",
            "status": "in_progress",
        }
    ]


def test_export_then_apply_changes_nothing() -> None:
    apply_text(EXAMPLE_PLAN.read_text())
    audit_rows = AuditEntry.objects.count()

    assert apply_text(export_plan()) == ["No changes."]
    assert apply_text(export_plan(), prune=True) == ["No changes."]
    assert AuditEntry.objects.count() == audit_rows


def test_export_rebuilds_the_same_plan_in_an_empty_database() -> None:
    apply_text(EXAMPLE_PLAN.read_text())
    exported = export_plan()
    for model in (Objective, Team, Cycle, Person, Organisation):
        model.objects.all().delete()

    apply_text(exported)

    assert export_plan() == exported


def test_the_demo_plan_applies_and_round_trips() -> None:
    text = DEMO_PLAN.read_text()
    plan = load_plan(text, filename=str(DEMO_PLAN))
    assert [p.format(plan.filename) for p in validate_plan(plan)] == []
    apply_text(text)

    assert apply_text(text) == ["No changes."]
    assert apply_text(export_plan()) == ["No changes."]
    # People the cycle does not name are left out of its export, and only noted by prune.
    lines = apply_text(export_plan("2026-Q4"), prune=True)
    assert lines[-1] == "No changes."
    assert all(line.startswith("note: person ") for line in lines[:-1])


def build_like_the_web_app() -> None:
    """Rows as the web app or the API would leave them: positions all 0, mixed-case email,
    kinds written out, a milestone, a weight, a description on two lines, links both ways."""
    Organisation.objects.create(name="Initech", timezone="America/New_York")
    boss = Person.objects.create_user("Bill@Initech.test", name="Bill Lumbergh")
    peter = Person.objects.create_user("peter@initech.test", channel="teams", timezone="UTC")
    year = Cycle.objects.create(key="2027", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    q1 = Cycle.objects.create(
        key="2027-Q1", name="Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31), parent=year
    )
    q2 = Cycle.objects.create(key="2027-Q2", start=dt.date(2027, 4, 1), end=dt.date(2027, 6, 30))
    software = Team.objects.create(key="software", name="Software", checkin_day="friday")
    tps = Team.objects.create(
        key="tps", name="TPS", parent=software, lead=peter, timezone="America/Chicago"
    )
    tps.members.set([peter, boss])
    annual = Objective.objects.create(
        key="annual", cycle=year, level="company", title="Be profitable", owner=boss
    )
    revenue = KeyResult.objects.create(
        objective=annual,
        key="revenue",
        title="Revenue",
        owner=boss,
        kind="increase",
        baseline=None,
        target=10.5,
        unit="M$",
    )
    reports = Objective.objects.create(
        key="reports",
        cycle=q1,
        team=tps,
        title="Fewer TPS report errors",
        description="Every report\nhas a cover sheet.",
        owner=peter,
        aligns_to_key_result=revenue,
    )
    KeyResult.objects.create(
        objective=reports,
        key="errors",
        title="Errors per week",
        owner=peter,
        kind="decrease",
        baseline=12,
        target=2.5,
        weight=2,
    )
    cover = KeyResult.objects.create(
        objective=reports,
        key="cover-sheets",
        title="Cover sheets",
        owner=peter,
        kind="milestone",
        target=1,
    )
    KeyResult.objects.create(
        objective=reports,
        key="uptime",
        title="Printer uptime",
        owner=boss,
        kind="stay_above",
        baseline=99,
        target=99.5,
        unit="%",
        source={"kind": "prometheus", "query": "up{job='x'}"},
    )
    Initiative.objects.create(
        objective=reports,
        key="memo",
        title="Send the memo",
        key_result=cover,
        owner=boss,
        status="done",
        completed_on=dt.date(2027, 1, 15),
    )
    Initiative.objects.create(objective=reports, key="printer", title="Fix printer")
    later = Objective.objects.create(
        key="later",
        cycle=q2,
        level="individual",
        title="Later",
        owner=peter,
        aligns_to_objective=annual,
    )
    ContributionLink.objects.create(objective=later, to_key_result=revenue)
    ContributionLink.objects.create(objective=later, to_objective=reports)


def test_a_database_built_outside_apply_exports_and_applies_with_no_change() -> None:
    build_like_the_web_app()
    exported = export_plan()
    plan = load_plan(exported)
    assert validate_plan(plan) == []

    assert apply_text(exported) == ["No changes."]
    assert apply_text(exported, prune=True) == ["No changes."]
    assert apply_text(export_plan("2027-Q1"), prune=True) == ["No changes."]
    assert AuditEntry.objects.count() == 0


def test_export_of_one_cycle_holds_its_objectives_and_the_people_they_need() -> None:
    build_like_the_web_app()

    exported = YAML(typ="safe").load(export_plan("2027-Q2"))

    assert [c["key"] for c in exported["cycles"]] == ["2027-Q2"]
    assert [o["key"] for o in exported["objectives"]] == ["later"]
    # Every team (prune removes teams a file leaves out) and the people they and the cycle name.
    assert [t["key"] for t in exported["teams"]] == ["software", "tps"]
    assert [p["email"] for p in exported["people"]] == ["bill@initech.test", "peter@initech.test"]
    assert exported["objectives"][0]["contributes_to"] == ["annual/revenue", "reports"]


def test_export_of_an_unknown_cycle_says_so() -> None:
    with pytest.raises(UnknownCycle, match="no cycle 'nope'"):
        export_plan("nope")


def test_the_shared_world_exports_and_applies_with_no_change(world: object) -> None:
    assert apply_text(export_plan()) == ["No changes."]


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
        min_size=1,
        max_size=40,
    ),
    description=st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40
    ),
    unit=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8),
    target=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
)
def test_any_text_and_number_survive_export_then_apply(
    title: str, description: str, unit: str, target: float
) -> None:
    """YAML has many ways to misread a string ("yes", "1e3", "- x", "#", "a: b", tabs)."""
    with transaction.atomic():
        owner = Person.objects.create_user("o@acme.test", name=title)
        cycle = Cycle.objects.create(key="c", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
        objective = Objective.objects.create(
            key="o", cycle=cycle, level="company", title=title, description=description, owner=owner
        )
        KeyResult.objects.create(
            objective=objective,
            key="k",
            title=title,
            owner=owner,
            kind="stay_above",
            target=target,
            unit=unit,
        )
        exported = export_plan()
        result = apply_plan(load_plan(exported), actor=ACTOR)
        assert result.changes == [], exported
        transaction.set_rollback(True)

"""`okrs apply`: the documented example applies, idempotently, dry-runs, updates, prunes, audits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from okrs.ascode.apply import apply_file, apply_plan, format_changes
from okrs.ascode.parse import load_plan
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry, Organisation, Person, Role, Team

DATA = Path(__file__).parent / "data"
EXAMPLE_PLAN = DATA / "example_plan.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor(person=None, channel="apply")


def apply_text(text: str, actor: Actor, **options: bool) -> list[str]:
    result = apply_plan(load_plan(text, filename="plan.yaml"), actor=actor, **options)
    return format_changes(result)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("org", "goals", "checkins")
    }


def test_the_example_plan_builds_the_plan_it_describes(actor: Actor) -> None:
    result = apply_file(EXAMPLE_PLAN, actor=actor)

    org = Organisation.current()
    assert (org.name, org.timezone) == ("Acme", "Europe/London")

    maya = Person.objects.get(email="maya@acme.test")
    assert (maya.name, maya.timezone, maya.channel) == ("Maya Patel", "Europe/London", "slack")
    ceo = Person.objects.get(email="ceo@acme.test")
    assert (ceo.timezone, ceo.channel, ceo.role) == ("", "email", Role.MEMBER)
    assert not ceo.has_usable_password()
    assert Person.objects.get(email="sam@acme.test").timezone == "America/Chicago"

    platform = Team.objects.get(key="platform")
    assert platform.parent is not None and platform.parent.key == "engineering"
    assert platform.lead == maya
    assert sorted(p.email for p in platform.members.all()) == ["maya@acme.test", "sam@acme.test"]
    assert Team.objects.get(key="engineering").lead == ceo

    cycle = Cycle.objects.get(key="2026-Q4")
    assert (cycle.start, cycle.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))

    deploys = Objective.objects.get(key="deploys-advantage")
    assert deploys.team == platform
    assert deploys.aligns_to_objective == Objective.objects.get(key="grow-self-serve")
    lead_time, cfr = deploys.key_results.all()
    # No kind in the file: target below baseline means decrease.
    assert (lead_time.key, lead_time.kind, lead_time.baseline, lead_time.target) == (
        "lead-time",
        "decrease",
        96,
        6,
    )
    assert lead_time.source == {
        "kind": "dora",
        "metric": "lead_time",
        "service": "checkout",
        "window": "30d",
    }
    assert (cfr.kind, cfr.baseline, cfr.target, cfr.unit, cfr.owner.email) == (
        "stay_below",
        None,
        5,
        "%",
        "sam@acme.test",
    )
    canary = Initiative.objects.get(key="canary")
    assert (canary.status, canary.key_result) == ("in_progress", lead_time)

    lines = format_changes(result)
    assert "create objective deploys-advantage" in lines
    assert "create key_result deploys-advantage/lead-time" in lines
    assert "create initiative deploys-advantage/canary" in lines
    assert "create person maya@acme.test" in lines
    assert lines[0] == (
        'update organisation My organisation: name "My organisation" -> Acme, '
        "timezone UTC -> Europe/London"
    )
    assert lines[-1] == f"{len(result.changes) - 1} created, 1 updated, 0 deleted."
    # Every write is in the audit log, through the apply channel.
    assert AuditEntry.objects.filter(channel="apply").count() == len(result.changes)
    entry = AuditEntry.objects.get(entity="key_result", ref="deploys-advantage/lead-time")
    assert entry.action == "create" and entry.before is None
    assert entry.after is not None and entry.after["target"] == 6


def test_applying_the_same_file_twice_changes_nothing(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    audit_rows = AuditEntry.objects.count()

    second = apply_file(EXAMPLE_PLAN, actor=actor)

    assert second.changes == []
    assert format_changes(second) == ["No changes."]
    assert AuditEntry.objects.count() == audit_rows


def test_dry_run_lists_the_changes_and_writes_nothing(actor: Actor) -> None:
    before = row_counts()

    dry = apply_file(EXAMPLE_PLAN, actor=actor, dry_run=True)

    assert row_counts() == before
    assert dry.dry_run and format_changes(dry)[-1].endswith("created, 1 updated, 0 deleted.")
    real = apply_file(EXAMPLE_PLAN, actor=actor)
    assert [(c.action, c.entity, c.ref) for c in dry.changes] == [
        (c.action, c.entity, c.ref) for c in real.changes
    ]


def test_dry_run_of_an_update_reports_it_but_keeps_the_old_value(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    text = EXAMPLE_PLAN.read_text().replace("target: 6\n", "target: 5\n")

    lines = apply_text(text, actor, dry_run=True)

    assert lines[0] == "update key_result deploys-advantage/lead-time: target 6 -> 5"
    assert KeyResult.objects.get(key="lead-time").target == 6


def test_an_update_writes_only_what_changed_and_keeps_check_ins(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    kr = KeyResult.objects.get(key="lead-time")
    maya = Person.objects.get(email="maya@acme.test")
    CheckIn.objects.create(key_result=kr, value=80, source="web", author=maya, at=timezone.now())
    untouched = Objective.objects.get(key="deploys-advantage")
    text = EXAMPLE_PLAN.read_text().replace("target: 6\n", "target: 5\n")

    lines = apply_text(text, actor)

    assert lines == [
        "update key_result deploys-advantage/lead-time: target 6 -> 5",
        "0 created, 1 updated, 0 deleted.",
    ]
    kr.refresh_from_db()
    assert (kr.target, kr.baseline, kr.title) == (5, 96, kr.title)
    assert kr.checkins.count() == 1  # same row: its history stays
    assert Objective.objects.get(key="deploys-advantage").title == untouched.title
    entry = AuditEntry.objects.filter(action="update").latest("id")
    assert (entry.entity, entry.ref, entry.channel) == (
        "key_result",
        "deploys-advantage/lead-time",
        "apply",
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["target"], entry.after["target"]) == (6, 5)
    assert {k for k in entry.before if entry.before[k] != entry.after[k]} == {"target"}


def test_an_actor_person_is_recorded_on_every_audit_entry() -> None:
    admin = Person.objects.create_user("admin@acme.test", role=Role.ADMIN)
    apply_file(EXAMPLE_PLAN, actor=Actor(person=admin, channel="cli"))
    assert set(AuditEntry.objects.values_list("actor__email", "channel")) == {
        ("admin@acme.test", "cli")
    }


def test_existing_people_keep_their_role_and_password(actor: Actor) -> None:
    maya = Person.objects.create_user("Maya@Acme.test", password="correct horse", role=Role.LEAD)

    result = apply_file(EXAMPLE_PLAN, actor=actor)

    maya.refresh_from_db()
    assert maya.role == Role.LEAD
    assert maya.check_password("correct horse")
    assert Person.objects.filter(email__iexact="maya@acme.test").count() == 1
    assert (
        'update person maya@acme.test: name "" -> "Maya Patel", timezone "" -> Europe/London, '
        "channel email -> slack"
    ) in format_changes(result)


def test_team_members_become_exactly_the_files_list(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    text = EXAMPLE_PLAN.read_text().replace(
        "members: [maya@acme.test, sam@acme.test]", "members: [sam@acme.test, ceo@acme.test]"
    )

    lines = apply_text(text, actor)

    assert lines[0] == (
        "update team platform: members [maya@acme.test, sam@acme.test] -> "
        "[ceo@acme.test, sam@acme.test]"
    )
    platform = Team.objects.get(key="platform")
    assert sorted(p.email for p in platform.members.all()) == ["ceo@acme.test", "sam@acme.test"]
    entry = AuditEntry.objects.get(action="update", entity="team")
    assert entry.before is not None and entry.after is not None
    assert entry.before["members"] == ["maya@acme.test", "sam@acme.test"]
    assert entry.after["members"] == ["ceo@acme.test", "sam@acme.test"]


def test_alignment_to_a_key_result_and_contribution_links(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    text = EXAMPLE_PLAN.read_text() + (
        "  - key: faster-reviews\n"
        "    cycle: 2026-Q4\n"
        "    level: individual\n"
        "    title: Review pull requests within a day\n"
        "    owner: sam@acme.test\n"
        "    aligns_to: deploys-advantage/lead-time\n"
        "    contributes_to: [grow-self-serve, deploys-advantage/change-failure-rate]\n"
        "    key_results:\n"
        "      - key: review-time\n"
        "        title: Median review time below 24 hours\n"
        "        owner: sam@acme.test\n"
        "        kind: stay_below\n"
        "        target: 24\n"
    )

    lines = apply_text(text, actor)

    assert lines == [
        "create objective faster-reviews",
        "create key_result faster-reviews/review-time",
        "create contribution faster-reviews -> grow-self-serve",
        "create contribution faster-reviews -> deploys-advantage/change-failure-rate",
        "4 created, 0 updated, 0 deleted.",
    ]
    reviews = Objective.objects.get(key="faster-reviews")
    assert reviews.aligns_to_key_result == KeyResult.objects.get(key="lead-time")
    assert reviews.aligns_to_objective is None
    assert [link.target_ref for link in reviews.contribution_links.all()] == [
        "grow-self-serve",
        "deploys-advantage/change-failure-rate",
    ]
    assert apply_text(text, actor) == ["No changes."]

    # Re-pointing the alignment moves it from the key result to the objective.
    moved = text.replace("aligns_to: deploys-advantage/lead-time", "aligns_to: deploys-advantage")
    assert apply_text(moved, actor)[0] == (
        "update objective faster-reviews: aligns_to deploys-advantage/lead-time -> "
        "deploys-advantage"
    )
    reviews.refresh_from_db()
    assert reviews.aligns_to_key_result is None
    assert reviews.aligns_to_objective == Objective.objects.get(key="deploys-advantage")


def test_objectives_created_in_any_order_can_align_to_later_ones(actor: Actor) -> None:
    text = """
organisation: Acme
cycles: [{key: 2027-Q1, start: 2027-01-01, end: 2027-03-31}]
people: [{email: a@acme.test}]
objectives:
  - {key: child, cycle: 2027-Q1, level: individual, title: C, owner: a@acme.test,
     aligns_to: parent/kr}
  - key: parent
    cycle: 2027-Q1
    level: company
    title: P
    owner: a@acme.test
    key_results:
      - {key: kr, title: K, owner: a@acme.test, kind: milestone}
"""
    lines = apply_text(text, actor)

    assert "create objective child" in lines
    child = Objective.objects.get(key="child")
    assert child.aligns_to_key_result == KeyResult.objects.get(key="kr")
    milestone = KeyResult.objects.get(key="kr")
    assert (milestone.kind, milestone.target) == ("milestone", 1)
    # Only one change for the child even though its alignment is written in a second pass.
    assert lines.count("create objective child") == 1
    assert not any(line.startswith("update objective") for line in lines)
    assert apply_text(text, actor) == ["No changes."]


def test_positions_follow_file_order(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    text = EXAMPLE_PLAN.read_text()
    first = text.index("      - key: lead-time")
    second = text.index("      - key: change-failure-rate")
    end = text.index("    initiatives:")
    swapped = text[:first] + text[second:end] + text[first:second] + text[end:]

    lines = apply_text(swapped, actor)

    assert lines == [
        "update key_result deploys-advantage/change-failure-rate: position 1 -> 0",
        "update key_result deploys-advantage/lead-time: position 0 -> 1",
        "0 created, 2 updated, 0 deleted.",
    ]
    objective = Objective.objects.get(key="deploys-advantage")
    assert [kr.key for kr in objective.key_results.all()] == ["change-failure-rate", "lead-time"]


def test_prune_removes_a_dropped_key_result_and_audits_it(actor: Actor) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    kr = KeyResult.objects.get(key="change-failure-rate")
    CheckIn.objects.create(key_result=kr, value=4, source="sync")
    text = EXAMPLE_PLAN.read_text()
    start = text.index("      - key: change-failure-rate")
    dropped = text[:start] + text[text.index("    initiatives:") :]

    assert apply_text(dropped, actor) == ["No changes."]  # removal only with prune
    assert KeyResult.objects.filter(key="change-failure-rate").exists()

    lines = apply_text(dropped, actor, prune=True)

    assert lines == [
        "delete key_result deploys-advantage/change-failure-rate (and its 1 check-in)",
        "0 created, 0 updated, 1 deleted.",
    ]
    assert not KeyResult.objects.filter(key="change-failure-rate").exists()
    entry = AuditEntry.objects.get(action="delete")
    assert (entry.entity, entry.ref, entry.after) == (
        "key_result",
        "deploys-advantage/change-failure-rate",
        None,
    )
    assert entry.before is not None and entry.before["target"] == 5
    assert apply_text(dropped, actor, prune=True) == ["No changes."]


def test_prune_removes_objectives_of_the_files_cycles_and_absent_teams_only(
    actor: Actor,
) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    ceo = Person.objects.get(email="ceo@acme.test")
    other_cycle = Cycle.objects.create(
        key="2026-Q3", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30)
    )
    old_team = Team.objects.create(key="old-team", name="Old")
    unused_team = Team.objects.create(key="unused", name="Unused")
    Objective.objects.create(
        key="last-quarter", cycle=other_cycle, title="Q3", owner=ceo, team=old_team
    )
    stray = Objective.objects.create(
        key="stray",
        cycle=Cycle.objects.get(key="2026-Q4"),
        title="Stray",
        owner=ceo,
        level="company",
    )
    ContributionLink.objects.create(
        objective=stray, to_objective=Objective.objects.get(key="grow-self-serve")
    )
    Person.objects.create_user("visitor@acme.test")

    lines = apply_file(EXAMPLE_PLAN, actor=actor, prune=True)

    text = format_changes(lines)
    assert "delete contribution stray -> grow-self-serve" in text
    assert "delete objective stray" in text
    assert "delete team unused" in text
    assert not Team.objects.filter(key="unused").exists()
    assert Objective.objects.filter(key="last-quarter").exists()  # another cycle: untouched
    assert Team.objects.filter(key="old-team").exists()  # still used by Q3
    assert any("old-team" in note and "kept" in note for note in lines.notes)
    assert any("visitor@acme.test" in note for note in lines.notes)
    assert Person.objects.filter(email="visitor@acme.test").exists()
    assert unused_team.pk is not None


def test_prune_unlinks_rows_outside_the_file_that_point_at_what_it_removes(
    actor: Actor,
) -> None:
    apply_file(EXAMPLE_PLAN, actor=actor)
    ceo = Person.objects.get(email="ceo@acme.test")
    q3 = Cycle.objects.create(key="2026-Q3", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30))
    cfr = KeyResult.objects.get(key="change-failure-rate")
    elsewhere = Objective.objects.create(
        key="elsewhere", cycle=q3, title="E", owner=ceo, level="company", aligns_to_key_result=cfr
    )
    text = EXAMPLE_PLAN.read_text()
    start = text.index("      - key: change-failure-rate")
    dropped = text[:start] + text[text.index("    initiatives:") :]

    lines = apply_text(dropped, actor, prune=True)

    assert lines[:2] == [
        "update objective elsewhere: aligns_to deploys-advantage/change-failure-rate -> none",
        "delete key_result deploys-advantage/change-failure-rate",
    ]
    elsewhere.refresh_from_db()
    assert elsewhere.aligns_to_key_result is None
    assert AuditEntry.objects.filter(entity="objective", ref="elsewhere").count() == 1

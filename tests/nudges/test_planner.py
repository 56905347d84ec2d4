"""Planning on the `world` organisation: who is nudged when, reminders, digests, idempotence."""

from __future__ import annotations

import datetime as dt

from okrs.goals.checkins.services import record_checkin
from okrs.nudges import rules
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.planner import plan_and_create, plan_nudges
from okrs.nudges.services import build_alert
from okrs.org.audit import Actor
from tests.conftest import World

# Monday 16 November 2026; London is on GMT, so 10:00 there is 10:00 UTC.
MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def reasons(world: World, now: dt.datetime) -> dict[str, tuple[str | None, str]]:
    plan = plan_nudges(now)
    emails = {p.id: p.email for p in plan.facts.people.values()}
    return {emails[d.person_id]: (d.action, d.reason) for d in plan.decisions if not d.team_keys}


def test_owners_are_nudged_at_ten_on_their_teams_day(world: World):
    before = reasons(world, MONDAY_10 - dt.timedelta(minutes=1))
    at = reasons(world, MONDAY_10)

    assert before["maya@acme.test"] == (None, rules.NOT_YET)
    assert at["maya@acme.test"] == ("nudge", rules.DUE)
    assert at["owen@acme.test"] == ("nudge", rules.DUE)
    assert at["ada@acme.test"] == (None, rules.NO_KEY_RESULTS)  # owns an objective, no KRs


def test_one_nudge_lists_all_due_key_results_and_planning_twice_adds_nothing(world: World):
    assert plan_and_create(MONDAY_10) == 2
    assert plan_and_create(MONDAY_10 + dt.timedelta(minutes=1)) == 0

    maya = Nudge.objects.get(person=world.member)
    assert maya.kind == NudgeKind.NUDGE
    assert maya.due_at == MONDAY_10
    assert maya.week_start == dt.date(2026, 11, 16)
    assert sorted(maya.key_result_ids) == sorted([world.lead_time.pk, world.change_failure_rate.pk])
    assert maya.expires_at == dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)
    assert reasons(world, MONDAY_10 + dt.timedelta(hours=1))["maya@acme.test"] == (
        None,
        rules.ALREADY_NUDGED,
    )


def test_recent_check_ins_and_other_timezones_and_days(world: World):
    record_checkin(
        key_result=world.conversion,
        value=2.5,
        actor=Actor(world.other_member, "web"),
        at=MONDAY_10 - dt.timedelta(days=2),
    )
    world.member.timezone = "America/New_York"
    world.member.save()

    at = reasons(world, MONDAY_10)
    assert at["owen@acme.test"] == (None, rules.CHECKED_IN_RECENTLY)
    assert at["maya@acme.test"] == (None, rules.NOT_YET)  # 05:00 in New York
    assert reasons(world, dt.datetime(2026, 11, 16, 15, tzinfo=dt.UTC))["maya@acme.test"] == (
        "nudge",
        rules.DUE,
    )
    world.checkout.checkin_day = "thursday"
    world.checkout.save()
    plan = plan_nudges(MONDAY_10)
    owen = next(d for d in plan.decisions if d.person_id == world.other_member.pk)
    # Checkout's week began last Thursday; Owen checked in since, so the next ask is Thursday.
    assert owen.reason == rules.CHECKED_IN_RECENTLY
    assert owen.next_at == dt.datetime(2026, 11, 19, 10, tzinfo=dt.UTC)


def test_nothing_outside_a_running_cycle(world: World):
    january = dt.datetime(2027, 1, 4, 10, tzinfo=dt.UTC)
    assert reasons(world, january)["maya@acme.test"] == (None, rules.CYCLE_NOT_ACTIVE)
    assert plan_and_create(january) == 0


def mark_sent(nudge: Nudge, at: dt.datetime) -> None:
    Nudge.objects.filter(pk=nudge.pk).update(state=NudgeState.SENT, sent_at=at)


def test_one_reminder_two_days_later_only_for_what_is_still_due(world: World):
    plan_and_create(MONDAY_10)
    for nudge in Nudge.objects.all():
        mark_sent(nudge, MONDAY_10)
    record_checkin(
        key_result=world.lead_time,
        value=50,
        actor=Actor(world.member, "slack"),
        at=MONDAY_10 + dt.timedelta(hours=3),
    )
    record_checkin(
        key_result=world.conversion,
        value=2.4,
        actor=Actor(world.other_member, "email"),
        at=MONDAY_10 + dt.timedelta(hours=3),
    )
    wednesday_10 = MONDAY_10 + dt.timedelta(days=2)

    assert plan_and_create(wednesday_10 - dt.timedelta(minutes=1)) == 0
    assert plan_and_create(wednesday_10) == 1
    assert plan_and_create(wednesday_10 + dt.timedelta(hours=5)) == 0

    reminder = Nudge.objects.get(kind=NudgeKind.REMINDER)
    assert reminder.person == world.member
    assert reminder.key_result_ids == [world.change_failure_rate.pk]
    assert reasons(world, wednesday_10)["owen@acme.test"] == (None, rules.CHECKED_IN_RECENTLY)


def test_the_leads_digest_lists_what_is_missing_after_the_reminder(world: World):
    plan_and_create(MONDAY_10)
    thursday_10 = MONDAY_10 + dt.timedelta(days=3)
    record_checkin(
        key_result=world.conversion,
        value=2.4,
        actor=Actor(world.other_member, "web"),
        at=thursday_10 - dt.timedelta(hours=1),
    )

    plan = plan_nudges(thursday_10)
    digests = {d.person_id: d for d in plan.decisions if d.team_keys}
    assert digests[world.platform_lead.pk].action == rules.DIGEST
    assert digests[world.platform_lead.pk].team_keys == ("platform",)
    assert digests[world.checkout_lead.pk].reason == rules.NOTHING_MISSING
    assert world.lead.pk not in digests  # engineering has no key results of its own

    plan_and_create(thursday_10)
    plan_and_create(thursday_10 + dt.timedelta(hours=2))
    assert list(
        Nudge.objects.filter(kind=NudgeKind.DIGEST).values_list("person__email", "team_keys")
    ) == [("lena@acme.test", ["platform"])]
    # The lead reads the team's name; the link opens the team's page by its key.
    alert = build_alert(Nudge.objects.get(kind=NudgeKind.DIGEST), now=thursday_10)
    assert alert.subject == f"Check-ins missing this week: {world.platform.name}"
    assert alert.text.startswith(f"Still missing this week in {world.platform.name}: 2 key results")
    assert alert.url.endswith("/teams/platform/")


def test_a_viewer_owning_a_key_result_is_not_asked_to_check_in(world: World):
    world.conversion.owner = world.viewer
    world.conversion.save()
    assert reasons(world, MONDAY_10)["vic@acme.test"] == (None, rules.CANNOT_CHECK_IN)
    plan_and_create(MONDAY_10)
    assert not Nudge.objects.filter(person=world.viewer).exists()


def test_planning_reads_in_a_fixed_number_of_queries(world: World, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.goals.models import KeyResult
    from okrs.org.models import Person

    with CaptureQueriesContext(connection) as small:
        plan_nudges(MONDAY_10)
    for i in range(30):
        person = Person.objects.create(email=f"extra{i}@acme.test", timezone="Asia/Kolkata")
        world.platform.members.add(person)
        KeyResult.objects.create(
            objective=world.platform_objective, key=f"extra-{i}", title=f"Extra {i}",
            owner=person, kind="increase", baseline=0, target=1,
        )  # fmt: skip
    with django_assert_num_queries(len(small.captured_queries)):
        plan = plan_nudges(MONDAY_10)
    assert len(plan.to_send()) == 32

"""Sending in batches: the same messages, a fixed cost per batch, short rate limits waited out."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from okrs.channels.base import NudgeMessage
from okrs.channels.slack import blocks
from okrs.channels.slack.models import SlackAccount
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import record_checkin
from okrs.goals.models import KeyResult
from okrs.nudges.links import checkin_url
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.planner import plan_and_create
from okrs.nudges.selectors import due_key_results, due_key_results_of
from okrs.nudges.sender import claim_batch, send_due
from okrs.nudges.services import link_expiry
from okrs.org.audit import Actor
from okrs.org.models import Person
from tests.conftest import World
from tests.fakes.slack import FakeSlack

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def owners_on_slack(world: World, slack: FakeSlack, count: int, *, start: int = 0) -> list[Person]:
    """`count` more people on Slack, each owning two key results of the platform objective."""
    people = []
    for n in range(start, start + count):
        person = Person.objects.create(
            email=f"owner{n}@acme.test", name=f"Owner {n}", channel="slack"
        )
        world.platform.members.add(person)
        for k, kind in enumerate(("increase", "stay_above")):
            KeyResult.objects.create(
                objective=world.platform_objective, key=f"kr-{n}-{k}", title=f"KR {n}.{k}",
                owner=person, kind=kind, baseline=10, target=20, unit="ms", position=10 + k,
            )  # fmt: skip
        slack.add_user(f"U{n:05d}", person.email)
        people.append(person)
    return people


def matched_already(slack: FakeSlack, people: list[Person]) -> None:
    """As after an earlier week: everyone's Slack user is known."""
    for person in people:
        [user] = [u for u in slack.users.values() if u["profile"]["email"] == person.email]
        SlackAccount.objects.create(person=person, team_id=slack.team_id, user_id=user["id"])


def a_pass(moment: dt.datetime) -> tuple[int, int]:
    """Plan and send at `moment`; the statements the sending took and the messages sent."""
    with time_machine.travel(moment, tick=False):
        plan_and_create(moment)
        with CaptureQueriesContext(connection) as queries:
            report = send_due(now=lambda: moment)
    return len(queries.captured_queries), report.sent


def test_a_batch_costs_one_statement_per_message_beyond_a_fixed_few(
    world: World, slack: FakeSlack
) -> None:
    few = owners_on_slack(world, slack, 3)
    matched_already(slack, few)
    # Maya and Owen get theirs by email, in both weeks.
    statements_for_5, sent = a_pass(MONDAY_10)
    assert sent == 5

    # A week later, nine more people: only the per-message statement grows.
    more = owners_on_slack(world, slack, 9, start=3)
    matched_already(slack, more)
    statements_for_14, sent = a_pass(MONDAY_10 + dt.timedelta(days=7))
    assert sent == 14
    # Each message adds exactly its outcome's UPDATE; the batch's reads stay the same.
    assert statements_for_14 - statements_for_5 == 9
    # 5 outcomes; claiming (4, with the transaction), the rows, the Slack matches and the
    # workspaces, what is due and its scores (6), the people's timezones for whether Snooze is
    # still offered (2), and the last round that finds nothing (3).
    assert statements_for_5 <= 5 + 18


def test_a_batch_asks_exactly_what_one_message_at_a_time_asked(
    world: World, slack: FakeSlack
) -> None:
    people = owners_on_slack(world, slack, 4)
    world.member.channel = "slack"
    world.member.save()
    slack.add_user("U0MAYA", world.member.email)
    # Values, confidences, a synced value (not a check-in by a person) and one checked in on
    # recently (not due): what each message lists and shows must not depend on the batch.
    earlier = MONDAY_10 - dt.timedelta(days=10)
    with time_machine.travel(earlier, tick=False):
        record_checkin(key_result=world.lead_time, value=40, confidence="at_risk",
                       actor=Actor(world.member, "web"))  # fmt: skip
        first, second = KeyResult.objects.filter(owner=people[0]).order_by("position")
        record_checkin(key_result=first, value=18, confidence="on_track",
                       actor=Actor(people[0], "web"))  # fmt: skip
        CheckIn.objects.create(key_result=second, value=9, source="sync", at=earlier)
    with time_machine.travel(MONDAY_10 - dt.timedelta(days=1), tick=False):
        [recent, _] = KeyResult.objects.filter(owner=people[2]).order_by("position")
        record_checkin(key_result=recent, value=12, actor=Actor(people[2], "web"))

    everyone = [world.member, *people, world.other_member]
    batch = due_key_results_of(person_ids=[p.pk for p in everyone], now=MONDAY_10)
    one_by_one = {p.pk: due_key_results(person=p, now=MONDAY_10) for p in everyone}
    assert batch == one_by_one
    assert len(batch[people[2].pk]) == 1  # the one checked in on yesterday is not asked

    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
        expected = {}
        for nudge in Nudge.objects.filter(person__channel="slack").select_related("person"):
            listed = {int(i) for i in nudge.key_result_ids}
            message = NudgeMessage(
                nudge_id=nudge.pk, person_id=nudge.person_id, cycle_name="Q4 2026",
                key_results=tuple(d for d in one_by_one[nudge.person_id] if d.id in listed),
                checkin_url=checkin_url(person_id=nudge.person_id, nudge_id=nudge.pk,
                                        expires_at=link_expiry(nudge)),
                week_start=nudge.week_start,
            )  # fmt: skip
            expected[nudge.person.email] = blocks.nudge_blocks(message)
        send_due(now=lambda: MONDAY_10)

    posted = {
        slack.users[c.params["channel"]]["profile"]["email"]: c.params["blocks"]
        for c in slack.calls_to("chat.postMessage")
    }
    assert posted == expected
    assert len(posted) == 5


def test_a_short_retry_after_is_waited_out_within_the_pass(world: World, slack: FakeSlack) -> None:
    owners_on_slack(world, slack, 3)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    waited: list[float] = []

    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
        report = send_due(now=lambda: MONDAY_10, sleep=waited.append)

    # One pass sent everything: the refused message was tried again after Retry-After, not
    # dropped and not left for the next minute's tick, and the 429 is not counted an attempt.
    assert waited == [1.0]
    assert report.sent == 5  # the three on Slack, Maya and Owen by email
    calls = slack.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200, 200]
    assert calls[0].params["channel"] == calls[1].params["channel"]
    assert set(Nudge.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_rate_limit_that_persists_hands_the_rows_back_after_a_few_waits(
    world: World, slack: FakeSlack
) -> None:
    owners_on_slack(world, slack, 2)
    slack.fail_next("chat.postMessage", status=429, retry_after=2, times=10)
    waited: list[float] = []

    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
        report = send_due(now=lambda: MONDAY_10, sleep=waited.append)

    assert (report.sent, report.retried) == (2, 2)  # Maya's and Owen's emails went out
    assert waited == [2.0, 2.0, 2.0]  # three waits for the first row, then back to pending
    assert len(slack.calls_to("chat.postMessage")) == 4  # the second row was held back
    later = MONDAY_10 + dt.timedelta(seconds=2)
    on_slack = Nudge.objects.filter(person__channel="slack")
    assert set(on_slack.values_list("state", "next_attempt_at", "attempts")) == {
        ("pending", later, 0)
    }


def test_two_workers_claim_different_rows_and_together_all(world: World, slack: FakeSlack):
    owners_on_slack(world, slack, 5)
    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
    due = set(Nudge.objects.filter(state=NudgeState.PENDING).values_list("id", flat=True))

    any_a, mine_a = claim_batch(worker="a", now=MONDAY_10, limit=4)
    any_b, mine_b = claim_batch(worker="b", now=MONDAY_10, limit=4)
    any_c, mine_c = claim_batch(worker="c", now=MONDAY_10, limit=4)

    assert (any_a, any_b, any_c) == (True, True, False)
    assert len(mine_a) == 4 and set(mine_a).isdisjoint(mine_b)
    assert set(mine_a) | set(mine_b) == due
    assert mine_c == []


def test_a_batch_waits_a_minute_at_most_then_hands_its_rows_back(
    world: World, slack: FakeSlack
) -> None:
    owners_on_slack(world, slack, 35)
    # Slack answers one message, refuses the next two (Retry-After: 1), and so on.
    slack.rate_limit("chat.postMessage", 1, refused=2)
    clock = [MONDAY_10]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock[0] += dt.timedelta(seconds=seconds)

    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
        report = send_due(now=lambda: clock[0], sleep=sleep)

    # 31 messages went out, each after two 1 s waits but the first; then the batch's minute
    # was spent, and the 4 rows it had not sent went back to pending instead of holding
    # their claims longer (maya's and owen's emails went out too).
    assert waited == [1.0] * 60
    assert (report.sent, report.retried) == (31 + 2, 4)
    pending = Nudge.objects.filter(state=NudgeState.PENDING)
    assert set(pending.values_list("attempts", "next_attempt_at")) == {
        (0, MONDAY_10 + dt.timedelta(seconds=61))
    }

"""Delivery: exactly once, rate limits delay, temporary failures retry, permanent ones fall back."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from okrs import claims
from okrs.nudges import schedule
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.planner import plan_and_create
from okrs.nudges.sender import claim, renew, send_due, send_one
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.nudges.smtp import LocalSmtp, body_of

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def on_slack(world: World, slack: FakeSlack) -> None:
    for user_id, person in (("U0MAYA", world.member), ("U0OWEN", world.other_member)):
        slack.add_user(user_id, person.email)
        person.channel = "slack"
        person.save()


def run_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        plan_and_create(moment)
        send_due()


def posted_to(slack: FakeSlack, user_id: str) -> list:
    return [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.params["channel"] == user_id and c.error is None and c.status == 200
    ]


def test_a_slack_nudge_is_one_dm_and_the_next_runs_send_nothing(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(world, slack)
    for minute in range(3):
        run_at(MONDAY_10 + dt.timedelta(minutes=minute))

    assert len(posted_to(slack, "U0MAYA")) == 1
    assert len(posted_to(slack, "U0OWEN")) == 1
    nudge = Nudge.objects.get(person=world.member)
    assert (nudge.state, nudge.channel, nudge.attempts) == ("sent", "slack", 1)
    assert nudge.provider_message_id.startswith("D")
    assert smtp.messages == []


def test_429_with_retry_after_delays_and_never_drops(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(world, slack)
    slack.fail_next("chat.postMessage", status=429, retry_after=30, times=1)

    run_at(MONDAY_10)
    # The first row met the 429; the pass then held Slack back for the second one too.
    assert len(slack.calls_to("chat.postMessage")) == 1
    waiting = Nudge.objects.filter(state=NudgeState.PENDING)
    assert [(n.next_attempt_at, n.attempts) for n in waiting] == [
        (MONDAY_10 + dt.timedelta(seconds=30), 0)  # a rate limit is not the message's fault
    ] * 2

    run_at(MONDAY_10 + dt.timedelta(seconds=29))
    assert Nudge.objects.filter(state=NudgeState.SENT).count() == 0
    run_at(MONDAY_10 + dt.timedelta(seconds=30))
    assert Nudge.objects.filter(state=NudgeState.SENT).count() == 2
    assert len(posted_to(slack, "U0MAYA")) == 1 and len(posted_to(slack, "U0OWEN")) == 1


def test_a_temporary_failure_retries_with_backoff(world: World, slack: FakeSlack, smtp: LocalSmtp):
    on_slack(world, slack)
    world.other_member.channel = "email"
    world.other_member.save()
    slack.fail_next("chat.postMessage", status=503, times=2)

    run_at(MONDAY_10)
    nudge = Nudge.objects.get(person=world.member)
    assert (nudge.state, nudge.attempts) == ("pending", 1)
    assert nudge.next_attempt_at == MONDAY_10 + schedule.backoff(1)
    assert "503" in nudge.last_error
    run_at(MONDAY_10 + schedule.backoff(1))
    nudge.refresh_from_db()
    assert nudge.next_attempt_at == MONDAY_10 + schedule.backoff(1) + schedule.backoff(2)
    run_at(nudge.next_attempt_at)
    nudge.refresh_from_db()
    assert (nudge.state, nudge.attempts) == ("sent", 3)
    assert len(posted_to(slack, "U0MAYA")) == 1
    assert smtp.to("maya@acme.test") == []


def test_a_permanent_failure_falls_back_to_email_and_admins_see_it(
    world: World, slack: FakeSlack, smtp: LocalSmtp, client: Client
):
    on_slack(world, slack)
    world.other_member.channel = "email"
    world.other_member.save()
    slack.fail_next("chat.postMessage", error="invalid_auth")

    run_at(MONDAY_10)

    failed = Nudge.objects.get(person=world.member, fallback_of__isnull=True)
    assert failed.state == NudgeState.FAILED
    assert failed.last_error == "slack: invalid_auth"
    copy = failed.fallback
    assert (copy.state, copy.channel) == ("sent", "email")
    [mail] = smtp.to("maya@acme.test")
    assert "Reduce deployment lead time from 4 days to 6 hours" in body_of(mail, "plain")
    run_at(MONDAY_10 + dt.timedelta(minutes=1))
    assert len(smtp.to("maya@acme.test")) == 1

    client.force_login(world.admin)
    page = client.get("/settings/nudges/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "maya@acme.test" in text and "slack: invalid_auth" in text
    client.force_login(world.member)
    assert client.get("/settings/nudges/").status_code == 403


def test_smtp_421_is_retried_and_550_fails_for_good(world: World, smtp: LocalSmtp):
    smtp.refuse("maya@acme.test", "421 4.3.2 try again later", times=1)
    smtp.refuse("owen@acme.test", "550 5.1.1 mailbox unavailable")

    run_at(MONDAY_10)
    maya = Nudge.objects.get(person=world.member)
    owen = Nudge.objects.get(person=world.other_member)
    assert (maya.state, maya.attempts) == ("pending", 1)
    assert "421" in maya.last_error
    assert owen.state == NudgeState.FAILED
    assert owen.last_error.startswith("email: recipient refused: owen@acme.test: 550")
    assert not Nudge.objects.filter(fallback_of=owen).exists()  # email has no fallback

    run_at(MONDAY_10 + schedule.backoff(1))
    maya.refresh_from_db()
    assert maya.state == NudgeState.SENT
    assert len(smtp.to("maya@acme.test")) == 1


def test_only_one_claim_wins_and_a_stale_claim_is_taken_over(world: World):
    nudge = Nudge.objects.create(
        person=world.member, week_start=dt.date(2026, 11, 16), due_at=MONDAY_10,
        next_attempt_at=MONDAY_10,
    )  # fmt: skip
    assert claim(nudge.pk, worker="a", now=MONDAY_10) is True
    assert claim(nudge.pk, worker="b", now=MONDAY_10) is False
    assert claim(nudge.pk, worker="b", now=MONDAY_10 + claims.LEASE) is False
    later = MONDAY_10 + claims.LEASE + dt.timedelta(seconds=1)
    assert claim(nudge.pk, worker="b", now=later) is True
    nudge.refresh_from_db()
    assert (nudge.claimed_by, nudge.attempts) == ("b", 2)


def test_a_renewed_claim_is_kept_and_a_dead_one_taken_over_at_the_next_tick(world: World):
    nudge = Nudge.objects.create(
        person=world.member, week_start=dt.date(2026, 11, 16), due_at=MONDAY_10,
        next_attempt_at=MONDAY_10,
    )  # fmt: skip
    assert claim(nudge.pk, worker="a", now=MONDAY_10)
    # Worker a is still talking to Slack two minutes later, renewing its claim all along.
    assert renew(nudge.pk, "a", MONDAY_10 + dt.timedelta(minutes=2))
    for tick in (1, 2):
        assert not claim(nudge.pk, worker="b", now=MONDAY_10 + dt.timedelta(minutes=tick))
    # Then it is killed: at the next minute's tick its row is taken over.
    assert claim(nudge.pk, worker="b", now=MONDAY_10 + dt.timedelta(minutes=3))
    assert not renew(nudge.pk, "a", MONDAY_10 + dt.timedelta(minutes=3))  # a lost it for good


def test_a_nudge_with_nothing_due_any_more_is_cancelled_not_sent(world: World, smtp: LocalSmtp):
    from okrs.goals.checkins.services import record_checkin
    from okrs.org.audit import Actor

    with time_machine.travel(MONDAY_10, tick=False):
        plan_and_create(MONDAY_10)
        for kr in (world.lead_time, world.change_failure_rate):
            record_checkin(key_result=kr, value=5, actor=Actor(world.member, "web"))
        maya = Nudge.objects.get(person=world.member)
        assert send_one(maya.pk) == "cancelled"
    maya.refresh_from_db()
    assert maya.state == NudgeState.CANCELLED
    assert smtp.to("maya@acme.test") == []


def test_an_unreachable_mail_server_is_retried_and_admins_see_why(
    world: World, settings, client: Client
):
    from tests.nudges.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens there
    settings.EMAIL_USE_TLS = False

    run_at(MONDAY_10)

    maya = Nudge.objects.get(person=world.member)
    assert (maya.state, maya.attempts) == ("pending", 1)
    assert maya.last_error.startswith("email: SMTP server unreachable")
    client.force_login(world.admin)
    page = client.get("/settings/nudges/").content.decode()
    assert "Waiting to be retried (2)" in page
    assert "SMTP server unreachable" in page


def test_the_failures_page_needs_a_sign_in(client: Client, db):
    answer = client.get("/settings/nudges/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_the_worker_plans_and_sends_every_minute():
    from okrs.nudges.tasks import plan_and_send_nudges_every_minute

    minutes = [dt.datetime(2026, 11, 16, 10, m) for m in range(60)]
    task = plan_and_send_nudges_every_minute.task_class()
    assert all(task.validate_datetime(m) for m in minutes)

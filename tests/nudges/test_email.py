"""Email nudges through a real local SMTP server, and the signed check-in link they carry: it
answers for its own nudge, the key results that nudge asked about and the person still owns."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.planner import plan_and_create
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.nudges.smtp import LocalSmtp, body_of

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def send_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        plan_and_create(moment)
        send_due()


def link_in(smtp: LocalSmtp, address: str) -> str:
    [message] = smtp.to(address)
    text = body_of(message, "plain")
    match = re.search(r"http://testserver(/nudges/checkin/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def test_the_nudge_email_has_text_and_html_with_every_due_key_result(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)

    [message] = smtp.to("maya@acme.test")
    assert message["Subject"] == "Your weekly check-in: 2 key results"
    text = body_of(message, "plain")
    html = body_of(message, "html")
    for part in (text, html):
        assert "Reduce deployment lead time from 4 days to 6 hours" in part
        assert "Keep the change failure rate below 5%" in part
        assert "/nudges/checkin/" in part
    assert "now 96 hours, target 6 hours" in text
    nudge = Nudge.objects.get(person=world.member)
    assert (nudge.state, nudge.channel) == (NudgeState.SENT, "email")
    assert nudge.provider_message_id == message["Message-ID"]
    assert len(smtp.to("owen@acme.test")) == 1
    # The worker runs every minute: nothing is sent twice.
    send_at(MONDAY_10 + dt.timedelta(minutes=1))
    assert len(smtp.messages) == 2


def test_the_link_shows_a_prefilled_form_and_a_get_records_nothing(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")

    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        for _ in range(3):  # a mail scanner, a link preview, the person
            page = Client().get(path)
            assert page.status_code == 200
    body = page.content.decode()
    assert "Check-ins of Maya Patel" in body
    assert 'value="96"' in body  # the lead time, prefilled with its baseline
    assert "Keep the change failure rate below 5%" in body
    assert CheckIn.objects.count() == 0


def test_the_post_records_every_check_in_as_source_email(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    client = Client(enforce_csrf_checks=True)  # no session: only the CSRF cookie of the GET
    lt, cfr = world.lead_time.pk, world.change_failure_rate.pk

    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        page = client.get(path).content.decode()
        token = csrf_token(page)
        answer = client.post(
            path,
            {
                "csrfmiddlewaretoken": token,
                "row": [lt, cfr],
                f"kr{lt}-value": "72",
                f"initial-kr{lt}-value": "96",
                f"kr{lt}-confidence": "at_risk",
                f"initial-kr{lt}-confidence": "",
                f"kr{lt}-note": "canary rollout blocked on the vendor",
                f"kr{cfr}-value": "3.5",
                f"initial-kr{cfr}-value": "",
                f"kr{cfr}-confidence": "on_track",
                f"initial-kr{cfr}-confidence": "",
            },
        )

    assert answer.status_code == 200, answer.content.decode()
    assert "Saved 2 check-ins" in answer.content.decode()
    rows = {c.key_result_id: c for c in CheckIn.objects.all()}
    assert (rows[lt].value, rows[lt].confidence, rows[lt].source) == (72, "at_risk", "email")
    assert rows[lt].note == "canary rollout blocked on the vendor"
    assert rows[lt].author == world.member
    assert (rows[cfr].value, rows[cfr].confidence, rows[cfr].source) == (3.5, "on_track", "email")


def test_a_post_without_the_csrf_token_is_refused(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    lt = world.lead_time.pk
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        answer = Client(enforce_csrf_checks=True).post(
            path, {"row": [lt], f"kr{lt}-value": "72", f"initial-kr{lt}-value": "96"}
        )
    assert answer.status_code == 403
    assert CheckIn.objects.count() == 0


def test_an_expired_or_tampered_link_is_refused_clearly(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    lt = world.lead_time.pk

    # The link lives until the end of the check-in week: Monday 23 November 00:00 London.
    with time_machine.travel(dt.datetime(2026, 11, 22, 23, 59, tzinfo=dt.UTC), tick=False):
        assert Client().get(path).status_code == 200
    with time_machine.travel(dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC), tick=False):
        expired = Client().get(path)
        posted = Client().post(path, {"row": [lt], f"kr{lt}-value": "1"})
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert posted.status_code in (403, 410)

    token = path.split("/")[3]
    tampered = path.replace(token, token[:-3] + ("abc" if token[-3:] != "abc" else "xyz"))
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        answer = Client().get(tampered)
    assert answer.status_code == 400
    assert "This link is not valid" in answer.content.decode()
    assert CheckIn.objects.count() == 0


def test_snooze_from_the_link_sends_the_nudge_again_a_day_later(world: World, smtp: LocalSmtp):
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    client = Client()
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        answer = client.post(path, {"snooze": "1"})
    assert answer.status_code == 200
    assert "Snoozed" in answer.content.decode()

    send_at(MONDAY_10 + dt.timedelta(hours=24, minutes=59))
    assert len(smtp.to("maya@acme.test")) == 1
    send_at(MONDAY_10 + dt.timedelta(hours=25))
    assert len(smtp.to("maya@acme.test")) == 2


def test_titles_are_escaped_in_the_html_email(world: World, smtp: LocalSmtp):
    world.lead_time.title = "Cut <script>alert(1)</script> & friends"
    world.lead_time.save()
    send_at(MONDAY_10)

    [message] = smtp.to("maya@acme.test")
    html = body_of(message, "html")
    text = body_of(message, "plain")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert "<script>" not in html
    assert "Cut <script>alert(1)</script> & friends" in text  # plain text stays as typed


def test_an_automatic_key_result_asks_only_for_confidence(world: World, smtp: LocalSmtp):
    world.lead_time.source = {"type": "prometheus", "query": "lead_time_hours"}
    world.lead_time.save()
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    text = body_of(smtp.to("maya@acme.test")[0], "plain")
    assert "updated automatically: only your confidence and a note are needed" in text

    lt = world.lead_time.pk
    client = Client()
    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        page = client.get(path).content.decode()
        assert f'name="kr{lt}-value"' not in page  # no value input, not even a hidden one
        answer = client.post(
            path,
            {
                "row": [lt],
                f"kr{lt}-value": "1",  # ignored: the value of an automatic key result is synced
                f"initial-kr{lt}-value": "96",
                f"kr{lt}-confidence": "on_track",
                f"initial-kr{lt}-confidence": "",
            },
        )
    assert answer.status_code == 200
    [checkin] = CheckIn.objects.all()
    assert (checkin.value, checkin.confidence, checkin.source) == (96, "on_track", "email")


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_email_link_offers_only_its_nudges_key_results(world: World, smtp: LocalSmtp) -> None:
    send_at(MONDAY_10)
    path = link_in(smtp, "maya@acme.test")
    # After the email went out, Owen's conversion key result is handed to Maya (due, and hers
    # now, but not what this nudge asked), and her lead time is handed to Owen.
    world.conversion.owner = world.member
    world.conversion.save()
    world.lead_time.owner = world.other_member
    world.lead_time.save()
    conversion, lead_time = world.conversion.pk, world.lead_time.pk
    client = Client(enforce_csrf_checks=True)

    with time_machine.travel(MONDAY_10 + dt.timedelta(hours=1), tick=False):
        page = client.get(path).content.decode()
        assert "Keep the change failure rate below 5%" in page
        assert "Raise checkout conversion from 2% to 3%" not in page
        assert "Reduce deployment lead time" not in page
        answer = client.post(
            path,
            {
                "csrfmiddlewaretoken": csrf_token(page),
                "row": [conversion, lead_time],
                f"kr{conversion}-value": "2.4",
                f"initial-kr{conversion}-value": "2",
                f"kr{conversion}-confidence": "on_track",
                f"initial-kr{conversion}-confidence": "",
                f"kr{lead_time}-value": "50",
                f"initial-kr{lead_time}-value": "96",
                f"kr{lead_time}-confidence": "on_track",
                f"initial-kr{lead_time}-confidence": "",
            },
        )

    assert answer.status_code == 200
    assert "Nothing was recorded: you changed nothing" in answer.content.decode()
    assert CheckIn.objects.count() == 0


def test_a_milestone_in_the_nudge_email_reads_not_done(world: World, smtp: LocalSmtp):
    world.lead_time.kind, world.lead_time.baseline, world.lead_time.target = "milestone", None, 1
    world.lead_time.unit = ""
    world.lead_time.save()
    send_at(MONDAY_10)
    [message] = smtp.to("maya@acme.test")
    for part in (body_of(message, "plain"), body_of(message, "html")):
        assert "Reduce deployment lead time from 4 days to 6 hours" in part
        assert "not done," in part and "now 0, target 1" not in part

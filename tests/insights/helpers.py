"""Shared steps of the insights tests: check-ins at given times, a worker's pass at an instant."""

from __future__ import annotations

import datetime as dt

import time_machine

from okrs.goals.checkins.services import record_checkin
from okrs.goals.models import KeyResult
from okrs.insights.tasks import plan_and_send_insights
from okrs.org.audit import Actor
from okrs.org.models import Person
from tests.fakes.slack import FakeSlack


def check_in(
    kr: KeyResult, person: Person, value: float, at: dt.datetime, confidence: str = "on_track"
) -> None:
    with time_machine.travel(at, tick=False):
        record_checkin(
            key_result=kr, value=value, confidence=confidence, actor=Actor(person, "web"), at=at
        )


def worker_pass(moment: dt.datetime) -> None:
    """What the hourly insights task does, at `moment`."""
    with time_machine.travel(moment, tick=False):
        plan_and_send_insights()


def on_slack(slack: FakeSlack, user_id: str, person: Person) -> None:
    slack.add_user(user_id, person.email)
    person.channel = "slack"
    person.save()


def dms(slack: FakeSlack, user_id: str, subject_start: str = "") -> list[str]:
    """Texts of the Slack messages delivered to a user, whose header starts with the prefix."""
    found = []
    for call in slack.calls_to("chat.postMessage"):
        if call.params.get("channel") != user_id or call.error is not None or call.status != 200:
            continue
        blocks = call.params.get("blocks") or []
        header = next((b["text"]["text"] for b in blocks if b.get("type") == "header"), "")
        if header.startswith(subject_start):
            found.append(header + "\n" + str(call.params.get("text", "")))
    return found

"""Slack tests: okrs talks to the fake Web API, and Slack's requests to us are signed exactly as
Slack signs them (v0 HMAC-SHA256 of "v0:timestamp:body" with the signing secret)."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from slack_sdk.signature import SignatureVerifier

from okrs.channels.slack.models import Installation
from tests.conftest import World
from tests.fakes.slack import FakeSlack, fake_slack  # noqa: F401
from tests.slack.payloads import valid_answer, valid_call

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EVENTS = "/slack/events/"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, at: float | None = None) -> dict:
    timestamp = str(int(time.time() if at is None else at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


@dataclass
class SlackDriver:
    """Plays Slack's side: signed requests into /slack/events/ from known Slack users."""

    fake: FakeSlack
    client: Client
    installation: Installation
    # The person's clicks and submissions so far (a button, a modal's submit, a command).
    interactions: int = 0

    def post(self, body: str, content_type: str, **signing: Any) -> Any:
        return self.client.post(
            EVENTS, data=body, content_type=content_type, headers=signed_headers(body, **signing)
        )

    def post_payload(self, payload: dict[str, Any], **signing: Any) -> Any:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        channel: str = "",
        ts: str = "",
        state: dict[str, Any] | None = None,
    ) -> Any:
        """A click on a button of the DM `channel`/`ts` (or of the App Home without them).
        `state` is the message's inputs as Slack sends them with the click (`state.values`)."""
        self.interactions += 1
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "team_id": self.fake.team_id},
            "api_app_id": "A0OKRS",
            "team": {"id": self.fake.team_id, "domain": "acme"},
            "trigger_id": f"trigger-{action_id}",
            "actions": [
                {"action_id": action_id, "block_id": "b", "type": "button", "value": value}
            ],
        }
        if state is not None:
            payload["state"] = {"values": state}
        if channel:
            payload["container"] = {"type": "message", "channel_id": channel, "message_ts": ts}
            payload["channel"] = {"id": channel}
            payload["message"] = {"ts": ts}
            payload["response_url"] = self.fake.response_url("click")
        else:
            payload["container"] = {"type": "view", "view_id": "VHOME"}
            payload["view"] = {"id": "VHOME", "type": "home"}
        return self.post_payload(payload)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
        self.interactions += 1
        submitted = dict(view, state={"values": values}, id="V0MODAL")
        payload = {
            "type": "view_submission",
            "team": {"id": self.fake.team_id},
            "user": {"id": user_id, "team_id": self.fake.team_id},
            "api_app_id": "A0OKRS",
            "trigger_id": "trigger-submit",
            "view": submitted,
        }
        response = self.post_payload(payload)
        if response.status_code == 200 and response.content:
            valid_answer(response.json())
        return response

    def command(self, user_id: str, text: str = "", **signing: Any) -> Any:
        body = urllib.parse.urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": self.fake.team_id,
                "team_domain": "acme",
                "channel_id": "C0GENERAL",
                "user_id": user_id,
                "command": "/okr",
                "text": text,
                "api_app_id": "A0OKRS",
                "response_url": self.fake.response_url("command"),
                "trigger_id": "trigger-command",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded", **signing)

    def event(self, event: dict[str, Any]) -> Any:
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.fake.team_id,
                "api_app_id": "A0OKRS",
                "type": "event_callback",
                "event_id": "Ev0001",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, "application/json")


def confirmed_before(world: World, confidence: str = "on_track") -> None:
    """Maya gave lead time a value and a confidence two days ago: "No change" confirms it."""
    from django.utils import timezone

    from okrs.goals.checkins.models import CheckIn

    CheckIn.objects.create(
        key_result=world.lead_time, value=50, confidence=confidence, source="web",
        author=world.member, at=timezone.now() - dt.timedelta(days=5),
    )  # fmt: skip


@pytest.fixture
def slack_settings(settings: Any, fake_slack: FakeSlack) -> FakeSlack:  # noqa: F811
    settings.SLACK_CLIENT_ID = fake_slack.client_id
    settings.SLACK_CLIENT_SECRET = fake_slack.client_secret
    settings.SLACK_SIGNING_SECRET = SIGNING_SECRET
    settings.SLACK_API_URL = fake_slack.url
    settings.BASE_URL = "https://okrs.acme.test"
    settings.SLACK_RUN_LISTENERS_INLINE = True
    return fake_slack


@pytest.fixture
def slack(world: World, slack_settings: FakeSlack, client: Client) -> Iterator[SlackDriver]:
    """The world with Slack installed in the fake's workspace and its people known there."""
    fake = slack_settings
    installation = Installation.objects.create(
        team_id=fake.team_id, team_name="Acme", bot_token=fake.bot_token, bot_user_id="U0BOT"
    )
    fake.add_user("U0MAYA", world.member.email, tz="Europe/London", name="Maya Patel")
    fake.add_user("U0OWEN", world.other_member.email, tz="America/New_York")
    fake.add_user("U0VIC", world.viewer.email)
    fake.add_user("U0ADA", world.admin.email)
    fake.add_user("U0STRANGER", "stranger@elsewhere.test")
    yield SlackDriver(fake, client, installation)
    # Whatever okrs sent Slack in the test passes slack_sdk's models and limits.
    for call in fake.calls:
        valid_call(call)

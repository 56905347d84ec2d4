"""Every request to /slack/events/ is checked against the signing secret and Slack's 5-minute
replay window before anything is read: a forged or replayed click records nothing."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from django.test import Client

from okrs.channels.slack import blocks
from okrs.checkins.models import CheckIn
from tests.conftest import World
from tests.slack.conftest import SlackDriver


def no_change_value(world: World) -> str:
    return blocks.button_value(None, [world.lead_time.pk])


def test_a_signed_click_is_accepted(world: World, slack: SlackDriver) -> None:
    response = slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, no_change_value(world))
    assert response.status_code == 200
    assert CheckIn.objects.filter(key_result=world.lead_time, source="slack").count() == 1


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"at": time.time() - 6 * 60},  # replayed after Slack's five minutes
        {"at": time.time() + 6 * 60},
    ],
    ids=["wrong secret", "stale", "from the future"],
)
def test_bad_or_stale_signature_is_refused(world: World, slack: SlackDriver, signing: dict) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0MAYA", "team_id": slack.fake.team_id},
        "team": {"id": slack.fake.team_id},
        "trigger_id": "t",
        "actions": [{"action_id": blocks.ACTION_NO_CHANGE, "value": no_change_value(world)}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    response = slack.post(body, "application/x-www-form-urlencoded", **signing)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert not CheckIn.objects.exists()
    assert slack.fake.calls == []  # not even a users.info: nothing was parsed


def test_unsigned_request_is_refused(world: World, slack: SlackDriver) -> None:
    response = slack.client.post(
        "/slack/events/",
        data="command=%2Fokr&user_id=U0MAYA",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 401
    assert slack.fake.calls == []


def test_not_configured_answers_503(world: World, settings) -> None:
    settings.SLACK_SIGNING_SECRET = ""
    response = Client().post("/slack/events/", data="{}", content_type="application/json")
    assert response.status_code == 503
    assert "OKRS_SLACK_SIGNING_SECRET" in response.json()["detail"]


def test_slack_can_verify_the_request_url(world: World, slack: SlackDriver) -> None:
    # Slack's first request when an admin saves the Event Subscriptions URL.
    body = json.dumps({"type": "url_verification", "challenge": "3eZbrw1aBm", "token": "t"})
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm"}
    forged = slack.post(body, "application/json", secret="wrong")
    assert forged.status_code == 401

"""Every request to /slack/events/ is checked against the signing secret and Slack's 5-minute
replay window before anything is read: a forged or replayed click records nothing."""

from __future__ import annotations

import json
import time
import urllib.parse

import pytest
from django.test import Client

from okrs.channels.slack import blocks
from okrs.channels.slack.models import SlackAccount
from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.slack.conftest import SlackDriver, confirmed_before


def no_change_value(world: World) -> str:
    return blocks.button_value(None, [world.lead_time.pk])


def test_a_signed_click_is_accepted(world: World, slack: SlackDriver) -> None:
    confirmed_before(world)
    response = slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, no_change_value(world))
    assert response.status_code == 200
    assert CheckIn.objects.filter(key_result=world.lead_time, source="slack").count() == 1


def click_body(world: World, slack: SlackDriver) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0MAYA", "team_id": slack.fake.team_id},
        "team": {"id": slack.fake.team_id},
        "trigger_id": "t",
        "actions": [{"action_id": blocks.ACTION_NO_CHANGE, "value": no_change_value(world)}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def nothing_recorded() -> bool:
    return not (
        CheckIn.objects.exists() or SlackAccount.objects.exists() or AuditEntry.objects.exists()
    )


# A body Bolt cannot even read: refused on its signature, it must never reach a parser (where
# it used to raise, a 500, before the signature was checked).
UNREADABLE = "payload=%7Bnot-json"


@pytest.mark.parametrize("readable", [True, False], ids=["click", "unreadable body"])
@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"offset": -6 * 60},  # replayed after Slack's five minutes
        {"offset": +6 * 60},
    ],
    ids=["wrong secret", "stale", "from the future"],
)
def test_bad_or_stale_signature_is_refused(
    world: World, slack: SlackDriver, signing: dict, readable: bool
) -> None:
    # The time is taken when the test runs, not when it is collected minutes earlier.
    signing = dict(signing)
    if "offset" in signing:
        signing["at"] = time.time() + signing.pop("offset")
    body = click_body(world, slack) if readable else UNREADABLE
    response = slack.post(body, "application/x-www-form-urlencoded", **signing)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert nothing_recorded()
    assert slack.fake.calls == []  # not even a users.info


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("command=%2Fokr&user_id=U0MAYA", "application/x-www-form-urlencoded"),
        (UNREADABLE, "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("[]", "application/json"),
    ],
    ids=["slash command", "unreadable form payload", "unreadable JSON", "JSON list"],
)
def test_unsigned_request_is_refused(
    world: World, slack: SlackDriver, body: str, content_type: str
) -> None:
    response = slack.client.post("/slack/events/", data=body, content_type=content_type)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert nothing_recorded()
    assert slack.fake.calls == []


def test_a_signature_header_that_is_not_a_number_is_refused(
    world: World, slack: SlackDriver
) -> None:
    response = slack.client.post(
        "/slack/events/",
        data=UNREADABLE,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"},
    )
    assert response.status_code == 401
    assert nothing_recorded()


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

"""Signed bodies that are not Slack payloads get a 400 that says why, never a 500.

The signature is checked first (tests/slack/test_signatures.py); a body that passes it but that
Bolt cannot read (Slack never sends one, a bug or a leaked secret might) is refused with a
message, records nothing, and calls nothing in Slack.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import BoltRequest

from okrs.channels.slack import blocks
from okrs.channels.slack.models import SlackAccount
from okrs.channels.slack.payload import MalformedPayload, check
from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.slack.conftest import SlackDriver, confirmed_before

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def form(payload: Any) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


MALFORMED = [
    ("[]", JSON, "must be a JSON object"),
    (json.dumps({"type": "event_callback", "event": "x"}), JSON, '"event"'),
    ("{not json", JSON, "not valid JSON"),
    ("payload=%7Bnot-json", FORM, "not valid JSON"),
    (form([]), FORM, "must be a JSON object"),
    (form({"type": "block_actions", "actions": "click"}), FORM, '"actions"'),
    (form({"type": "block_actions", "actions": [1]}), FORM, '"actions"'),
    (form({"type": "view_submission", "view": "V1"}), FORM, '"view"'),
    (form({"type": "view_submission", "view": {"callback_id": "okrs_checkin"}}), FORM, '"type"'),
    (
        form({"type": "view_submission", "view": {"type": "modal", "state": "x"}}),
        FORM,
        '"state"',
    ),
    (
        json.dumps({"type": "event_callback", "event": {"type": "app_home_opened", "user": 5}}),
        JSON,
        '"user" in "event" must be a string or a JSON object',
    ),
    (json.dumps({"type": "event_callback", "authorizations": ["x"]}), JSON, '"authorizations"'),
    (json.dumps({"type": "event_callback", "event": {"message": 3}}), JSON, '"message"'),
    (json.dumps({"team": 7}), JSON, '"team"'),
    ("[" * 50_000, JSON, "nested too deeply"),
]


@pytest.mark.parametrize(("body", "content_type", "says"), MALFORMED)
def test_a_signed_body_that_is_no_slack_payload_gets_400(
    world: World, slack: SlackDriver, body: str, content_type: str, says: str
) -> None:
    response = slack.post(body, content_type)

    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert not CheckIn.objects.exists()
    assert not SlackAccount.objects.exists()
    assert not AuditEntry.objects.exists()
    assert slack.fake.calls == []


def test_after_a_malformed_body_a_real_click_still_works(world: World, slack: SlackDriver) -> None:
    assert slack.post("[]", JSON).status_code == 400
    confirmed_before(world)
    value = blocks.button_value(None, [world.lead_time.pk])

    response = slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value)

    assert response.status_code == 200
    assert CheckIn.objects.filter(key_result=world.lead_time, source="slack").count() == 1


def test_slacks_own_shapes_pass_the_check() -> None:
    # Org-wide installs send "team": null; ids may be strings or objects; a slash command is a
    # plain form.
    check(form({"type": "block_actions", "team": None, "user": "U1", "actions": []}), FORM)
    check(json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}), JSON)
    check("command=%2Fokr&text=checkin&user_id=U1", FORM)
    check("", FORM)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "event",
                    "team",
                    "user",
                    "channel",
                    "view",
                    "actions",
                    "authorizations",
                    "message",
                    "item",
                    "enterprise",
                    "container",
                    "response_urls",
                    "is_ext_shared_channel",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON_VALUES)
def test_whatever_the_check_accepts_bolt_can_read(value: Any) -> None:
    body = json.dumps(value)
    try:
        check(body, JSON)
    except MalformedPayload:
        return
    # Bolt builds its request (the step that used to raise) from any body the check let through.
    BoltRequest(body=body, headers={"content-type": JSON})


def test_several_response_urls_are_refused_not_a_crash() -> None:
    # Bolt itself raises KeyError('logger') on such a body; the check answers it first.
    body = json.dumps({"response_urls": [{}, {}]})
    with pytest.raises(MalformedPayload, match="at most one"):
        check(body, JSON)
    check(json.dumps({"response_urls": [{"response_url": "https://hooks.slack.test/x"}]}), JSON)

"""A NUL in a signed Slack payload: Slack's view reads it only after the signature is verified
(okrs.security leaves Slack's body alone) and answers inside the modal, never with a 500."""

from __future__ import annotations

import datetime as dt

from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from tests.conftest import World
from tests.slack.conftest import SlackDriver
from tests.slack.test_modal_errors import answer, due


def test_a_nul_in_a_modal_note_is_answered_in_the_modal(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    view = blocks.checkin_modal([due(world.lead_time)], nudge_id=None)
    values = answer(world.lead_time, "50")
    values[blocks.note_block_id(world.lead_time.pk)] = {"note": {"value": "bad\x00byte"}}
    response = slack.submit("U0MAYA", view, values)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert not CheckIn.objects.exists()


def test_an_unsigned_payload_with_a_nul_is_refused_for_its_signature(
    world: World, slack: SlackDriver
) -> None:
    response = slack.post("payload=%7B%22a%22%3A%22%00%22%7D", "application/x-www-form-urlencoded",
                          secret="not-the-signing-secret")  # fmt: skip
    assert response.status_code == 401

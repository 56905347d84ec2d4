"""In production Bolt answers Slack as soon as ack() is called and runs the lazy listener on its
thread pool. This test runs that way (committed data, real threads), and waits for the fake to
receive the listener's calls instead of assuming they already happened."""

from __future__ import annotations

import time

import pytest

from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from tests.conftest import World
from tests.services import HANG_SECONDS
from tests.slack.conftest import SlackDriver


@pytest.mark.django_db(transaction=True)
def test_no_change_runs_after_the_acknowledgement(
    world: World, slack: SlackDriver, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.SLACK_RUN_LISTENERS_INLINE = False
    CheckIn.objects.create(key_result=world.lead_time, value=50, confidence="on_track",
                           source="web", author=world.member)  # fmt: skip
    value = blocks.button_value(None, [world.lead_time.pk])

    response = slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel="D0MAYA", ts="1.1")

    assert response.status_code == 200
    # The lazy listener asks who the user is, records (committed), then updates the message
    # (which the fake does not know: message_not_found, answered and logged).
    slack.fake.wait_for("chat.update")
    checkin = CheckIn.objects.get(source="slack")
    assert (checkin.value, checkin.confidence) == (50, "on_track")
    # The listener's last act: until it has logged, its thread outlives the test and logs into
    # a closed capture ("--- Logging error ---" in the output of whatever test runs next).
    deadline = time.monotonic() + HANG_SECONDS
    while "slack: chat.update failed: SlackApiError" not in caplog.text:
        assert time.monotonic() < deadline, "the lazy listener never finished"
        time.sleep(0.05)

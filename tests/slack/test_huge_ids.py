"""Slack's buttons carry ids back the same way Teams's cards do (tests/teams/test_huge_ids.py):
ids no row can have are ignored there too, instead of overflowing the database's integer."""

from __future__ import annotations

import datetime as dt
import json

from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from tests.conftest import World
from tests.slack.conftest import SlackDriver
from tests.slack.test_round_trip import deliver, sent_nudge

HUGE = 2**70


def test_no_change_with_huge_ids_records_nothing_and_does_not_crash(
    world: World,
    slack: SlackDriver,
    frozen_now: dt.datetime,
) -> None:
    dm, ts = deliver(world, slack, sent_nudge(world, frozen_now))
    value = json.dumps({"nudge": None, "krs": [HUGE, -HUGE]})

    response = slack.click("U0MAYA", blocks.ACTION_NO_CHANGE, value, channel=dm, ts=ts)

    assert response.status_code == 200
    assert not CheckIn.objects.exists()
    text = " ".join(
        b.get("text", {}).get("text", "") for b in slack.fake.messages[(dm, ts)]["blocks"]
    )
    assert "Nothing was recorded" in text

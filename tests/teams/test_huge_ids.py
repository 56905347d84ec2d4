"""A card's ids that no row can have are ignored, not a crash (the same holds for Slack's buttons:
tests/slack/test_huge_ids.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.channels.teams import cards
from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeKind
from tests.conftest import World
from tests.teams.conftest import TeamsDriver, linked

HUGE = 2**70


@pytest.mark.parametrize("verb", [cards.VERB_SAVE, cards.VERB_NO_CHANGE, cards.VERB_SNOOZE])
def test_huge_ids_in_a_card_action_are_ignored(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime, verb: str
) -> None:
    linked(teams, world.member)
    data = {
        "nudge": HUGE,
        "krs": [[HUGE, False], [-HUGE, False], [0, True], [str(HUGE), True]],
        cards.value_id(HUGE): "1",
        cards.confidence_id(HUGE): "on_track",
    }
    response = teams.invoke(world.member, verb, data)
    assert response.status_code == 200
    assert response.json()["type"] == "application/vnd.microsoft.card.adaptive"
    assert not CheckIn.objects.exists()
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()


def test_in_range_ids_are_kept_beside_huge_ones() -> None:
    shown = cards.read_action_data({"nudge": 7, "krs": [[HUGE, False], [3, True], [2**63, 0]]})
    assert shown == cards.ActionData(7, ((3, True),))
    assert cards.read_action_data({"nudge": 2**63, "krs": []}).nudge_id is None
    assert cards.read_action_data({"nudge": 2**63 - 1}).nudge_id == 2**63 - 1

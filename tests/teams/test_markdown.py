"""People's text in cards is shown literally, never as Markdown: no links from a title."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from okrs.channels.teams import cards
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import text
from tests.teams.conftest import TeamsDriver, chat_id, linked, user_id

PHISH = "[Session expired - sign in](https://evil.test/login)"
# A Markdown link as a renderer sees it: brackets and parenthesis not escaped by a backslash.
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!\\)")


def clickable_links(card: dict[str, Any]) -> list[str]:
    return LINK.findall(text(card))


def test_a_title_shows_as_typed_in_the_checkin_card(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    world.lead_time.title = PHISH
    world.lead_time.unit = "*h*"
    world.lead_time.save()
    linked(teams, world.member)
    teams.post(teams.activity(world.member, "message", text="check in"))
    (card,) = teams.connector.cards(chat_id(world.member))
    assert clickable_links(card) == []
    assert r"\[Session expired - sign in\]\(https://evil.test/login\)" in text(card)
    assert r"\*h\*" in text(card)


def test_a_title_is_no_link_in_the_leads_digest(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    world.lead_time.title = PHISH
    world.lead_time.save()
    lead = world.platform_lead
    teams.connector.add_member(Member(id=user_id(lead), email=lead.email))
    linked(teams, lead)
    Nudge.objects.create(
        person=lead, kind=NudgeKind.DIGEST, week_start=frozen_now.date(),
        team_keys=["platform"], due_at=frozen_now, next_attempt_at=frozen_now,
    )  # fmt: skip
    send_due(now=lambda: frozen_now)
    (card,) = teams.connector.cards(chat_id(lead))
    assert "Session expired" in text(card)
    assert clickable_links(card) == ["[Open in okrs]("]  # only okrs's own link


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("a_b*c~d`e\\f", r"a\_b\*c\~d\`e\\f"),
        ("- not a list", r"\- not a list"),
        ("# not a heading", r"\# not a heading"),
        ("> no quote\n+ no item", "\\> no quote\n\\+ no item"),
        ("1. first", r"1\. first"),
        ("1.5 hours", "1.5 hours"),
    ],
)
def test_escaping(typed: str, shown: str) -> None:
    assert cards.escape_markdown(typed) == shown

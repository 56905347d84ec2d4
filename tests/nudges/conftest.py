from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.slack import FakeSlack
from tests.nudges.smtp import smtp  # noqa: F401  (fixture)


def install_slack(fake: FakeSlack) -> None:
    from okrs.channels.slack.models import Installation

    Installation.objects.create(
        team_id=fake.team_id,
        team_name="Acme",
        bot_token=fake.bot_token,
        bot_user_id=fake.bot_user_id,
    )


@pytest.fixture
def slack(settings: Any, db: None) -> Iterator[FakeSlack]:
    """A fake Slack workspace with the okrs app installed; okrs talks to it."""
    with FakeSlack() as fake:
        settings.SLACK_API_URL = fake.url
        install_slack(fake)
        yield fake

"""SlackChannel: nudges and alerts as direct messages from the okrs bot.

The nudge sender (okrs/nudges) owns retries and exactly-once delivery; this class makes one
attempt and says, through DeliveryError, whether and when another attempt could succeed.
One instance serves one batch of the sender: its SlackDirectory reads the workspaces and the
cached matches of the whole batch once (`prepare`), so a message costs the post and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable

from slack_sdk.errors import SlackApiError

from okrs.channels.base import AlertMessage, Channel, DeliveryError, NudgeMessage
from okrs.channels.slack import blocks
from okrs.channels.slack.errors import delivery_error, slack_error_code
from okrs.channels.slack.models import Installation
from okrs.channels.slack.people import SlackDirectory
from okrs.nudges.services import NO_SNOOZE_LEFT
from okrs.org.models import Person

# The cached user id may be stale (the user left, the DM closed): look them up again next time.
STALE_USER = frozenset({"channel_not_found", "user_not_found", "user_disabled", "not_in_channel"})


class SlackChannel(Channel):
    name = "slack"

    def __init__(self) -> None:
        self.directory = SlackDirectory()

    def is_configured(self) -> bool:
        return Installation.objects.exists()

    def prepare(self, people: Iterable[Person]) -> None:
        self.directory.load(people)

    def can_reach(self, person: Person) -> bool:
        try:
            self.directory.find(person)
        except DeliveryError as exc:
            # Temporary trouble says nothing about the person: keep Slack, the nudge row will
            # retry (send_nudge raises the same error). Only a definite "no" falls back to email.
            return not exc.permanent
        return True

    def send_nudge(self, person: Person, message: NudgeMessage) -> str:
        # Snooze is offered only while a snooze would still come back in the check-in week.
        snooze = message.snooze_offered
        return self._post(
            person,
            text=blocks.nudge_text(message),
            blocks=blocks.nudge_blocks(message, snooze=snooze, no_snooze_reason=NO_SNOOZE_LEFT),
        )

    def send_alert(self, person: Person, message: AlertMessage) -> str:
        return self._post(person, text=message.text, blocks=blocks.alert_blocks(message))

    def _post(self, person: Person, *, text: str, blocks: list[dict]) -> str:
        installation, user_id = self.directory.find(person)
        client = self.directory.client(installation)
        try:
            # Posting to the user id opens the DM with the bot (needs im:write).
            answer = client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except (SlackApiError, OSError) as exc:
            if isinstance(exc, SlackApiError) and slack_error_code(exc) in STALE_USER:
                self.directory.forget(person=person, team_id=installation.team_id)
            raise delivery_error(exc) from exc
        return f"{answer['channel']}/{answer['ts']}"

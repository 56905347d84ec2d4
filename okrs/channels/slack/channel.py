"""SlackChannel: nudges and alerts as direct messages from the okrs bot.

The nudge sender (okrs/nudges) owns retries and exactly-once delivery; this class makes one
attempt and says, through DeliveryError, whether and when another attempt could succeed.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from okrs.channels.base import AlertMessage, Channel, DeliveryError, NudgeMessage
from okrs.channels.slack import blocks
from okrs.channels.slack.errors import delivery_error, slack_error_code
from okrs.channels.slack.models import Installation
from okrs.channels.slack.people import find_slack_user, forget, web_client
from okrs.org.models import Person

# The cached user id may be stale (the user left, the DM closed): look them up again next time.
STALE_USER = frozenset({"channel_not_found", "user_not_found", "user_disabled", "not_in_channel"})


class SlackChannel(Channel):
    name = "slack"

    def is_configured(self) -> bool:
        return Installation.objects.exists()

    def can_reach(self, person: Person) -> bool:
        try:
            find_slack_user(person)
        except DeliveryError as exc:
            # Temporary trouble says nothing about the person: keep Slack, the nudge row will
            # retry (send_nudge raises the same error). Only a definite "no" falls back to email.
            return not exc.permanent
        return True

    def send_nudge(self, person: Person, message: NudgeMessage) -> str:
        return self._post(
            person, text=blocks.nudge_text(message), blocks=blocks.nudge_blocks(message)
        )

    def send_alert(self, person: Person, message: AlertMessage) -> str:
        return self._post(person, text=message.text, blocks=blocks.alert_blocks(message))

    def _post(self, person: Person, *, text: str, blocks: list[dict]) -> str:
        installation, user_id = find_slack_user(person)
        client = web_client(installation.bot_token)
        try:
            # Posting to the user id opens the DM with the bot (needs im:write).
            answer = client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except (SlackApiError, OSError) as exc:
            if isinstance(exc, SlackApiError) and slack_error_code(exc) in STALE_USER:
                forget(person=person, team_id=installation.team_id)
            raise delivery_error(exc) from exc
        return f"{answer['channel']}/{answer['ts']}"

"""TeamsChannel: nudges and alerts as Adaptive Cards in each person's chat with the okrs bot.

The nudge sender (okrs/nudges) owns retries and exactly-once delivery; this class makes one
attempt and says, through DeliveryError, whether and when another attempt could succeed. A
person is reachable once they installed the app personally (Teams then gave us the chat's
conversation reference); a bot can not start a chat with someone who never installed it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from okrs.channels.base import AlertMessage, Channel, DeliveryError, NudgeMessage
from okrs.channels.teams import cards, config, connector, services
from okrs.channels.teams.errors import CONVERSATION_GONE
from okrs.channels.teams.models import TeamsConversation
from okrs.nudges.services import NO_SNOOZE_LEFT
from okrs.org.models import Person


class TeamsChannel(Channel):
    name = "teams"

    def is_configured(self) -> bool:
        return config.current().configured

    def can_reach(self, person: Person) -> bool:
        return self.is_configured() and TeamsConversation.objects.filter(person=person).exists()

    def send_nudge(self, person: Person, message: NudgeMessage) -> str:
        # Snooze is offered only while a snooze would still come back in the check-in week.
        snooze = message.snooze_offered
        card = cards.nudge_card(
            message, snooze=snooze, no_snooze_reason=NO_SNOOZE_LEFT, base_url=settings.BASE_URL
        )
        return self._post(person, card, cards.nudge_text(message))

    def send_alert(self, person: Person, message: AlertMessage) -> str:
        return self._post(person, cards.alert_card(message), message.subject)

    def _post(self, person: Person, card: dict[str, Any], text: str) -> str:
        conversation = (
            TeamsConversation.objects.filter(person=person).order_by("-updated_at").first()
        )
        if conversation is None:
            raise DeliveryError(
                f"teams: {person.email} has not installed the okrs app in Teams", permanent=True
            )
        try:
            activity_id = connector.post_card(
                service_url=conversation.service_url,
                conversation_id=conversation.conversation_id,
                card=card,
                text=text,
            )
        except DeliveryError as exc:
            cause = exc.__cause__
            status = getattr(getattr(cause, "response", None), "status_code", None)
            if status in CONVERSATION_GONE:
                services.forget_person(person)  # email from now on, until they reinstall
            raise
        return f"{conversation.conversation_id}/{activity_id}"

"""Writes made from Teams, each audited: linking a person's chat with the bot and learning
their timezone. The check-ins of a card go through okrs.goals.checkins.services like every other
submission (see handlers.py)."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from okrs.channels.base import EMAIL
from okrs.channels.teams.connector import Member
from okrs.channels.teams.models import TeamsConversation
from okrs.org.audit import Actor, record
from okrs.org.models import Person

logger = logging.getLogger(__name__)

CHANNEL = "teams"
SYSTEM = Actor(None, CHANNEL, trusted=True)


@dataclass(frozen=True)
class Reference:
    """Where a personal chat with the bot is, as an activity from Teams tells it."""

    service_url: str
    conversation_id: str
    tenant_id: str
    user_id: str
    aad_object_id: str
    bot_id: str


def _public(conversation: TeamsConversation) -> dict[str, object]:
    return {
        "person": conversation.person_id,
        "tenant_id": conversation.tenant_id,
        "user_id": conversation.user_id,
        "aad_object_id": conversation.aad_object_id,
        "service_url": conversation.service_url,
        "conversation_id": conversation.conversation_id,
    }


def person_for_email(email: str) -> Person | None:
    if not email:
        return None
    return Person.objects.filter(email__iexact=email.strip(), is_active=True).first()


@dataclass(frozen=True)
class Linked:
    conversation: TeamsConversation
    new: bool  # a chat we did not know, or a person matched to it just now: worth a hello


@transaction.atomic
def link(*, reference: Reference, member: Member | None) -> Linked:
    """Store (or refresh) the reference of a person's chat with the bot, matched by email.

    A person who had no chat channel yet (email) gets Teams: installing the app personally is
    how people ask for their nudges there. Someone on Slack keeps Slack.

    A link is never moved automatically: the email comes from the Bot Connector, i.e. from
    whoever administers the sender's directory, so a second Teams user claiming the email of an
    already linked person is refused (kept unmatched, logged and audited), and a Teams user
    already linked to someone stays linked to them. An admin unlinks on /settings/teams/."""
    person = person_for_email(member.email) if member else None
    conversation = (
        TeamsConversation.objects.select_for_update()
        .filter(tenant_id=reference.tenant_id, user_id=reference.user_id)
        .first()
    )
    before = _public(conversation) if conversation else None
    if conversation is None:
        conversation = TeamsConversation(tenant_id=reference.tenant_id, user_id=reference.user_id)
    ref = f"{reference.tenant_id}/{reference.user_id}"
    if person is not None and conversation.person_id not in (None, person.pk):
        _refuse(ref, "this Teams user is linked to another person", person, conversation)
        person = None
    if person is not None and conversation.person_id is None:
        # Lock the person: two Teams users claiming them at once must not both be linked.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        elsewhere = (
            TeamsConversation.objects.select_for_update()
            .filter(person=person)
            .exclude(pk=conversation.pk)
            .first()
        )
        if elsewhere is not None:
            _refuse(ref, "the person is linked to another Teams user", person, elsewhere)
            person = None
    if person is not None:
        conversation.person = person
    conversation.aad_object_id = reference.aad_object_id or conversation.aad_object_id
    conversation.service_url = reference.service_url
    conversation.conversation_id = reference.conversation_id
    conversation.bot_id = reference.bot_id
    if member is not None:
        conversation.email = member.email[:254]
    conversation.updated_at = timezone.now()
    conversation.save()
    after = _public(conversation)
    if after != before:
        record(
            Actor(conversation.person, CHANNEL, trusted=True),
            action="create" if before is None else "update",
            entity="teams_conversation",
            ref=ref,
            before=before,
            after=after,
        )
    if person is not None and person.channel == EMAIL:
        Person.objects.filter(pk=person.pk).update(channel=CHANNEL)
        record(
            Actor(person, CHANNEL),
            action="update",
            entity="person",
            ref=person.email,
            before={"channel": EMAIL},
            after={"channel": CHANNEL},
        )
    matched_now = person is not None and (before is None or before["person"] != person.pk)
    return Linked(conversation, new=before is None or matched_now)


def _refuse(ref: str, reason: str, person: Person, existing: TeamsConversation) -> None:
    """A link okrs will not make by itself: logged for the admin and kept in the audit log."""
    logger.warning("teams: refused to link %s to %s: %s", ref, person.email, reason)
    record(
        SYSTEM,
        action="refuse",
        entity="teams_conversation",
        ref=ref,
        before=_public(existing) if existing.pk else None,
        after={"claimed_person": person.pk, "reason": reason},
    )


@transaction.atomic
def unlink(*, tenant_id: str, user_id: str, actor: Actor = SYSTEM) -> int:
    """The person removed the app (or the chat is gone, or an admin unlinked them): forget
    where to reach them. Every deleted link is audited. Returns how many were deleted."""
    deleted = 0
    for conversation in TeamsConversation.objects.select_for_update().filter(
        tenant_id=tenant_id, user_id=user_id
    ):
        before = _public(conversation)
        conversation.delete()
        deleted += 1
        record(
            actor,
            action="delete",
            entity="teams_conversation",
            ref=f"{tenant_id}/{user_id}",
            before=before,
        )
    return deleted


def forget_person(person: Person) -> None:
    """Delivery said the chat is gone: the person gets email until they install the app again."""
    for conversation in TeamsConversation.objects.filter(person=person):
        unlink(tenant_id=conversation.tenant_id, user_id=conversation.user_id)


def learn_timezone(*, person: Person, name: str) -> bool:
    """Remember the timezone Teams reports for a person who has none set. Never overrides
    what the person (or the plan file) chose."""
    if not name or person.timezone:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    with transaction.atomic():
        changed = Person.objects.filter(pk=person.pk, timezone="").update(timezone=name)
        if changed != 1:
            return False  # set meanwhile by someone else
        record(
            Actor(person, CHANNEL),
            action="update",
            entity="person",
            ref=person.email,
            before={"timezone": ""},
            after={"timezone": name},
        )
    person.timezone = name
    return True

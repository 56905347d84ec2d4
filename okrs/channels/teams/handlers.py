"""What okrs does with an activity from Teams, once its token has been verified.

- `conversationUpdate` adding the bot, or `installationUpdate` "add", in a personal chat: the
  person installed the app. Their conversation reference is stored and matched by email (asked
  of the Bot Connector: activities carry no email).
- `installationUpdate` "remove" (or the bot removed from the chat): the reference is dropped.
- `invoke` `adaptiveCard/action`: a button of a card (Save, No change, Snooze, Confirm,
  Update). The answer is an invoke response with the card that replaces the pressed one
  (Universal Actions): the next key results to check in on, the confidences "No change" could
  not confirm, the confirmation with what was recorded and what is still due (with its
  buttons), or the same card with the errors under their fields.
- Any activity carrying `localTimezone` teaches us the person's timezone if they have none.

The activity is parsed with the Teams SDK's activity models (microsoft-teams-api).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from microsoft_teams.api.activities import Activity
from pydantic import TypeAdapter, ValidationError

from okrs.channels.base import DeliveryError, DueKeyResult
from okrs.channels.interactions import (
    claim_interaction,
    milestone_ids,
    release_interaction,
    shown_after_checkin,
)
from okrs.channels.teams import cards, connector, services
from okrs.channels.teams.models import TeamsConversation
from okrs.goals.checkins.services import (
    CheckInsRefused,
    key_results_by_id,
    record_checkins,
    record_no_change,
)
from okrs.nudges.models import Nudge
from okrs.nudges.selectors import due_key_results, my_key_results
from okrs.nudges.services import SnoozeUnavailable, snooze_nudge
from okrs.org.audit import Actor
from okrs.org.models import Person

logger = logging.getLogger(__name__)

ACTIVITY: TypeAdapter[Any] = TypeAdapter(Activity)
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"

NOT_MATCHED = (
    "I could not match your Teams account to a person in okrs: the email address of your "
    "Teams (Microsoft 365) account must be the one okrs knows. Ask an okrs admin to add it. "
    "Nothing was recorded."
)
NOT_MATCHED_YET = (
    "Hi! I could not match your Teams account to a person in okrs yet: the email address of your "
    "Teams (Microsoft 365) account must be the one okrs knows. Ask an okrs admin to add it."
)
NOT_REACHABLE = "I could not check who you are in Teams just now. Please try again in a minute."


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None = None


def card_reply(card: dict[str, Any]) -> Reply:
    """An `adaptiveCard/action` answer: the card to show in place of the pressed one."""
    return Reply(200, {"statusCode": 200, "type": CARD_RESPONSE, "value": card})


def error_reply(status: int, message: str) -> Reply:
    return Reply(
        200,
        {
            "statusCode": status,
            "type": "application/vnd.microsoft.error",
            "value": {"code": "BadRequest", "message": message},
        },
    )


def handle(raw: dict[str, Any]) -> Reply:
    try:
        activity = ACTIVITY.validate_python(raw)
    except ValidationError as exc:
        kind = raw.get("type")
        if kind in {"invoke", "conversationUpdate", "installationUpdate"}:
            logger.info("teams: a %s activity we cannot read: %s", kind, exc.error_count())
            return Reply(400, {"detail": f"this {kind} activity is malformed"})
        return Reply(200)  # an activity type okrs has no use for
    kind = activity.type
    if kind == "conversationUpdate":
        return conversation_update(activity, raw)
    if kind == "installationUpdate":
        return installation_update(activity, raw)
    if kind == "invoke" and activity.name == "adaptiveCard/action":
        return card_action(activity, raw)
    if kind == "invoke":
        return Reply(200, {})
    if kind == "message":
        return message(activity, raw)
    return Reply(200)


def message(activity: Any, raw: dict[str, Any]) -> Reply:
    """Anything said to the bot in the personal chat: answer with a check-in card."""
    if not _personal(activity):
        return Reply(200)
    conversation = (
        TeamsConversation.objects.filter(
            tenant_id=_tenant(activity, raw), user_id=activity.from_.id
        )
        .select_related("person")
        .first()
    )
    if conversation is None or conversation.person is None:
        conversation = install(activity, raw, welcome=False)  # an install we missed
    person = conversation.person
    if person is None or not person.is_active:
        _say(conversation, cards.message_card(NOT_MATCHED, attention=True), "okrs")
        return Reply(200)
    _learn_timezone(person, raw)
    now = timezone.now()
    due = due_key_results(person=person, now=now)
    krs = due or my_key_results(person=person, now=now)
    if not krs:
        card = cards.message_card("You own no key results in a running cycle.")
    else:
        heading = (
            f"{len(krs)} key result{'s' if len(krs) != 1 else ''} due for a check-in."
            if due
            else "Nothing is due; here are your key results."
        )
        card = cards.checkin_card(krs, nudge_id=None, heading=heading, base_url=settings.BASE_URL)
    _say(conversation, card, "Check in")
    return Reply(200)


# --- installation ------------------------------------------------------------------------------


def _personal(activity: Any) -> bool:
    conversation_type = getattr(activity.conversation, "conversation_type", None)
    return (conversation_type or "personal") == "personal"


def _tenant(activity: Any, raw: dict[str, Any]) -> str:
    tenant = getattr(activity.conversation, "tenant_id", None)
    if not tenant:
        tenant = ((raw.get("channelData") or {}).get("tenant") or {}).get("id")
    return str(tenant or "")


def activity_tenants(raw: dict[str, Any]) -> set[str]:
    """Every tenant id the raw activity names (its conversation's and its channelData's)."""
    named: set[str] = set()
    conversation = raw.get("conversation")
    if isinstance(conversation, dict) and conversation.get("tenantId"):
        named.add(str(conversation["tenantId"]))
    channel_data = raw.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        named.add(str(tenant["id"]))
    return named


def _reference(activity: Any, raw: dict[str, Any]) -> services.Reference:
    sender = activity.from_
    return services.Reference(
        service_url=str(activity.service_url).rstrip("/"),
        conversation_id=activity.conversation.id,
        tenant_id=_tenant(activity, raw),
        user_id=sender.id,
        aad_object_id=sender.aad_object_id or "",
        bot_id=activity.recipient.id,
    )


def _timezone_of(raw: dict[str, Any]) -> str:
    name = raw.get("localTimezone")
    if not name:
        for entity in raw.get("entities") or ():
            if isinstance(entity, dict) and entity.get("type") == "clientInfo":
                name = entity.get("timezone")
    return str(name or "")


def _learn_timezone(person: Person, raw: dict[str, Any]) -> None:
    services.learn_timezone(person=person, name=_timezone_of(raw))


def install(
    activity: Any, raw: dict[str, Any], *, strict: bool = False, welcome: bool = True
) -> TeamsConversation:
    """Store the chat's reference; ask the connector who the user is to match them by email.

    When the connector cannot answer, the reference is kept unmatched (the first button press
    asks again); with `strict` the DeliveryError is raised instead. A new chat gets a hello
    unless the caller answers the person itself (`welcome=False`)."""
    reference = _reference(activity, raw)
    member: connector.Member | None = None
    try:
        member = connector.get_member(
            service_url=reference.service_url,
            conversation_id=reference.conversation_id,
            member_id=reference.user_id,
        )
    except DeliveryError as exc:
        logger.warning("teams: could not look up a member: %s", exc)
        if strict:
            raise
    linked = services.link(reference=reference, member=member)
    conversation = linked.conversation
    if conversation.person is not None:
        _learn_timezone(conversation.person, raw)
    if linked.new and welcome:
        _say(conversation, welcome_card(conversation.person), "Welcome to okrs")
    return conversation


def welcome_card(person: Person | None) -> dict[str, Any]:
    """The hello after installing (Teams asks every personal bot to introduce itself)."""
    if person is None:
        return cards.message_card(NOT_MATCHED_YET, attention=True)
    return cards.message_card(
        f"Hi {person.name or person.email}! You are linked to okrs as {person.email}. Your weekly "
        "check-in arrives here as a card on your team's check-in day; send me any message to "
        "check in now."
    )


def _say(conversation: TeamsConversation, card: dict[str, Any], text: str) -> None:
    """Post a card into the chat; a failure is logged (the activity itself was handled)."""
    try:
        connector.post_card(
            service_url=conversation.service_url,
            conversation_id=conversation.conversation_id,
            card=card,
            text=text,
        )
    except DeliveryError as exc:
        logger.warning("teams: posting into a chat failed: %s", exc)


def conversation_update(activity: Any, raw: dict[str, Any]) -> Reply:
    if not _personal(activity):
        return Reply(200)  # okrs is a personal-scope bot; team and group chats are not used
    bot_id = activity.recipient.id
    added = {member.id for member in activity.members_added or ()}
    removed = {member.id for member in activity.members_removed or ()}
    if bot_id in added:
        install(activity, raw)
    elif bot_id in removed:
        services.unlink(tenant_id=_tenant(activity, raw), user_id=activity.from_.id)
    return Reply(200)


def installation_update(activity: Any, raw: dict[str, Any]) -> Reply:
    if not _personal(activity):
        return Reply(200)
    action = str(getattr(activity, "action", "") or raw.get("action") or "")
    if action.startswith("add"):
        install(activity, raw)
    elif action.startswith("remove"):
        services.unlink(tenant_id=_tenant(activity, raw), user_id=activity.from_.id)
    return Reply(200)


# --- the card's buttons ------------------------------------------------------------------------


def _known_person(activity: Any, raw: dict[str, Any]) -> Person | None:
    conversation = (
        TeamsConversation.objects.filter(
            tenant_id=_tenant(activity, raw),
            user_id=activity.from_.id,
            person__isnull=False,
            person__is_active=True,
        )
        .select_related("person")
        .first()
    )
    return conversation.person if conversation else None


def _person(activity: Any, raw: dict[str, Any]) -> tuple[Person | None, str]:
    """The person pressing the button, matching them now if Teams never told us of them."""
    person = _known_person(activity, raw)
    if person is not None:
        return person, ""
    try:
        conversation = install(activity, raw, strict=True, welcome=False)
    except DeliveryError:
        return None, NOT_REACHABLE
    person = conversation.person
    if person is None or not person.is_active:
        return None, NOT_MATCHED
    return person, ""


def _replace_for_all_devices(activity: Any, card: dict[str, Any], text: str) -> None:
    """The invoke answer replaces the card where it was pressed; updating the message itself
    (PUT) shows the answer on the person's other devices too and removes the buttons there."""
    message_id = getattr(activity, "reply_to_id", None)
    if not message_id:
        return
    try:
        connector.update_card(
            service_url=str(activity.service_url).rstrip("/"),
            conversation_id=activity.conversation.id,
            activity_id=message_id,
            card=card,
            text=text,
        )
    except DeliveryError as exc:
        logger.warning("teams: updating the answered card failed: %s", exc)


def card_action(activity: Any, raw: dict[str, Any]) -> Reply:
    action = activity.value.action
    verb = action.verb or ""
    if verb not in cards.VERBS:
        return error_reply(400, f"unknown action {verb[:40]!r}")
    person, problem = _person(activity, raw)
    if person is None:
        return card_reply(cards.message_card(problem, attention=True))
    _learn_timezone(person, raw)
    data: dict[str, Any] = action.data if isinstance(action.data, dict) else {}
    shown = cards.read_action_data(data)
    ids = [kr_id for kr_id, _ in shown.key_results]
    now = timezone.now()
    key = f"{_tenant(activity, raw)}/{activity.from_.id}/{activity.id}"
    if not claim_interaction(channel=services.CHANNEL, key=key):
        # The same press delivered twice: the first recorded it; show where things stand.
        return card_reply(
            cards.confirmation_card(
                "Already recorded.",
                shown_after_checkin(ids, now),
                still_due=still_due(person, shown.nudge_id, now),
                nudge_id=shown.nudge_id,
                base_url=settings.BASE_URL,
            )
        )
    if verb == cards.VERB_SAVE:
        return save(activity, person, data, shown, key=key)
    if verb == cards.VERB_NO_CHANGE:
        return no_change(activity, person, data, shown, key=key)
    if verb == cards.VERB_CONFIRM:
        return confirm(activity, person, data, shown, key=key)
    if verb == cards.VERB_UPDATE:
        release_interaction(channel=services.CHANNEL, key=key)  # records nothing by itself
        return update(person, shown)
    return snooze(activity, person, shown)


def still_due(
    person: Person, nudge_id: int | None, now: dt.datetime, due: list[DueKeyResult] | None = None
) -> list[DueKeyResult]:
    """What is still due of this check-in: the nudge's key results that are still due (one
    just checked in is not), or all the person's due ones when the card had no nudge."""
    if due is None:
        due = due_key_results(person=person, now=now)
    if nudge_id is None:
        return due
    nudge = Nudge.objects.filter(pk=nudge_id, person=person).only("key_result_ids").first()
    if nudge is None:
        return due
    listed = {int(i) for i in nudge.key_result_ids or ()}
    return [kr for kr in due if kr.id in listed]


def _due_of(due: list[DueKeyResult], ids: Sequence[int]) -> list[DueKeyResult]:
    """The key results of `ids` that are still due, in the order of `ids`."""
    by_id = {kr.id: kr for kr in due}
    return [by_id[kr_id] for kr_id in ids if kr_id in by_id]


def recorded_heading(count: int) -> str:
    return f"Recorded {count} check-in{'s' if count != 1 else ''}. Thank you!"


def _answered(
    activity: Any,
    person: Person,
    heading: str,
    recorded_ids: Sequence[int],
    problems: Sequence[str],
    nudge_id: int | None,
    now: dt.datetime,
    due: list[DueKeyResult] | None = None,
) -> Reply:
    """The confirmation: what was recorded and what is still due, on every device."""
    card = cards.confirmation_card(
        heading,
        shown_after_checkin(recorded_ids, now),
        problems,
        still_due=still_due(person, nudge_id, now, due),
        nudge_id=nudge_id,
        base_url=settings.BASE_URL,
    )
    _replace_for_all_devices(activity, card, heading)
    return card_reply(card)


def save(
    activity: Any, person: Person, data: dict[str, Any], shown: cards.ActionData, *, key: str
) -> Reply:
    """A card's Save: its key results recorded (all or none), then the next card of the rest,
    or the confirmation once none is left."""
    now = timezone.now()
    ids = [kr_id for kr_id, _ in shown.key_results]
    # Read once: which answers are milestones' (a choice, whatever the card says), then the
    # same rows record them.
    key_results = key_results_by_id(ids)
    entries, errors = cards.read_submission(
        data, shown.key_results, milestones=milestone_ids(key_results)
    )
    if not errors:
        try:
            recorded = record_checkins(
                actor=Actor(person, services.CHANNEL), entries=entries, key_results=key_results
            )
        except CheckInsRefused as exc:
            # An automatic key result has no value input: its error goes under the confidence.
            errors = exc.by_field(
                entries, value_field=cards.value_id, confidence_field=cards.confidence_id
            )
    if errors:
        # Nothing was recorded: the same press may be sent again and must be tried again.
        release_interaction(channel=services.CHANNEL, key=key)
        # Answered inside the card: the same card, what was typed kept, errors under fields.
        card = cards.checkin_card(
            shown_after_checkin(ids, now),
            nudge_id=shown.nudge_id,
            heading="Nothing was saved: please correct the fields marked below.",
            submitted=data,
            errors=errors,
            rest=shown.rest,
            base_url=settings.BASE_URL,
        )
        return card_reply(card)
    heading = recorded_heading(len(recorded))
    due = due_key_results(person=person, now=now)
    rest = _due_of(due, shown.rest)
    if rest:
        count = len(rest)
        card = cards.checkin_card(
            rest,
            nudge_id=shown.nudge_id,
            heading=f"{heading} Still due: {count} key result{'s' if count != 1 else ''}.",
            snooze=False,
            base_url=settings.BASE_URL,
        )
        _replace_for_all_devices(activity, card, heading)
        return card_reply(card)
    return _answered(activity, person, heading, ids, [], shown.nudge_id, now, due)


def no_change(
    activity: Any, person: Person, data: dict[str, Any], shown: cards.ActionData, *, key: str
) -> Reply:
    """ "No change" for every key result of the card and of the cards after it: values kept,
    the confidence chosen on the card confirmed (the person's last one, preselected, unless
    they chose another). A key result of the card with no confidence chosen nor any earlier
    one of the person's refuses the press: nothing is recorded and the card comes back with
    it marked. Those of the cards after it with none are asked for one on the card that
    answers; nothing is chosen for them."""
    now = timezone.now()
    on_card = [kr_id for kr_id, _ in shown.key_results]
    result = record_no_change(
        actor=Actor(person, services.CHANNEL),
        key_result_ids=on_card + list(shown.rest),
        confidences=cards.read_confidences(data, on_card),
        asked=on_card,
    )
    if result.refused:
        # Nothing was recorded: the same press may be sent again and must be tried again.
        release_interaction(channel=services.CHANNEL, key=key)
        marked = {cards.confidence_id(kr.pk): NO_CONFIDENCE_YET for kr in result.needs_confidence}
        card = cards.checkin_card(
            shown_after_checkin(on_card, now),
            nudge_id=shown.nudge_id,
            heading=NO_CHANGE_NEEDS_CONFIDENCE,
            submitted=data,
            errors=marked,
            rest=shown.rest,
            base_url=settings.BASE_URL,
        )
        return card_reply(card)
    recorded = [checkin.key_result_id for checkin in result.recorded]
    count = len(recorded)
    heading = (
        f"No change for {count} key result{'s' if count != 1 else ''}: values kept, your "
        "confidence confirmed."
        if count
        else "Nothing was recorded yet."
    )
    asked = shown_after_checkin([kr.pk for kr in result.needs_confidence], now)
    problems = list(result.problems)
    problems += [
        f"{kr.title}: has no value yet: Update to give one." for kr in asked if kr.current is None
    ]
    askable = [kr for kr in asked if kr.current is not None]
    if askable:
        card = cards.checkin_card(
            askable,
            nudge_id=shown.nudge_id,
            heading=heading,
            problem=" ".join(problems),
            confirm=True,
            base_url=settings.BASE_URL,
        )
        _replace_for_all_devices(activity, card, heading)
        return card_reply(card)
    return _answered(activity, person, heading, recorded, problems, shown.nudge_id, now)


NO_CHANGE_NEEDS_CONFIDENCE = (
    "Nothing was recorded: choose a confidence where it is marked below, then press No change "
    "again."
)
NO_CONFIDENCE_YET = "No confidence of yours to confirm yet: choose one."


def confirm(
    activity: Any, person: Person, data: dict[str, Any], shown: cards.ActionData, *, key: str
) -> Reply:
    """The confidences "No change" asked for: recorded with the values kept."""
    now = timezone.now()
    ids = [kr_id for kr_id, _ in shown.key_results]
    entries, errors = cards.read_submission(data, [(kr_id, True) for kr_id in ids])
    if errors:
        release_interaction(channel=services.CHANNEL, key=key)
        card = cards.checkin_card(
            shown_after_checkin(ids, now),
            nudge_id=shown.nudge_id,
            heading="Nothing was saved: choose a confidence for each key result.",
            submitted=data,
            errors=errors,
            rest=shown.rest,
            confirm=True,
            base_url=settings.BASE_URL,
        )
        return card_reply(card)
    result = record_no_change(
        actor=Actor(person, services.CHANNEL),
        key_result_ids=ids,
        confidences={entry.key_result_id: entry.confidence for entry in entries},
    )
    recorded = [checkin.key_result_id for checkin in result.recorded]
    heading = recorded_heading(len(recorded))
    due = due_key_results(person=person, now=now)
    rest = _due_of(due, shown.rest)
    if rest:
        card = cards.checkin_card(
            rest, nudge_id=shown.nudge_id, heading=heading, confirm=True,
            base_url=settings.BASE_URL,
        )  # fmt: skip
        return card_reply(card)
    return _answered(activity, person, heading, recorded, result.problems, shown.nudge_id, now, due)


def update(person: Person, shown: cards.ActionData) -> Reply:
    """A check-in card for what the confirmation listed as still due."""
    now = timezone.now()
    ids = [kr_id for kr_id, _ in shown.key_results] + list(shown.rest)
    krs = _due_of(due_key_results(person=person, now=now), ids)
    if not krs:
        return card_reply(
            cards.confirmation_card("Nothing is due any more.", [], base_url=settings.BASE_URL)
        )
    count = len(krs)
    heading = f"{count} key result{'s' if count != 1 else ''} due for a check-in."
    return card_reply(
        cards.checkin_card(
            krs,
            nudge_id=shown.nudge_id,
            heading=heading,
            snooze=False,
            base_url=settings.BASE_URL,
        )
    )


def snooze(activity: Any, person: Person, shown: cards.ActionData) -> Reply:
    if shown.nudge_id is None:
        return card_reply(cards.message_card("This card cannot be snoozed.", attention=True))
    try:
        until = snooze_nudge(nudge_id=shown.nudge_id, person=person, channel="teams")
    except LookupError:
        return card_reply(cards.message_card("This nudge is not yours to snooze.", attention=True))
    except SnoozeUnavailable as exc:
        # The card stays answerable: the same key results, without Snooze, saying why.
        now = timezone.now()
        ids = [kr_id for kr_id, _ in shown.key_results]
        card = cards.checkin_card(
            shown_after_checkin(ids, now), nudge_id=shown.nudge_id, heading="Not snoozed.",
            problem=str(exc), rest=shown.rest, snooze=False, base_url=settings.BASE_URL,
        )  # fmt: skip
        return card_reply(card)
    stamp = until.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Teams formats DATE() and TIME() in the reader's own timezone.
    text = f"Snoozed. I will ask again on {{{{DATE({stamp}, SHORT)}}}} at {{{{TIME({stamp})}}}}."
    card = cards.message_card(text, markdown=True)  # our own text: DATE() must stay as is
    _replace_for_all_devices(activity, card, "Snoozed.")
    return card_reply(card)

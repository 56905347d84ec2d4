"""What okrs does when someone clicks, types `/okr` or opens the App Home.

Every listener acknowledges at once; the work that reads or writes the database or calls Slack
runs in a lazy listener after the acknowledgement. The one exception is the modal submission:
Slack takes field errors only in the acknowledgement itself, so the check-ins are validated and
recorded (a few rows, in one transaction) before ack(), and the nudge message is updated after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from okrs.channels.base import DueKeyResult
from okrs.channels.interactions import claim_interaction, milestone_ids, shown_after_checkin
from okrs.channels.slack import blocks
from okrs.channels.slack.people import person_for_slack_user
from okrs.channels.slack.services import CHANNEL, forget_workspace
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

NOT_REACHABLE = "I could not check who you are in Slack just now. Please try again in a minute."
USAGE = "`/okr` lists your key results; `/okr checkin` opens the check-in form."


def register(app: App) -> None:
    app.action(blocks.ACTION_UPDATE)(ack=acknowledge, lazy=[open_checkin])
    app.action(blocks.ACTION_OPEN_CHECKIN)(ack=acknowledge, lazy=[open_checkin])
    app.action(blocks.ACTION_NO_CHANGE)(ack=acknowledge, lazy=[confirm_no_change])
    app.action(blocks.ACTION_SNOOZE)(ack=acknowledge, lazy=[snooze])
    app.view(blocks.CHECKIN_CALLBACK)(submit_checkin)
    app.view(blocks.CONFIRM_CALLBACK)(submit_confirmation)
    app.command("/okr")(ack=acknowledge, lazy=[okr_command])
    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
    app.event("app_uninstalled")(ack=acknowledge, lazy=[workspace_gone])
    app.event("tokens_revoked")(ack=acknowledge, lazy=[tokens_revoked])


def acknowledge(ack: Ack) -> None:
    ack()


def _person(client: WebClient, context: BoltContext) -> tuple[Person | None, str]:
    """The person behind the Slack user of this request, or None and what to tell them."""
    try:
        person = person_for_slack_user(
            client=client, team_id=context.team_id or "", user_id=context.user_id or ""
        )
    except (SlackApiError, OSError) as exc:
        logger.warning("slack: users.info failed: %s", type(exc).__name__)
        return None, NOT_REACHABLE
    return person, "" if person else blocks.NOT_MATCHED


def _presser(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> tuple[Person | None, Callable[[str], None]]:
    """The person who pressed a button and how to answer only them: ephemeral where Slack
    gave a response_url (messages, commands), else a DM (the App Home has no response_url).
    None when they cannot be matched, and they are told why."""

    def tell(text: str) -> None:
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            client.chat_postMessage(channel=context.user_id or "", text=text)

    person, problem = _person(client, context)
    if person is None:
        tell(problem)
    return person, tell


def _button_value(body: dict[str, Any]) -> blocks.ButtonValue:
    """What the pressed button carries: the nudge and the key results it was about."""
    return blocks.read_button_value((body.get("actions") or [{}])[0].get("value"))


def _message_of(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and ts of the message whose button was clicked ("", "" for the App Home)."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return "", ""
    return str(container.get("channel_id") or ""), str(container.get("message_ts") or "")


def modal_key_results(person: Person, ids: tuple[int, ...]) -> list[DueKeyResult]:
    """The nudge's key results that the person still owns; else what is due; else all theirs."""
    now = timezone.now()
    mine = my_key_results(person=person, now=now)
    if ids:
        wanted = set(ids)
        chosen = [kr for kr in mine if kr.id in wanted]
        if chosen:
            return chosen
    return due_key_results(person=person, now=now) or mine


def still_due(
    person: Person,
    nudge_id: int | None,
    now: dt.datetime,
    due: list[DueKeyResult] | None = None,
) -> list[DueKeyResult]:
    """What is still due of this check-in: the nudge's key results that are still due (a key
    result just checked in is not), or all the person's due ones when there is no nudge.
    `due` is the person's due key results when the caller has read them already."""
    if due is None:
        due = due_key_results(person=person, now=now)
    if nudge_id is None:
        return due
    nudge = Nudge.objects.filter(pk=nudge_id, person=person).only("key_result_ids").first()
    if nudge is None:
        return due
    listed = {int(i) for i in nudge.key_result_ids or ()}
    return [kr for kr in due if kr.id in listed]


def web_url() -> str:
    return f"{settings.BASE_URL}/checkins/"


def recorded_heading(count: int) -> str:
    return f"Recorded {count} check-in{'s' if count != 1 else ''}. Thank you!"


def open_checkin(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    person, tell = _presser(body, client, context, respond)
    if person is None:
        return
    value = _button_value(body)
    krs = modal_key_results(person, value.key_result_ids)
    if not krs:
        tell("You own no key results in a running cycle.")
        return
    channel, ts = _message_of(body)
    view = blocks.checkin_modal(
        krs, nudge_id=value.nudge_id, channel=channel, ts=ts, round_=value.round
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_checkin(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, view: dict[str, Any]
) -> None:
    """A page of the check-in modal: recorded at once (all of it or none), then the next page
    in the same modal, or what was recorded once none is left."""
    metadata = blocks.ModalMetadata.load(view.get("private_metadata"))
    # Read once: which answers are milestones' (a choice, whatever the modal says), then the
    # same rows record them.
    key_results = key_results_by_id([kr_id for kr_id, _ in metadata.key_results])
    entries, errors = blocks.read_submission(
        view.get("state", {}).get("values", {}), metadata, milestones=milestone_ids(key_results)
    )
    if errors:
        ack(response_action="errors", errors=errors)
        return
    person, problem = _person(client, context)
    if person is None:
        ack(response_action="update", view=blocks.message_view(problem))
        return
    try:
        recorded = record_checkins(
            actor=Actor(person, CHANNEL), entries=entries, key_results=key_results
        )
    except CheckInsRefused as exc:
        # An automatic key result has no value input: its error goes beside the confidence.
        errors = exc.by_field(
            entries,
            value_field=blocks.value_block_id,
            confidence_field=blocks.confidence_block_id,
        )
        ack(response_action="errors", errors={k: blocks.short_error(v) for k, v in errors.items()})
        return
    now = timezone.now()
    heading = recorded_heading(len(recorded))
    states = shown_after_checkin([entry.key_result_id for entry in entries], now)
    due_now = due_key_results(person=person, now=now)
    due = still_due(person, metadata.nudge_id, now, due_now)
    if metadata.rest is None:  # the later pages did not fit in the metadata: what is due
        rest = due
    else:
        by_id = {kr.id: kr for kr in due_now}
        rest = [by_id[kr_id] for kr_id in metadata.rest if kr_id in by_id]
    if rest:
        ack(response_action="update", view=blocks.next_page(rest, metadata, heading=heading))
    else:
        ack(response_action="update", view=blocks.result_view(heading, states))
    # Slack has its answer; now the nudge says what was recorded and what is still due.
    if metadata.channel and metadata.ts:
        _update_message(client, metadata, heading, states, still=due, round_=metadata.round + 1)


def _update_message(
    client: WebClient,
    where: blocks.ModalMetadata,
    heading: str,
    states: list[DueKeyResult],
    problems: Sequence[str] = (),
    *,
    still: Sequence[DueKeyResult] = (),
    round_: int,
) -> None:
    try:
        client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=heading,
            blocks=blocks.confirmation_blocks(
                heading,
                states,
                problems,
                still_due=still,
                nudge_id=where.nudge_id,
                round_=round_,
                web_url=web_url(),
            ),
        )
    except (SlackApiError, OSError) as exc:
        # The check-ins are recorded; a stale message is cosmetic.
        logger.warning("slack: chat.update failed: %s", type(exc).__name__)


def _press_key(context: BoltContext, channel: str, ts: str, value: blocks.ButtonValue) -> str:
    """One press of "No change" on one rendering of one message: a double click repeats it,
    the message as updated afterwards (a new round, other key results) is a new press."""
    ids = ",".join(str(i) for i in value.key_result_ids)
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"{context.team_id}/{channel}/{ts}/no_change/{value.round}/{digest}"


def _chosen(body: dict[str, Any], ids: Sequence[int]) -> dict[int, str]:
    """The confidences chosen in the message's inputs, sent by Slack as its state."""
    state = body.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return blocks.read_confidences(values, ids) if isinstance(values, dict) else {}


def confirm_no_change(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    """ "No change" for every key result of the message, listed or not: the values are kept
    and the person's last confidence confirmed, or the one they chose in the message's input
    for a key result with none of theirs. Those with neither (not chosen, or no room for an
    input in the message) are asked for one in a modal opened by the same click; nothing is
    chosen for them."""
    person, tell = _presser(body, client, context, respond)
    if person is None:
        return
    channel, ts = _message_of(body)
    value = _button_value(body)
    if (
        channel
        and ts
        and not claim_interaction(channel=CHANNEL, key=_press_key(context, channel, ts, value))
    ):
        return  # a double click: the first request records and updates the message
    now = timezone.now()
    ids = value.key_result_ids or tuple(kr.id for kr in due_key_results(person=person, now=now))
    result = record_no_change(
        actor=Actor(person, CHANNEL), key_result_ids=ids, confidences=_chosen(body, ids)
    )
    recorded_ids = [checkin.key_result_id for checkin in result.recorded]
    states = shown_after_checkin(recorded_ids, now)
    asked = shown_after_checkin([kr.pk for kr in result.needs_confidence], now)
    askable = [kr for kr in asked if kr.current is not None]
    problems = list(result.problems)
    problems += [
        f"{kr.title}: has no value yet: Update to give one." for kr in asked if kr.current is None
    ]
    count = len(recorded_ids)
    heading = (
        f"No change for {count} key result{'s' if count != 1 else ''}: values kept, your "
        "confidence confirmed."
        if count
        else "Nothing was recorded yet."
    )
    where = blocks.ModalMetadata(value.nudge_id, (), channel, ts, round=value.round + 1)
    if askable and body.get("trigger_id"):
        view = blocks.confirm_modal(
            askable, nudge_id=value.nudge_id, channel=channel, ts=ts,
            heading=heading if count else "", round_=value.round + 1,
        )  # fmt: skip
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except (SlackApiError, OSError) as exc:
            logger.warning("slack: views.open failed: %s", type(exc).__name__)
        else:
            n = len(askable)
            problems.append(
                f"{n} key result{'s have' if n != 1 else ' has'} no confidence of yours to "
                "confirm yet: choose one in the form that opened (or Update)."
            )
    if channel and ts:
        still = still_due(person, value.nudge_id, now)
        _update_message(client, where, heading, states, problems, still=still, round_=where.round)
    elif problems:
        tell("\n".join(problems))


def submit_confirmation(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, view: dict[str, Any]
) -> None:
    """The modal of "No change" asking for the confidences: the values are kept and the
    confidences chosen are recorded (record_no_change with them)."""
    metadata = blocks.ModalMetadata.load(view.get("private_metadata"))
    values = view.get("state", {}).get("values", {})
    entries, errors = blocks.read_submission(values, metadata)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    person, problem = _person(client, context)
    if person is None:
        ack(response_action="update", view=blocks.message_view(problem))
        return
    ids = [entry.key_result_id for entry in entries]
    confidences = {entry.key_result_id: entry.confidence for entry in entries}
    result = record_no_change(
        actor=Actor(person, CHANNEL), key_result_ids=ids, confidences=confidences
    )
    now = timezone.now()
    recorded_ids = [checkin.key_result_id for checkin in result.recorded]
    heading = recorded_heading(len(recorded_ids))
    states = shown_after_checkin(recorded_ids, now)
    due_now = due_key_results(person=person, now=now)
    by_id = {kr.id: kr for kr in due_now}
    rest = [by_id[kr_id] for kr_id in metadata.rest or () if kr_id in by_id]
    if rest:
        ack(
            response_action="update",
            view=blocks.confirm_modal(
                rest, nudge_id=metadata.nudge_id, channel=metadata.channel, ts=metadata.ts,
                heading=heading, round_=metadata.round,
            ),
        )  # fmt: skip
    else:
        ack(response_action="update", view=blocks.result_view(heading, states, result.problems))
    if metadata.channel and metadata.ts:
        still = still_due(person, metadata.nudge_id, now, due_now)
        _update_message(
            client, metadata, heading, states, result.problems, still=still,
            round_=metadata.round + 1,
        )  # fmt: skip


def snooze(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
    person, tell = _presser(body, client, context, respond)
    if person is None:
        return
    value = _button_value(body)
    if value.nudge_id is None:
        tell("This message cannot be snoozed.")
        return
    try:
        until = snooze_nudge(nudge_id=value.nudge_id, person=person, channel="slack")
    except LookupError:
        tell("This nudge is not yours to snooze.")
        return
    except SnoozeUnavailable as exc:
        tell(str(exc))  # the message keeps its Update and No change buttons
        return
    epoch = int(until.timestamp())
    # Slack shows the date in the reader's own timezone; the fallback is UTC.
    when = f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|{until:%Y-%m-%d %H:%M} UTC>"
    text = f"Snoozed. I will ask again {when}. `/okr checkin` if you get to it sooner."
    channel, ts = _message_of(body)
    if channel and ts:
        try:
            client.chat_update(
                channel=channel,
                ts=ts,
                text=f"Snoozed until {until:%Y-%m-%d %H:%M} UTC.",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            )
        except (SlackApiError, OSError) as exc:
            logger.warning("slack: chat.update failed: %s", type(exc).__name__)
    else:
        tell(text)


def okr_command(
    body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond
) -> None:
    person, problem = _person(client, context)
    if person is None:
        respond(text=problem, response_type="ephemeral")
        return
    words = str(body.get("text") or "").strip().lower().split()
    if not words or words[0] in {"list", "ls", "mine"}:
        krs = my_key_results(person=person, now=timezone.now())
        respond(
            text=f"Your key results ({len(krs)})",
            blocks=blocks.list_blocks(krs),
            response_type="ephemeral",
        )
    elif words[0] in {"checkin", "check-in", "update"}:
        krs = modal_key_results(person, ())
        if not krs:
            respond(text="You own no key results in a running cycle.", response_type="ephemeral")
            return
        client.views_open(
            trigger_id=body["trigger_id"], view=blocks.checkin_modal(krs, nudge_id=None)
        )
    else:
        respond(text=USAGE, response_type="ephemeral")


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab opened: nothing to draw
    person, _ = _person(client, context)
    user_id = context.user_id or str(event.get("user") or "")
    if person is None:
        client.views_publish(user_id=user_id, view=blocks.home_view(None))
        return
    now = timezone.now()
    krs = my_key_results(person=person, now=now)
    due = {kr.id for kr in due_key_results(person=person, now=now)}
    client.views_publish(user_id=user_id, view=blocks.home_view(krs, due_ids=due))


def workspace_gone(context: BoltContext) -> None:
    forget_workspace(enterprise_id=context.enterprise_id or "", team_id=context.team_id or "")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    # Only the bot token matters: okrs holds no user tokens.
    if (event.get("tokens") or {}).get("bot"):
        workspace_gone(context)

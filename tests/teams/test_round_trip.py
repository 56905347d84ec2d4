"""The heart of it: a nudge goes out as a card through the real sender -> Save with values ->
check-ins recorded with source teams -> the card becomes the confirmation -> the dashboard
shows them."""

from __future__ import annotations

import datetime as dt

from okrs.channels.teams import cards
from okrs.goals.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.sender import send_due
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.teams.cardtools import buttons, inputs, press, text
from tests.teams.conftest import TeamsDriver, chat_id, linked


def planned_nudge(world: World, now: dt.datetime) -> Nudge:
    return Nudge.objects.create(
        person=world.member,
        week_start=now.date(),
        cycle=world.cycle,
        key_result_ids=[world.lead_time.pk, world.change_failure_rate.pk],
        due_at=now,
        next_attempt_at=now,
    )


def deliver(world: World, teams: TeamsDriver, now: dt.datetime) -> tuple[Nudge, dict]:
    """Link maya, plan her nudge and let the real sender deliver it; the card she got."""
    linked(teams, world.member)
    nudge = planned_nudge(world, now)
    report = send_due(now=lambda: now)
    assert report.sent == 1, str(report)
    nudge.refresh_from_db()
    (card,) = teams.connector.cards(chat_id(world.member))
    return nudge, card


def test_nudge_save_confirmation_dashboard(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    admin_api = world.client_for(world.admin)
    before = admin_api.get("/api/v1/dashboard").json()

    nudge, card = deliver(world, teams, frozen_now)

    assert (nudge.state, nudge.channel) == (NudgeState.SENT, "teams")
    (send,) = teams.connector.calls_to("send")
    assert send.token in teams.connector.tokens_issued  # the bot's own token, by client creds
    (posted,) = teams.connector.activities[chat_id(world.member)]
    assert nudge.provider_message_id == f"{chat_id(world.member)}/{posted['id']}"
    assert posted["type"] == "message" and posted["summary"].startswith("Time for your weekly")
    assert card["version"] == "1.5"
    shown = text(card)
    assert world.lead_time.title in shown and world.change_failure_rate.title in shown
    assert "Current: 96 hours" in shown and "Target: 6 hours" in shown
    fields = inputs(card)
    lead_value = fields[cards.value_id(world.lead_time.pk)]
    assert (lead_value["type"], lead_value["value"]) == ("Input.Number", 96)  # prefilled
    assert "value" not in fields[cards.value_id(world.change_failure_rate.pk)]  # none known yet
    assert fields[cards.confidence_id(world.lead_time.pk)]["type"] == "Input.ChoiceSet"
    assert fields[cards.note_id(world.lead_time.pk)]["type"] == "Input.Text"
    assert set(buttons(card)) == {"Save", "No change", "Snooze"}
    assert buttons(card)["Snooze"]["data"]["nudge"] == nudge.pk

    verb, data = press(
        card,
        "Save",
        {
            cards.value_id(world.lead_time.pk): "40",
            cards.confidence_id(world.lead_time.pk): "on_track",
            cards.note_id(world.lead_time.pk): "Pipeline cache landed",
            cards.value_id(world.change_failure_rate.pk): "4.5",
            cards.confidence_id(world.change_failure_rate.pk): "at_risk",
        },
    )
    message_id = nudge.provider_message_id.rsplit("/", 1)[1]
    response = teams.invoke(world.member, verb, data, reply_to=message_id)

    assert response.status_code == 200
    answer = response.json()
    assert answer["statusCode"] == 200
    assert answer["type"] == "application/vnd.microsoft.card.adaptive"
    confirmation = answer["value"]
    assert "Recorded 2 check-ins" in text(confirmation)
    assert "Current: 40 hours" in text(confirmation)
    assert buttons(confirmation) == {}  # nothing left to press twice

    lead_time = CheckIn.objects.get(key_result=world.lead_time)
    assert (lead_time.value, lead_time.confidence, lead_time.source) == (40, "on_track", "teams")
    assert lead_time.note == "Pipeline cache landed" and lead_time.author == world.member
    cfr = CheckIn.objects.get(key_result=world.change_failure_rate)
    assert (cfr.value, cfr.confidence, cfr.source) == (4.5, "at_risk", "teams")
    assert AuditEntry.objects.filter(entity="checkin", channel="teams").count() == 2

    # The message itself was replaced too (her other devices show the answer, not the buttons).
    (update,) = teams.connector.calls_to("update")
    assert update.path.endswith(f"/activities/{message_id}")
    assert "Recorded 2 check-ins" in text(
        teams.connector.by_id[message_id]["attachments"][0]["content"]
    )

    after = admin_api.get("/api/v1/dashboard").json()
    moved = {row["ref"]: row for row in after["what_moved"]}
    assert moved[world.lead_time.ref]["status"] == "on_track"
    assert moved[world.lead_time.ref]["note"] == "Pipeline cache landed"
    platform_before = next(t for t in before["teams"] if t["team"] == "platform")
    platform_after = next(t for t in after["teams"] if t["team"] == "platform")
    assert platform_before["checkin_compliance"]["checked_in"] == 0
    assert platform_after["checkin_compliance"]["checked_in"] == 2


def test_the_same_press_delivered_twice_records_once(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(
        card,
        "Save",
        {
            cards.value_id(world.change_failure_rate.pk): "4",
            cards.confidence_id(world.lead_time.pk): "on_track",
            cards.confidence_id(world.change_failure_rate.pk): "on_track",
        },
    )
    activity = teams.activity(
        world.member,
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    first = teams.post(activity)
    second = teams.post(activity)
    assert first.status_code == second.status_code == 200
    assert CheckIn.objects.count() == 2
    assert "Already recorded" in text(second.json()["value"])


def test_the_bot_token_is_cached_between_sends(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    deliver(world, teams, frozen_now)
    from okrs.channels.base import AlertMessage
    from okrs.channels.teams.channel import TeamsChannel

    TeamsChannel().send_alert(world.member, AlertMessage(subject="Hi", text="There"))
    assert len(teams.connector.tokens_issued) == 1  # got while linking, reused for both sends
    assert len(teams.connector.calls_to("send")) == 2

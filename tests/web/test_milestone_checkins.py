"""A milestone's check-in asks "Not done" or "Done", never for a number, and preselects
only what a person's latest check-in said: nothing is recorded that the person did not say."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from tests.checkin_flows import SAVE_ALL, Form, Person, form_with_button
from tests.conftest import NOW, World

pytestmark = pytest.mark.usefixtures("frozen_now")

MY_CHECKINS = "/checkins/"


@pytest.fixture
def milestone(world: World) -> KeyResult:
    return KeyResult.objects.create(
        objective=world.platform_objective,
        key="self-serve-deploys",
        title="Ship self-serve deploys",
        owner=world.member,
        kind="milestone",
        target=1,
        position=5,
    )


def at_my_checkins(world: World) -> Person:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    return Person(client, MY_CHECKINS)


def options(form: Form, name: str) -> list[tuple[str, str]]:
    return form.options[name]


def recorded(kr: KeyResult) -> list[tuple[float, str | None]]:
    return list(kr.checkins.order_by("at", "id").values_list("value", "confidence"))


def test_my_checkins_offers_not_done_or_done_with_nothing_chosen(
    world: World, milestone: KeyResult
) -> None:
    person = at_my_checkins(world)
    person.open()
    assert person.form is not None
    name = f"kr{milestone.pk}-value"
    # A choice, not a number to type, and nothing chosen: it starts at 0, which nobody said.
    assert [text for _, text in options(person.form, name)] == [
        "Choose not done or done",
        "Not done",
        "Done",
    ]
    assert person.shown(milestone, "value") == ""
    html = person.response.content.decode()
    row = html[html.index(f'id="row-{milestone.pk}"') :]
    row = row[: row.index("</fieldset>")]
    assert 'inputmode="decimal"' not in row and "Done?" in row
    # The other key results still take a number.
    assert person.shown(world.lead_time, "value") is not None
    assert f"kr{world.lead_time.pk}-value" not in person.form.options  # typed, not chosen

    person.type(milestone, "value", "1")
    person.type(milestone, "confidence", "on_track")
    person.press(SAVE_ALL)
    assert recorded(milestone) == [(1.0, "on_track")]


def test_what_the_person_said_last_is_preselected_and_no_change_keeps_it(
    world: World, milestone: KeyResult
) -> None:
    CheckIn.objects.create(
        key_result=milestone, value=1, confidence="on_track", source="web",
        author=world.member, at=NOW - dt.timedelta(days=8),
    )  # fmt: skip
    person = at_my_checkins(world)
    person.open()
    assert person.form is not None
    # Due again a week later: what they said is preselected, and labelled as theirs.
    assert person.shown(milestone, "value") == "1"
    assert dict(options(person.form, f"kr{milestone.pk}-value"))["1"] == "Done (last answer)"
    person.press("No change", value=str(milestone.pk))
    assert recorded(milestone)[-1] == (1.0, "on_track")
    assert len(recorded(milestone)) == 2


def test_the_key_result_page_asks_done_or_not_and_stores_0_or_1(
    world: World, milestone: KeyResult
) -> None:
    client = Client()
    client.force_login(world.member)
    url = f"/key-results/{world.platform_objective.key}/{milestone.key}/"
    page = client.get(url).content.decode()
    form = form_with_button(page, "Save check-in")
    assert form is not None
    fields = dict(form.fields)
    assert fields["value"] == ""  # nothing chosen that the person did not say
    assert [text for _, text in form.options["value"]][1:] == ["Not done", "Done"]
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "Done? Choose not done or done Not done Done" in text

    client.post(url, {**fields, "value": "0", "confidence": "at_risk"})
    assert recorded(milestone) == [(0.0, "at_risk")]
    form = form_with_button(client.get(url).content.decode(), "Save check-in")
    assert form is not None and dict(form.fields)["value"] == "0"
    assert dict(form.options["value"])["0"] == "Not done (last answer)"

    # Something other than not done or done is refused, in words.
    response = client.post(url, {**dict(form.fields), "value": "0.5", "confidence": "at_risk"})
    assert response.status_code == 400
    assert "Choose not done or done." in response.content.decode()
    assert len(recorded(milestone)) == 1


def test_a_milestone_page_shows_no_pace_to_keep(world: World, milestone: KeyResult) -> None:
    """Done or not has no share expected by a given day: the page shows its state and score."""
    client = Client()
    client.force_login(world.member)
    page = client.get(f"/key-results/{world.platform_objective.key}/{milestone.key}/")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page.content.decode())).split())
    assert "Current not done" in text
    assert "Expected by now" not in text
    other = client.get(f"/key-results/{world.platform_objective.key}/{world.lead_time.key}/")
    assert "Expected by now" in other.content.decode()

"""The end-of-cycle pages as people see them: styled, with numbers written for people, offered
from the cycle's last week on, and carrying over into the next cycle of the same length."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client

from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.models import AuditEntry, Person
from tests.conftest import World
from tests.insights.helpers import check_in

UTC = dt.UTC
RETRO_URL = "/key-results/deploys-advantage/lead-time/retrospective/"
CARRY_URL = "/objectives/deploys-advantage/carry-over/"
KR_URL = "/key-results/deploys-advantage/lead-time/"
OBJECTIVE_URL = "/objectives/deploys-advantage/"
LAST_WEEK = dt.datetime(2026, 12, 28, 9, 0, tzinfo=UTC)  # 2026-Q4 ends on 31 December
MID_CYCLE = dt.datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def signed_in_as(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def text_of(html: bytes) -> str:
    """The page as read: tags dropped, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def choices(html: bytes) -> list[str]:
    """The options of the carry-over form's cycle select, as (value) labels."""
    select = re.search(rb'<select name="cycle"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return [
        f"{value.decode()}: {label.decode()}"
        for value, label in re.findall(rb'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                                       select.group(1))
    ]  # fmt: skip


def test_the_retrospective_shows_the_numbers_as_people_read_them(world: World) -> None:
    check_in(world.lead_time, world.member, 40.375, LAST_WEEK - dt.timedelta(days=1))
    world.lead_time.baseline = None
    world.lead_time.save()
    with time_machine.travel(LAST_WEEK, tick=False):
        page = signed_in_as(world.member).get(RETRO_URL)
    assert page.status_code == 200
    shown = text_of(page.content)
    assert "Current value 40.4 hours" in shown
    assert "Baseline no baseline" in shown
    assert "Target 6 hours" in shown
    assert "40.375" not in shown and "None" not in shown
    # Styled like the key-result page, with its own sheet.
    assert b"web/keyresults.css" in page.content and b"insights/end_of_cycle.css" in page.content
    assert b'class="facts"' in page.content


def test_mid_cycle_neither_page_is_offered(world: World) -> None:
    with time_machine.travel(MID_CYCLE, tick=False):
        maya, lena = signed_in_as(world.member), signed_in_as(world.platform_lead)
        retro = maya.get(RETRO_URL)
        assert retro.status_code == 200
        assert "Not yet: Q4 2026 runs until 31 December 2026" in text_of(retro.content)
        assert b"Save the retrospective" not in retro.content
        refused = maya.post(RETRO_URL, {"retrospective": "too early"})
        assert refused.status_code == 409 and b"opens in its last week" in refused.content
        carry = lena.get(CARRY_URL)
        assert carry.status_code == 200 and b"Carry over</button>" not in carry.content
        assert lena.post(CARRY_URL, {"cycle": "2027-Q1"}).status_code == 409
        # Neither is linked from the pages they belong to.
        assert b"Write the retrospective" not in maya.get(KR_URL).content
        assert CARRY_URL.encode() not in lena.get(OBJECTIVE_URL).content
    world.lead_time.refresh_from_db()
    assert world.lead_time.retrospective == ""
    assert not Cycle.objects.filter(key="2027-Q1").exists()
    assert not Objective.objects.filter(key__startswith="deploys-advantage-").exists()


def test_from_the_last_week_both_are_linked(world: World) -> None:
    with time_machine.travel(LAST_WEEK, tick=False):
        assert b"Write the retrospective" in signed_in_as(world.member).get(KR_URL).content
        objective = signed_in_as(world.platform_lead).get(OBJECTIVE_URL).content
    assert CARRY_URL.encode() in objective
    assert b'<option value="2027-Q1">Q1 2027</option>' in objective


def test_a_quarter_is_carried_into_the_next_quarter_created_for_it(world: World) -> None:
    year = Cycle.objects.create(key="2027", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31))
    with time_machine.travel(LAST_WEEK, tick=False):
        lena = signed_in_as(world.platform_lead)  # a lead, not an admin
        form = lena.get(CARRY_URL)
        assert form.status_code == 200
        assert choices(form.content) == [
            "2027-Q1: Q1 2027 (1 January 2027 to 31 March 2027), the next quarter "
            "(created when you carry over)",
            "2027: 2027 (1 January 2027 to 31 December 2027)",
        ]
        assert b'<option value="2027-Q1" selected>' in form.content
        response = lena.post(CARRY_URL, {"cycle": "2027-Q1"})
    assert response.status_code == 302
    q1 = Cycle.objects.get(key="2027-Q1")
    assert (q1.start, q1.end, q1.name, q1.parent) == (
        dt.date(2027, 1, 1), dt.date(2027, 3, 31), "Q1 2027", year,
    )  # fmt: skip
    assert Objective.objects.get(key="deploys-advantage-2027-q1").cycle == q1
    assert AuditEntry.objects.filter(entity="cycle", ref="2027-Q1", actor=world.platform_lead)


def test_an_existing_next_quarter_is_offered_as_it_is(world: World) -> None:
    Cycle.objects.create(key="Q1-27", name="Winter", start=dt.date(2027, 1, 1),
                         end=dt.date(2027, 3, 31))  # fmt: skip
    with time_machine.travel(LAST_WEEK, tick=False):
        form = signed_in_as(world.admin).get(CARRY_URL)
    assert choices(form.content) == [
        "Q1-27: Winter (1 January 2027 to 31 March 2027), the next quarter"
    ]


def test_a_year_is_carried_into_the_next_year(world: World) -> None:
    year = Cycle.objects.create(key="2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    goal = Objective.objects.create(
        key="yearly-goal", cycle=year, level="company", title="A yearly goal", owner=world.admin
    )
    KeyResult.objects.create(
        objective=goal, key="revenue", title="Grow revenue to £2M", owner=world.admin,
        kind="increase", baseline=1, target=2, unit="£M",
    )  # fmt: skip
    with time_machine.travel(LAST_WEEK, tick=False):
        admin = signed_in_as(world.admin)
        form = admin.get("/objectives/yearly-goal/carry-over/")
        assert choices(form.content)[0] == (
            "2027: 2027 (1 January 2027 to 31 December 2027), the next year "
            "(created when you carry over)"
        )
        response = admin.post("/objectives/yearly-goal/carry-over/", {"cycle": "2027"})
    assert response.status_code == 302
    copy = Objective.objects.get(key="yearly-goal-2027")
    assert (copy.cycle.key, copy.cycle.start, copy.cycle.end) == (
        "2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31),
    )  # fmt: skip


def test_a_next_quarter_created_meanwhile_is_used_not_created_twice(world: World) -> None:
    from okrs.insights.end_of_cycle import next_cycle
    from okrs.insights.services import carry_over_objective
    from okrs.org.audit import Actor

    planned = next_cycle(world.cycle)
    assert planned.existing is None
    # Someone applies a plan with the quarter between the form and the post.
    q1 = Cycle.objects.create(key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))
    copy = carry_over_objective(
        objective=world.platform_objective, to_cycle=planned, actor=Actor(world.admin, "web")
    )
    assert copy.cycle == q1 and Cycle.objects.filter(key="2027-Q1").count() == 1


def test_the_page_lists_exactly_the_key_results_the_copy_will_hold(world: World) -> None:
    # Before the cycle freezes there is no final score: an achieved key result must still not
    # be listed as carried, since the copy leaves it behind.
    check_in(world.lead_time, world.member, 5, LAST_WEEK - dt.timedelta(days=1))
    with time_machine.travel(LAST_WEEK, tick=False):
        client = signed_in_as(world.platform_lead)
        carried = re.search(
            rb"Key results carried</h2>(.*?)</ul>", client.get(CARRY_URL).content, re.S
        )
        assert carried is not None
        response = client.post(CARRY_URL, {"cycle": "2027-Q1"})
    assert response.status_code == 302
    assert world.lead_time.title.encode() not in carried.group(1)
    assert world.change_failure_rate.title.encode() in carried.group(1)
    copy = Objective.objects.get(key="deploys-advantage-2027-q1")
    assert [kr.title for kr in copy.key_results.all()] == [world.change_failure_rate.title]

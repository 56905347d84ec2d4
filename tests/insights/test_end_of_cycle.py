"""End of a cycle: frozen scores, one retrospective prompt per owner, the retrospective page,
and carrying an unfinished objective into the next cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client

from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.goals.tasks import freeze_ended_cycles
from okrs.insights.services import InsightInvalid, carry_over_objective
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.sender import send_due
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry, Person
from okrs.org.permissions import PermissionDenied
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.insights.helpers import check_in, dms, on_slack
from tests.nudges.smtp import LocalSmtp, body_of

UTC = dt.UTC
AFTER_END = dt.datetime(2027, 1, 1, 1, 5, tzinfo=UTC)
PROMPT = "Q4 2026 has ended"
RETRO_URL = "/key-results/deploys-advantage/lead-time/retrospective/"
CARRY_URL = "/objectives/deploys-advantage/carry-over/"
# 2026-Q4 ends on 31 December: its last week starts on the 25th (London time).
LAST_WEEK = dt.datetime(2026, 12, 28, 9, 0, tzinfo=UTC)
MID_CYCLE = dt.datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def in_the_last_week() -> Iterator[None]:
    with time_machine.travel(LAST_WEEK, tick=False):
        yield


def finish_the_quarter(world: World) -> None:
    check_in(world.lead_time, world.member, 51, dt.datetime(2026, 12, 20, 9, 0, tzinfo=UTC))
    check_in(
        world.change_failure_rate, world.member, 3, dt.datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
    )
    check_in(world.conversion, world.other_member, 3.2, dt.datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    # A check-in after the end never changes a frozen result.
    check_in(world.lead_time, world.member, 6, dt.datetime(2027, 1, 1, 0, 30, tzinfo=UTC))


def freeze_and_send(moment: dt.datetime) -> list[str]:
    with time_machine.travel(moment, tick=False):
        frozen = freeze_ended_cycles(moment)
        send_due()
    return frozen


def signed_in_as(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_each_owner_is_prompted_once_and_writes_the_retrospective_on_the_page(
    world: World, slack: FakeSlack, smtp: LocalSmtp
):
    on_slack(slack, "U0MAYA", world.member)
    finish_the_quarter(world)
    assert freeze_and_send(AFTER_END) == ["2026-Q4"]
    # Another worker, an hour later: nothing is frozen or prompted twice.
    assert freeze_and_send(AFTER_END + dt.timedelta(hours=1)) == []
    with time_machine.travel(AFTER_END + dt.timedelta(hours=2), tick=False):
        from okrs.insights.tasks import plan_and_send_insights

        plan_and_send_insights()  # the hourly safety net plans the prompts again: a no-op

    world.lead_time.refresh_from_db()
    assert world.lead_time.final_score == pytest.approx(0.5)  # 96 -> 51 of 96 -> 6
    prompts = dms(slack, "U0MAYA", PROMPT)
    assert len(prompts) == 1
    assert "did it move the thing we said it would move?" in prompts[0]
    assert (
        "deploys-advantage/lead-time: Reduce deployment lead time from 4 days to 6 hours: "
        "final 51 hours of target 6 hours, score 50%" in prompts[0]
    )
    assert "deploys-advantage/change-failure-rate" in prompts[0]
    assert f"http://testserver{RETRO_URL}" in prompts[0]
    owen = [m for m in smtp.to("owen@acme.test") if m["Subject"].startswith(PROMPT)]
    assert len(owen) == 1 and "score 100%" in body_of(owen[0], "plain")
    assert Nudge.objects.filter(kind=NudgeKind.RETROSPECTIVE).count() == 2  # maya, owen

    # The page shows the final score; the owner writes her retrospective.
    maya = signed_in_as(world.member)
    page = maya.get(RETRO_URL)
    assert page.status_code == 200
    assert b'data-testid="final-score">50%' in page.content
    answer = "Lead time halved, not to 6 hours: the review queue, not the pipeline, was the cause."
    saved = maya.post(RETRO_URL, {"retrospective": answer})
    assert saved.status_code == 302
    world.lead_time.refresh_from_db()
    assert world.lead_time.retrospective == answer
    assert world.lead_time.retrospective_by == world.member
    assert world.lead_time.retrospective_at is not None
    entry = AuditEntry.objects.filter(entity="key_result", ref="deploys-advantage/lead-time").last()
    assert entry is not None and entry.actor == world.member and entry.channel == "web"
    assert entry.after is not None
    assert entry.after["retrospective"] == answer
    assert answer.encode() in maya.get(RETRO_URL + "?saved=1").content


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("other_member", False), ("viewer", False), ("checkout_lead", False),
     ("platform_lead", True), ("admin", True)],
)  # fmt: skip
@pytest.mark.usefixtures("in_the_last_week")
def test_only_the_owner_their_lead_or_an_admin_may_write_it(world: World, who: str, allowed: bool):
    person = getattr(world, who)
    answer = f"written by {person.email}"
    response = signed_in_as(person).post(RETRO_URL, {"retrospective": answer})
    world.lead_time.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert world.lead_time.retrospective == answer
    else:
        assert response.status_code == 403
        assert world.lead_time.retrospective == ""
        assert not AuditEntry.objects.filter(ref="deploys-advantage/lead-time").exists()
        # Reading stays open; the form is not offered.
        page = signed_in_as(person).get(RETRO_URL)
        assert page.status_code == 200 and b"Save the retrospective" not in page.content


@pytest.mark.usefixtures("in_the_last_week")
def test_an_empty_retrospective_is_refused_and_nothing_is_stored(world: World):
    response = signed_in_as(world.member).post(RETRO_URL, {"retrospective": "   "})
    assert response.status_code == 400
    world.lead_time.refresh_from_db()
    assert world.lead_time.retrospective == ""


def next_quarter() -> Cycle:
    return Cycle.objects.create(key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))


def test_carry_over_copies_the_unfinished_key_results_from_their_final_value(
    world: World, smtp: LocalSmtp
):
    finish_the_quarter(world)
    freeze_and_send(AFTER_END)
    q1 = next_quarter()

    with time_machine.travel(AFTER_END + dt.timedelta(days=3), tick=False):
        lena = signed_in_as(world.platform_lead)  # leads platform: may edit its objective
        form = lena.get("/objectives/deploys-advantage/carry-over/")
        assert form.status_code == 200 and b'value="2027-Q1"' in form.content
        response = lena.post("/objectives/deploys-advantage/carry-over/", {"cycle": "2027-Q1"})
        assert response.status_code == 302
        assert response["Location"] == "/objectives/deploys-advantage-2027-q1/"
        assert lena.get(response["Location"]).status_code == 200

        copy = Objective.objects.get(key="deploys-advantage-2027-q1")
        assert copy.cycle == q1 and copy.carried_over_from == world.platform_objective
        assert (copy.team, copy.owner, copy.aligns_to_objective) == (
            world.platform, world.platform_lead, world.company_goal,
        )  # fmt: skip
        assert "Carried over from deploys-advantage (Q4 2026)." in copy.description
        # The change failure rate was achieved (score 1): only lead time is carried.
        (kr,) = copy.key_results.all()
        assert (kr.key, kr.owner, kr.kind, kr.target, kr.unit) == (
            "lead-time", world.member, "decrease", 6, "hours",
        )  # fmt: skip
        assert kr.baseline == 51  # the final value, not the later check-in of 6
        assert kr.checkins.count() == 0
        refs = set(
            AuditEntry.objects.filter(actor=world.platform_lead).values_list("ref", flat=True)
        )
        assert {"deploys-advantage-2027-q1", "deploys-advantage-2027-q1/lead-time"} <= refs

        # Twice into the same key: refused, nothing more created.
        again = lena.post("/objectives/deploys-advantage/carry-over/", {"cycle": "2027-Q1"})
        assert again.status_code == 400 and b"exists already" in again.content
        assert Objective.objects.filter(cycle=q1).count() == 1


@pytest.mark.parametrize("who", ["viewer", "member", "checkout_lead"])
def test_carry_over_is_refused_to_whoever_may_not_edit_the_objective(world: World, who: str):
    next_quarter()
    person = getattr(world, who)
    response = signed_in_as(person).post(
        "/objectives/deploys-advantage/carry-over/", {"cycle": "2027-Q1"}
    )
    assert response.status_code == 403
    assert not Objective.objects.filter(key__startswith="deploys-advantage-").exists()
    with pytest.raises(PermissionDenied):
        carry_over_objective(
            objective=world.platform_objective,
            to_cycle=Cycle.objects.get(key="2027-Q1"),
            actor=Actor(person, "api"),
        )
    assert KeyResult.objects.count() == 3


def test_carry_over_into_its_own_cycle_is_refused(world: World):
    with pytest.raises(InsightInvalid, match="already in Q4 2026"):
        carry_over_objective(
            objective=world.platform_objective,
            to_cycle=world.cycle,
            actor=Actor(world.admin, "api"),
        )

"""The objective page, the key-result page with its check-in form, and "my check-ins"."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import ContributionLink, Initiative, KeyResult, Objective
from okrs.org.models import AuditEntry, Person
from tests.conftest import World

pytestmark = pytest.mark.usefixtures("frozen_now")

OBJECTIVE = "/objectives/deploys-advantage/"
LEAD_TIME = "/key-results/deploys-advantage/lead-time/"
CFR = "/key-results/deploys-advantage/change-failure-rate/"
TODAY = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)


def signed_in(client: Client, person: Person) -> Client:
    client.force_login(person)
    return client


def checkin(kr: KeyResult, value: float, days_ago: float, **fields: object) -> CheckIn:
    at = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC) - dt.timedelta(days=days_ago)
    return CheckIn.objects.create(key_result=kr, value=value, source="web", at=at, **fields)


def text(response: object) -> str:
    """The page's text without tags, with whitespace collapsed, as a person reads it."""
    html = response.content.decode()  # type: ignore[attr-defined]
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- sign-in and 404s ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [OBJECTIVE, LEAD_TIME, "/checkins/"])
def test_every_page_requires_sign_in(client: Client, world: World, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/objectives/no-such-objective/",
        "/key-results/deploys-advantage/no-such-kr/",
        "/key-results/checkout-conversion/lead-time/",  # a key of another objective
    ],
)
def test_unknown_objective_or_key_result_is_404(client: Client, world: World, url: str) -> None:
    assert signed_in(client, world.member).get(url).status_code == 404


# --- the objective page ----------------------------------------------------------------------


def test_objective_page_shows_the_objective_its_key_results_and_what_hangs_off_it(
    client: Client, world: World
) -> None:
    checkin(world.lead_time, 40, 2, confidence="on_track")
    Initiative.objects.create(
        objective=world.platform_objective,
        key="canary",
        title="Roll out canary deployments",
        key_result=world.lead_time,
        status="in_progress",
    )
    Objective.objects.create(
        key="faster-pipelines",
        cycle=world.cycle,
        level="individual",
        title="Make the CI pipeline fast",
        owner=world.member,
        aligns_to_key_result=world.lead_time,
    )
    ContributionLink.objects.create(
        objective=world.platform_objective, to_objective=world.checkout_objective
    )
    response = signed_in(client, world.member).get(OBJECTIVE)
    assert response.status_code == 200
    page = text(response)
    html = response.content.decode()
    assert "Make our deployment infrastructure a competitive advantage" in page
    assert "Team" in page and "Platform" in page and "Lena Lead" in page
    assert 'href="/objectives/grow-self-serve/"' in html  # what it aligns to
    assert 'href="/key-results/deploys-advantage/lead-time/"' in html
    assert 'href="/key-results/deploys-advantage/change-failure-rate/"' in html
    assert "40 hours / 6 hours" in page
    assert "Roll out canary deployments" in page and "In progress" in page
    assert 'href="/objectives/faster-pipelines/"' in html  # a child aligned to a key result
    assert 'href="/objectives/checkout-conversion/"' in html  # contributes to
    assert "✓ On track" in page


def test_the_company_goal_lists_the_objectives_aligned_to_it(client: Client, world: World) -> None:
    html = signed_in(client, world.member).get("/objectives/grow-self-serve/").content.decode()
    assert 'href="/objectives/deploys-advantage/"' in html
    assert 'href="/objectives/checkout-conversion/"' in html
    # Nothing above it, and that is as it should be: not the warning an objective gets.
    assert "nothing: it is a company goal" in html
    assert "not aligned to a company goal" not in html


def test_edit_link_only_for_people_who_may_edit_the_objective(client: Client, world: World) -> None:
    edit = 'href="/objectives/deploys-advantage/edit/"'
    assert edit not in signed_in(client, world.member).get(OBJECTIVE).content.decode()
    assert edit not in signed_in(client, world.viewer).get(OBJECTIVE).content.decode()
    assert edit in signed_in(client, world.platform_lead).get(OBJECTIVE).content.decode()
    assert edit in signed_in(client, world.admin).get(OBJECTIVE).content.decode()


# --- the key-result page ---------------------------------------------------------------------


def test_key_result_page_shows_every_number_and_the_history(client: Client, world: World) -> None:
    checkin(world.lead_time, 80, 30, author=world.member, note="canary in staging")
    checkin(world.lead_time, 70, 20, author=world.member, confidence="at_risk")
    checkin(world.lead_time, 60, 10, author=world.member, note="first teams on canary")
    Initiative.objects.create(
        objective=world.platform_objective,
        key="canary",
        title="Roll out canary deployments",
        key_result=world.lead_time,
        status="done",
    )
    response = signed_in(client, world.member).get(LEAD_TIME)
    assert response.status_code == 200
    page = text(response)
    state = evaluate_key_result(world.lead_time, as_of=dt.datetime.now(dt.UTC))
    for label in ("Baseline 96 hours", "Target 6 hours", "Unit hours", "Current 60 hours"):
        assert label in page
    assert f"Score {round(state.result.score * 100)}%" in page
    assert state.result.forecast is not None
    # The status comes from the pace (no recent confidence), said once beside its badge.
    assert "by its pace" in page and "Pace" not in page
    assert "Confidence not given" in page and "Forecast at cycle end" in page
    # Newest first, each with its note, author and source.
    assert page.index("first teams on canary") < page.index("canary in staging")
    assert "Maya Patel web" in page
    assert "Roll out canary deployments" in page and "Done" in page


def test_chart_data_has_the_history_the_expected_line_and_the_forecast(
    client: Client, world: World
) -> None:
    for value, days_ago in ((90, 40), (80, 30), (75, 20), (60, 10)):
        checkin(world.lead_time, value, days_ago)
    html = signed_in(client, world.member).get(LEAD_TIME).content.decode()
    raw = re.search(
        r'<script id="kr-chart-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert raw is not None
    chart = json.loads(raw.group(1))
    assert [p["y"] for p in chart["values"]] == [90, 80, 75, 60]
    assert chart["expected"] == [
        {"x": chart["start"], "y": 96, "text": "96 hours"},
        {"x": chart["end"], "y": 6, "text": "6 hours"},
    ]
    assert [p["text"] for p in chart["values"]] == ["90 hours", "80 hours", "75 hours", "60 hours"]
    state = evaluate_key_result(world.lead_time, as_of=dt.datetime.now(dt.UTC))
    last_point, cycle_end = chart["forecast"]
    assert last_point["x"] == chart["values"][-1]["x"]
    assert cycle_end["x"] == chart["end"]
    assert cycle_end["y"] == pytest.approx(state.result.forecast)
    assert '<canvas id="kr-chart"' in html
    assert "<script>" not in html  # no inline script: the CSP would block it


def test_automatic_source_is_shown_without_its_secrets(client: Client, world: World) -> None:
    world.lead_time.source = {
        "kind": "sql",
        "dsn": "postgresql://reporter:s3cret-pw@warehouse/db",
        "query": "select avg(hours) from lead_times",
    }
    world.lead_time.save()
    html = signed_in(client, world.member).get(LEAD_TIME).content.decode()
    assert "Updated automatically" in html
    assert "select avg(hours) from lead_times" in html
    assert "s3cret-pw" not in html
    assert "(hidden)" in html


def test_a_dora_source_reads_in_words_and_the_crumbs_name_the_cycle(
    client: Client, world: World
) -> None:
    world.lead_time.source = {
        "kind": "dora", "metric": "lead_time", "service": "checkout", "window": "30d",
    }  # fmt: skip
    world.lead_time.save()
    page = signed_in(client, world.member).get(LEAD_TIME).content.decode()
    html = text_of(page)
    assert "kind DORA metric, from delivery events" in html
    assert "metric Change lead time" in html and "lead_time" not in html
    assert "window 30 days" in html and "30d" not in html
    # The breadcrumb names the cycle as people know it; its link keeps the key.
    crumbs = re.search(r'<p class="crumbs muted">(.*?)</p>', page, re.S)
    assert crumbs is not None
    assert f'<a href="/?cycle={world.cycle.key}">{world.cycle.name}</a>' in crumbs.group(1)


def test_the_owner_sees_the_form_prefilled_and_a_viewer_sees_none(
    client: Client, world: World
) -> None:
    checkin(world.lead_time, 42.5, 2, confidence="at_risk")
    html = signed_in(client, world.member).get(LEAD_TIME).content.decode()
    assert 'name="value"' in html and 'value="42.5"' in html
    assert '<option value="at_risk" selected>' in html
    assert 'name="no_change"' in html
    viewer_html = signed_in(client, world.viewer).get(LEAD_TIME).content.decode()
    assert 'name="value"' not in viewer_html and "Check in" not in text_of(viewer_html)
    other = signed_in(Client(), world.other_member).get(LEAD_TIME).content.decode()
    assert 'name="value"' not in other


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("who", ["viewer", "other_member"])
def test_a_forged_check_in_is_refused_and_records_nothing(
    client: Client, world: World, who: str
) -> None:
    response = signed_in(client, getattr(world, who)).post(
        LEAD_TIME, {"value": "10", "confidence": "on_track"}
    )
    assert response.status_code == 403
    assert "You may not check in on deploys-advantage/lead-time" in text(response)
    assert not CheckIn.objects.exists()
    assert not AuditEntry.objects.filter(entity="checkin").exists()


def test_check_in_with_htmx_answers_with_the_new_status_and_history(
    client: Client, world: World
) -> None:
    signed_in(client, world.member)
    assert "✕ Off track" in text(client.get(LEAD_TIME))
    response = client.post(
        LEAD_TIME,
        {"value": "50", "confidence": "on_track", "note": "canary everywhere"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the live panel only, swapped in place
    assert 'id="kr-live"' in html
    page = text(response)
    # The confidence given is the status now: said once, as the badge.
    assert "Checked in: 50 hours. The status is now ✓ On track" in page
    message = page.split("Where it stands", 1)[0]
    assert message.lower().count("on track") == 1, message
    assert "canary everywhere Maya Patel web" in page
    saved = CheckIn.objects.get()
    assert (saved.value, saved.confidence, saved.source, saved.author) == (
        50,
        "on_track",
        "web",
        world.member,
    )
    audit = AuditEntry.objects.get(entity="checkin")
    assert (audit.actor, audit.channel, audit.ref) == (
        world.member,
        "web",
        "deploys-advantage/lead-time",
    )


def test_a_plain_form_post_redirects_back_to_the_page(client: Client, world: World) -> None:
    response = signed_in(client, world.member).post(LEAD_TIME, {"value": "50"})
    assert response.status_code == 302
    assert response["Location"] == LEAD_TIME
    assert CheckIn.objects.get().value == 50


@pytest.mark.parametrize("value", ["abc", "12,5,6", "nan", "inf"])
def test_a_value_that_is_not_a_number_is_refused_and_kept(
    client: Client, world: World, value: str
) -> None:
    response = signed_in(client, world.member).post(
        LEAD_TIME, {"value": value, "note": "typed a lot here"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "The check-in was not saved" in page
    assert "Enter a number" in page
    assert f'value="{value}"' in response.content.decode()
    assert "typed a lot here" in page
    assert not CheckIn.objects.exists()


def test_no_change_keeps_the_value_and_confirms_the_confidence(
    client: Client, world: World
) -> None:
    checkin(world.lead_time, 44, 5, confidence="on_track", author=world.member)
    response = signed_in(client, world.member).post(
        LEAD_TIME,
        {"value": "999", "confidence": "at_risk", "no_change": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    latest = CheckIn.objects.order_by("-at", "-id").first()
    assert latest is not None
    assert (latest.value, latest.confidence, latest.source) == (44, "at_risk", "web")
    assert CheckIn.objects.count() == 2


def test_an_empty_value_means_no_change(client: Client, world: World) -> None:
    response = signed_in(client, world.member).post(
        LEAD_TIME, {"value": "", "confidence": "at_risk"}
    )
    assert response.status_code == 302
    assert CheckIn.objects.get().value == 96  # the baseline: no check-in before


def test_no_change_without_any_confidence_asks_for_one_and_records_nothing(
    client: Client, world: World
) -> None:
    # No earlier confidence to confirm: a no change without one would record a check-in that
    # says nothing the person said.
    for data in ({"value": "", "confidence": ""}, {"value": "70", "no_change": "1"}):
        response = signed_in(client, world.member).post(
            LEAD_TIME, data, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400
        assert "Choose a confidence: there is no earlier one to confirm" in text(response)
    assert not CheckIn.objects.exists()


def test_no_change_on_a_key_result_without_any_value_asks_for_one(
    client: Client, world: World
) -> None:
    response = signed_in(client, world.member).post(
        CFR, {"no_change": "1", "confidence": "on_track"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "has no value yet: give one" in text(response)
    assert not CheckIn.objects.exists()


def test_a_lead_may_check_in_on_their_teams_key_result(client: Client, world: World) -> None:
    response = signed_in(client, world.platform_lead).post(LEAD_TIME, {"value": "70"})
    assert response.status_code == 302
    assert CheckIn.objects.get().author == world.platform_lead


# --- my check-ins ----------------------------------------------------------------------------


def my_row(kr: KeyResult, value: str, confidence: str = "", note: str = "", *, was: str = "",
           was_confidence: str = "") -> dict[str, str]:  # fmt: skip
    prefix = f"kr{kr.pk}"
    return {
        f"{prefix}-value": value,
        f"initial-{prefix}-value": was,
        f"{prefix}-confidence": confidence,
        f"initial-{prefix}-confidence": was_confidence,
        f"{prefix}-note": note,
    }


def test_my_check_ins_lists_what_is_due_and_what_is_done(client: Client, world: World) -> None:
    checkin(world.change_failure_rate, 4, 1, confidence="on_track", author=world.member)
    checkin(world.lead_time, 70, 5, confidence="at_risk", author=world.member)
    response = signed_in(client, world.member).get("/checkins/")
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    due, done = page.split("Done this week")
    assert "Reduce deployment lead time" in due
    assert "Keep the change failure rate below 5%" in done
    assert f'name="kr{world.lead_time.pk}-value"' in html
    assert 'value="70"' in html  # prefilled with the current value
    assert f'name="kr{world.change_failure_rate.pk}-value"' not in html
    assert "Raise checkout conversion" not in page  # owen's, not maya's
    # People read the cycle's name, not its key.
    assert "Q4 2026: key results you own" in page and "2026-Q4" not in page


def test_my_check_ins_saves_several_in_one_post(client: Client, world: World) -> None:
    checkin(world.change_failure_rate, 6, 7, author=world.member)
    data = {
        "row": [str(world.lead_time.pk), str(world.change_failure_rate.pk)],
        **my_row(world.lead_time, "50", "on_track", "canary rolled out", was="96"),
        **my_row(world.change_failure_rate, "4", "", was="6"),
    }
    response = signed_in(client, world.member).post("/checkins/", data)
    assert response.status_code == 200
    page = text(response)
    assert "Saved 2 check-ins" in page
    saved = page.split("Saved 2 check-ins", 1)[1].split("Keep the change failure rate", 1)[0]
    # The status once, not the confidence's word and then the status badge.
    assert saved.lower().count("on track") == 1, saved
    assert "50 hours — now ✓ On track" in saved
    assert "4%" in page
    rows = {c.key_result_id: c for c in CheckIn.objects.filter(at__gt=TODAY)}
    assert rows[world.lead_time.pk].value == 50
    assert rows[world.lead_time.pk].note == "canary rolled out"
    assert rows[world.change_failure_rate.pk].value == 4
    assert {c.source for c in rows.values()} == {"web"}
    assert {c.author for c in rows.values()} == {world.member}
    audits = AuditEntry.objects.filter(entity="checkin", channel="web", actor=world.member)
    assert sorted(a.ref for a in audits) == [
        "deploys-advantage/change-failure-rate",
        "deploys-advantage/lead-time",
    ]
    # Both are now done this week: nothing left to fill in.
    assert "Nothing is due" in text(client.get("/checkins/"))


def test_an_untouched_row_records_nothing(client: Client, world: World) -> None:
    checkin(world.change_failure_rate, 6, 7, author=world.member)
    data = {
        "row": [str(world.lead_time.pk), str(world.change_failure_rate.pk)],
        **my_row(world.lead_time, "96", was="96"),
        **my_row(world.change_failure_rate, "5", was="6"),
    }
    signed_in(client, world.member).post("/checkins/", data)
    assert list(CheckIn.objects.filter(at__gt=TODAY).values_list("key_result", "value")) == [
        (world.change_failure_rate.pk, 5)
    ]


def test_nothing_touched_saves_nothing_and_says_so(client: Client, world: World) -> None:
    data = {"row": [str(world.lead_time.pk)], **my_row(world.lead_time, "96", was="96")}
    response = signed_in(client, world.member).post("/checkins/", data)
    assert response.status_code == 200
    assert "Nothing was recorded: you changed nothing" in text(response)
    assert not CheckIn.objects.exists()


def test_my_check_ins_no_change_is_one_click(client: Client, world: World) -> None:
    checkin(world.lead_time, 60, 6, confidence="at_risk", author=world.member)
    data = {
        "row": [str(world.lead_time.pk)],
        "no_change": str(world.lead_time.pk),
        **my_row(world.lead_time, "60", "at_risk", was="60", was_confidence="at_risk"),
    }
    response = signed_in(client, world.member).post(
        "/checkins/", data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Saved 1 check-in" in text(response)
    latest = CheckIn.objects.order_by("-at", "-id")[0]
    assert (latest.value, latest.confidence, latest.source) == (60, "at_risk", "web")


def test_my_check_ins_with_a_bad_value_saves_nothing_and_keeps_what_was_typed(
    client: Client, world: World
) -> None:
    data = {
        "row": [str(world.lead_time.pk), str(world.change_failure_rate.pk)],
        **my_row(world.lead_time, "50", "on_track", "keep this note", was="96"),
        **my_row(world.change_failure_rate, "four", was=""),
    }
    response = signed_in(client, world.member).post(
        "/checkins/", data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was saved" in page and "Enter a number" in page
    assert 'value="four"' in response.content.decode()
    assert "keep this note" in page
    assert not CheckIn.objects.exists()


def test_my_check_ins_refuses_a_person_who_may_not_check_in(client: Client, world: World) -> None:
    # A viewer who was given a key result (a plan file may do so) still may not write.
    world.lead_time.owner = world.viewer
    world.lead_time.save()
    data = {"row": [str(world.lead_time.pk)], **my_row(world.lead_time, "50", was="96")}
    response = signed_in(client, world.viewer).post("/checkins/", data)
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_rows_of_other_peoples_key_results_are_ignored(client: Client, world: World) -> None:
    data = {"row": [str(world.conversion.pk)], **my_row(world.conversion, "3", was="2")}
    signed_in(client, world.member).post("/checkins/", data)
    assert not CheckIn.objects.exists()


# --- the number of queries -------------------------------------------------------------------


def _add_objectives(world: World, count: int) -> None:
    for n in range(count):
        objective = Objective.objects.create(
            key=f"extra-{n}",
            cycle=world.cycle,
            level="team",
            team=world.checkout,
            title=f"Extra objective {n}",
            owner=world.checkout_lead,
            aligns_to_objective=world.company_goal,
        )
        for k in range(3):
            kr = KeyResult.objects.create(
                objective=objective,
                key=f"kr-{k}",
                title=f"Extra key result {n}.{k}",
                owner=world.other_member,
                kind="increase",
                baseline=0,
                target=10,
            )
            for days_ago in (30, 20, 10, 3):
                checkin(kr, 10 - days_ago / 10, days_ago)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["member", "platform_lead"])
def test_key_result_page_queries_do_not_grow_with_the_plan(
    client: Client, world: World, who: str
) -> None:
    for value, days_ago in ((90, 40), (80, 30), (60, 10)):
        checkin(world.lead_time, value, days_ago, author=world.member)
    signed_in(client, getattr(world, who))
    client.get(LEAD_TIME)  # warm the session and the caches
    small = _queries(client, LEAD_TIME)
    _add_objectives(world, 12)
    assert _queries(client, LEAD_TIME) == small


def test_objective_and_my_check_ins_queries_do_not_grow_with_the_plan(
    client: Client, world: World
) -> None:
    signed_in(client, world.member)
    client.get(OBJECTIVE)
    small = {url: _queries(client, url) for url in (OBJECTIVE, "/checkins/")}
    _add_objectives(world, 12)
    client.get(OBJECTIVE)  # the new plan read into the evaluation cache, as before the first
    assert {url: _queries(client, url) for url in (OBJECTIVE, "/checkins/")} == small


def test_a_value_beyond_what_scoring_can_hold_is_refused(world, client) -> None:
    from okrs.goals.checkins.models import CheckIn

    client.force_login(world.member)
    response = client.post(
        "/key-results/deploys-advantage/lead-time/", {"value": "1e308", "confidence": "on_track"}
    )
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0
    assert client.get("/key-results/deploys-advantage/lead-time/").status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/key-results/deploys-advantage/lead-time/", "/key-results/checkout-conversion/conversion/"],
    ids=["one-they-own", "one-they-do-not-own"],
)
def test_a_key_result_page_marks_the_dashboard_current_whoever_owns_it(world, url: str) -> None:
    # As its crumbs say: a key result sits under the dashboard, also for its owner.
    client = Client()
    client.force_login(world.member)
    html = client.get(url).content.decode()
    current = re.findall(r'<a href="([^"]*)" aria-current="page">([^<]*)</a>', html)
    assert current == [("/", "Dashboard")]

"""Signed pull requests -> linked by each method -> effort in the API, per goal and team.

Week of Monday 12 October 2026:
  ana   #1 label canary, #2 branch canary/, #3 nothing (platform)  -> canary 2/3, unlinked 1/3
  ben   #4 "PLAT-12" in the title                                   -> flaky-tests 1
Week of Monday 19 October 2026:
  ana   #5 an Initiative: line naming checkout-conversion/one-click -> one-click 1
  cleo  #6 branch one-click/, #7 nothing (checkout)  -> one-click 1/2, unlinked 1/2
Four person-weeks in all.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from okrs.org.models import Person
from tests.effort.conftest import AFTER_THE_CYCLE


def get(api: Client, query: str) -> dict:
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        response = api.get(f"/api/v1/effort{query}")
    assert response.status_code == 200, response.json()
    return response.json()


def figures(entry: dict) -> tuple[float, float, int, int]:
    return entry["person_weeks"], entry["share"], entry["work_items"], entry["authors"]


def by_ref(entries: list[dict]) -> dict[str | None, dict]:
    return {entry["ref"]: entry for entry in entries}


def test_effort_per_initiative_key_result_objective_and_goal(api):
    answer = get(api, "?cycle=2026-Q4")

    assert (answer["cycle"], answer["team"], answer["weeks"]) == ("2026-Q4", None, 14)
    assert (answer["person_weeks"], answer["work_items"], answer["authors"]) == (4.0, 7, 3)
    initiatives = by_ref(answer["initiatives"])
    assert figures(initiatives["deploys-advantage/canary"]) == (0.67, 0.1667, 2, 1)
    assert initiatives["deploys-advantage/canary"]["links"] == {"branch": 1, "label": 1}
    assert figures(initiatives["deploys-advantage/flaky-tests"]) == (1.0, 0.25, 1, 1)
    assert initiatives["deploys-advantage/flaky-tests"]["links"] == {"issue": 1}
    assert figures(initiatives["checkout-conversion/one-click"]) == (1.5, 0.375, 2, 2)
    assert initiatives["checkout-conversion/one-click"]["links"] == {"branch": 1, "line": 1}
    assert figures(initiatives["deploys-advantage/runbooks"]) == (0.0, 0.0, 0, 0)

    key_results = by_ref(answer["key_results"])
    assert figures(key_results["deploys-advantage/lead-time"]) == (0.67, 0.1667, 2, 1)
    assert figures(key_results["deploys-advantage/change-failure-rate"]) == (1.0, 0.25, 1, 1)
    assert figures(key_results["checkout-conversion/conversion"]) == (1.5, 0.375, 2, 2)
    assert figures(key_results["grow-self-serve/self-serve-revenue"]) == (0.0, 0.0, 0, 0)
    # The key result moved from 96 hours to 51 over the same weeks: half-way to 6.
    lead_time = key_results["deploys-advantage/lead-time"]
    assert (lead_time["score_from"], lead_time["score_to"], lead_time["score_change"]) == (
        0.0,
        0.5,
        0.5,
    )

    objectives = by_ref(answer["objectives"])
    assert figures(objectives["deploys-advantage"]) == (1.67, 0.4167, 3, 2)
    assert objectives["deploys-advantage"]["goal"] == "grow-self-serve"
    assert figures(objectives["checkout-conversion"]) == (1.5, 0.375, 2, 2)
    assert figures(objectives["grow-self-serve"]) == (0.0, 0.0, 0, 0)

    assert [g["ref"] for g in answer["goals"]] == ["grow-self-serve"]
    assert figures(answer["goals"][0]) == (3.17, 0.7917, 5, 3)
    assert figures(answer["unlinked"]) == (0.83, 0.2083, 2, 2)


def test_a_team_sees_its_own_objectives_and_the_unlinked_work_of_its_services(api):
    answer = get(api, "?cycle=2026-Q4&team=platform")

    assert answer["team"] == "platform"
    assert [o["ref"] for o in answer["objectives"]] == ["deploys-advantage"]
    assert answer["person_weeks"] == 2.0
    assert figures(by_ref(answer["objectives"])["deploys-advantage"]) == (1.67, 0.8333, 3, 2)
    assert figures(answer["unlinked"]) == (0.33, 0.1667, 1, 1)
    assert figures(answer["goals"][0]) == (1.67, 0.8333, 3, 2)


def test_no_answer_names_a_person(api):
    text = str(get(api, "?cycle=2026-Q4")) + str(get(api, "?cycle=2026-Q4&team=growth"))

    for login in ("ana", "ben", "cleo", "codertocat"):
        assert f"'{login}'" not in text.lower()


@pytest.mark.parametrize(
    ("query", "detail"),
    [("?cycle=2031-Q1", "no cycle '2031-Q1'"), ("?cycle=2026-Q4&team=sales", "no team 'sales'")],
)
def test_an_unknown_cycle_or_team_is_a_404(api, query, detail):
    response = api.get(f"/api/v1/effort{query}")

    assert response.status_code == 404
    assert response.json() == {"detail": detail}


def test_effort_needs_a_signed_in_caller(delivered):
    assert Client().get("/api/v1/effort?cycle=2026-Q4").status_code == 401


def test_effort_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/effort"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"cycle", "team"}
    assert set(operation["responses"]) >= {"200", "404"}


def test_the_alignment_map_carries_the_effort_on_each_node(api):
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        response = api.get("/api/v1/alignment?cycle=2026-Q4")

    effort = {node["id"]: node["effort_person_weeks"] for node in response.json()["nodes"]}
    assert effort["objective:deploys-advantage"] == 1.67
    assert effort["key_result:deploys-advantage/lead-time"] == 0.67
    assert effort["initiative:checkout-conversion/one-click"] == 1.5
    assert effort["initiative:deploys-advantage/runbooks"] == 0.0
    # Every node's figure is the effort answer's, read the map's lighter way.
    answer = get(api, "?cycle=2026-Q4")
    for kind in ("objectives", "key_results", "initiatives"):
        for line in answer[kind]:
            assert effort[f"{kind[:-1]}:{line['ref']}"] == line["person_weeks"], line["ref"]


def test_the_objective_page_shows_effort_beside_the_key_results_movement(delivered, client):
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        client.force_login(Person.objects.get(email="maya@acme.test"))
        response = client.get("/objectives/deploys-advantage/")
    page = response.content.decode()
    assert response.status_code == 200, page[:3000]

    section = page[page.index('id="effort-title"') : page.index('id="initiatives-title"')]
    assert "1.7 person-weeks of engineering over 14 weeks (3 merged pull requests)" in section
    assert (
        '<th scope="row">Reduce deployment lead time from 96 hours to 6 hours</th>'
        '<td data-label="Person-weeks">0.7</td><td data-label="Score, same weeks">0% → 50%</td>'
    ) in section
    assert '<th scope="row">↳ Initiative: Quarantine flaky tests</th>' in section
    for login in ("ana", "ben", "cleo"):
        assert f">{login}<" not in section


def test_the_objective_page_lists_each_initiative_under_the_key_result_it_serves(delivered, client):
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        client.force_login(Person.objects.get(email="maya@acme.test"))
        page = client.get("/objectives/deploys-advantage/").content.decode()

    section = page[page.index('id="effort-title"') : page.index('id="initiatives-title"')]
    rows = re.findall(r'<th scope="row">([^<]*)</th>', section)
    assert rows == [
        "Reduce deployment lead time from 96 hours to 6 hours",
        "↳ Initiative: Roll out canary deployments",
        "Keep the change failure rate below 5%",
        "↳ Initiative: Quarantine flaky tests",
        "Initiative for the objective as a whole: Write the runbooks",
    ]


def test_the_team_page_shows_the_teams_effort_and_what_it_moved(delivered, client):
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        client.force_login(Person.objects.get(email="maya@acme.test"))
        response = client.get("/teams/platform/?cycle=2026-Q4")
    page = response.content.decode()

    assert response.status_code == 200
    card = page[page.index('id="effort"') :]
    card = card[: card.index("</div>")]
    assert "<strong>2.0</strong> person-weeks" in card
    assert "17% of it unlinked to any initiative" in card
    assert (
        "Reduce deployment lead time from 96 hours to 6 hours: <strong>0.7</strong> "
        "person-weeks, score 0% → 50%"
    ) in card

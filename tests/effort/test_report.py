"""The quarterly business review: "Effort spent, and what it moved", with the unlinked share."""

from __future__ import annotations

import json

import time_machine

from okrs.goals.models import Cycle
from okrs.org.models import Team
from okrs.reports.render import render
from tests.effort.conftest import AFTER_THE_CYCLE


def rendered(fmt: str, team: str | None = None) -> str:
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        return render(
            cycle=Cycle.objects.get(key="2026-Q4"),
            team=Team.objects.get(key=team) if team else None,
            fmt=fmt,
        )


def test_json_holds_effort_per_goal_objective_and_key_result(delivered):
    effort = json.loads(rendered("json"))["effort"]

    assert (effort["person_weeks"], effort["weeks"], effort["work_items"], effort["authors"]) == (
        4.0,
        14,
        7,
        3,
    )
    assert [(g["ref"], g["person_weeks"], g["share"]) for g in effort["goals"]] == [
        ("grow-self-serve", 3.17, 0.7917)
    ]
    objectives = {o["ref"]: o["person_weeks"] for o in effort["objectives"]}
    assert objectives == {
        "grow-self-serve": 0.0,
        "deploys-advantage": 1.67,
        "checkout-conversion": 1.5,
    }
    lead_time = next(k for k in effort["key_results"] if k["ref"] == "deploys-advantage/lead-time")
    assert (lead_time["person_weeks"], lead_time["score_from"], lead_time["score_to"]) == (
        0.67,
        0.0,
        0.5,
    )
    assert (effort["unlinked"]["person_weeks"], effort["unlinked"]["share"]) == (0.83, 0.2083)


def test_markdown_says_what_the_effort_moved_and_how_much_was_unlinked(delivered):
    text = rendered("md")

    section = text[text.index("## Effort spent, and what it moved") :]
    assert (
        "4.0 person-weeks of engineering over 14 weeks: 7 merged pull requests by 3 people. "
        "21% of it served no initiative (unlinked work)."
    ) in section
    assert "| **Grow revenue from self-serve customers** | 3.2 | 79% |  |" in section
    assert (
        "| ↳ Key result: Reduce deployment lead time from 96 hours to 6 hours | 0.7 | 17% "
        "| 0% → 50% (+50 points) |"
    ) in section
    assert "| **Unlinked work** | 0.8 | 21% |  |" in section
    for login in ("ana", "ben", "cleo"):
        assert f" {login} " not in section.lower()


def test_html_shows_the_same_section(delivered):
    html = rendered("html")

    assert "Effort spent, and what it moved" in html
    assert "0% → 50% (+50 points)" in html
    assert "21% of it served no initiative (unlinked work)." in html


def test_a_team_report_counts_the_team_only(delivered):
    effort = json.loads(rendered("json", team="growth"))["effort"]

    assert [o["ref"] for o in effort["objectives"]] == ["checkout-conversion"]
    assert effort["person_weeks"] == 2.0  # one-click 1.5 and the checkout repo's unlinked 0.5
    assert effort["unlinked"]["share"] == 0.25

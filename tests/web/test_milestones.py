"""A milestone key result (done or not) reads "not done" or "done" wherever people read it,
never as 0 and 1, and with no forecast or slope: those say nothing of done-or-not."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client

from okrs.cli import main
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.numbers import kind_amount, now_and_target
from okrs.org.models import Person
from tests.demo_once import demo_loaded_once

TODAY = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
demo_loaded = demo_loaded_once(TODAY)
MILESTONE = "/key-results/kubernetes-migration/complete-migration/"
TITLE = "Complete the Kubernetes migration"


def test_the_shared_formatter_writes_a_milestone_as_done_or_not() -> None:
    assert kind_amount(0, "", "milestone") == "not done"
    assert kind_amount(1, "", "milestone") == "done"
    assert kind_amount(1, "hours", "decrease") == "1 hour"
    assert now_and_target(0, 1, "", "milestone") == "not done"
    assert now_and_target(40.7, 6, "hours", "decrease") == "now 40.7 hours, target 6 hours"


def text_of(url: str) -> str:
    with time_machine.travel(TODAY, tick=False):
        client = Client()
        client.force_login(Person.objects.get(email="maya@acme.test"))
        response = client.get(url)
    assert response.status_code == 200
    html = re.sub(r"<(script|style).*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_key_result_page_says_not_done_without_numbers_or_forecast(demo_loaded, db) -> None:
    text = text_of(MILESTONE)
    stands = text.split("Where it stands", 1)[1].split("Value history", 1)[0]
    assert "Current not done" in stands
    for nothing in ("Current 0", "Target 1", "Unit none", "Forecast", "no baseline"):
        assert nothing not in stands, stands
    history = text.split("Check-ins When Value", 1)[1].split("Initiatives", 1)[0]
    assert " not done " in history and not re.search(r"\d{2}:\d{2} 0 ", history), history


def test_its_initiative_says_a_milestone_has_no_trend(demo_loaded, db) -> None:
    text = text_of(MILESTONE).split("Initiatives", 1)[1]
    assert "A milestone is done or not: it has no trend to compare" in text
    assert "Slope changed from 0/week" not in text


def test_the_team_and_objective_pages_say_not_done(demo_loaded, db) -> None:
    team = text_of("/teams/platform/")
    row = team.split(TITLE, 1)[1][:120]
    assert "· not done · score" in row and "now 0, target 1" not in row, row
    objective = text_of("/objectives/kubernetes-migration/")
    row = objective.split(TITLE, 1)[1][:80]
    assert "not done" in row and "0 / 1" not in row, row


def test_the_report_says_not_done_then_done(demo_loaded, db) -> None:
    report = text_of("/reports/2026-Q4/")
    assert f"{TITLE} milestone, not done" in report
    block = report.split(f"{TITLE} milestone", 1)[1].split("Decommission the remaining", 1)[0]
    assert "(milestone 1)" not in block and "target 1" not in block, block
    kr = KeyResult.objects.get(key="complete-migration")
    CheckIn.objects.create(key_result=kr, value=1, source="web", at=TODAY - dt.timedelta(hours=1))
    assert f"{TITLE} milestone, done" in text_of("/reports/2026-Q4/")
    assert "Current done" in text_of(MILESTONE)


@pytest.mark.usefixtures("db")
def test_okrs_status_says_not_done_with_no_forecast(demo_loaded, capsys) -> None:
    with time_machine.travel(TODAY, tick=False):
        assert main(["status", "--cycle", "2026-Q4"]) == 0
    out = capsys.readouterr().out
    [line] = [
        line for line in out.splitlines() if "kubernetes-migration/complete-migration" in line
    ]
    assert "complete-migration: milestone, not done, score 0%" in line
    assert "forecast" not in line and "(to 1, no baseline)" not in line

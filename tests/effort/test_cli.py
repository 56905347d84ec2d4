"""okrs effort: the API's answer as JSON, a readable table, and backfilling stored deliveries."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.test import Client

from okrs.cli import main
from okrs.goals.models import Initiative
from okrs.metrics.effort.models import WorkItem
from tests.effort.conftest import AFTER_THE_CYCLE


def run(capsys, *args: str) -> tuple[int, str, str]:
    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_what_the_api_answers(api: Client, capsys) -> None:
    code, out, _ = run(
        capsys, "effort", "--cycle", "2026-Q4", "--team", "platform", "--format", "json"
    )

    with time_machine.travel(AFTER_THE_CYCLE, tick=False):
        answer = api.get("/api/v1/effort?cycle=2026-Q4&team=platform").json()
    assert code == 0
    assert json.loads(out) == answer


def test_text_shows_goal_objective_key_result_initiative_and_unlinked(delivered, capsys) -> None:
    code, out, _ = run(capsys, "effort", "--cycle", "2026-Q4")

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "Effort in Q4 2026 for the whole organisation: 4.0 person-weeks over 14 weeks, "
        "7 work items by 3 people"
    )
    assert (
        "   3.2 pw  79.2%     5 items   3 authors  Grow revenue from self-serve customers" in lines
    )
    assert any(
        line.endswith("deploys-advantage/lead-time  score 0% -> 50% (+50 points)")
        and line.startswith("   0.7 pw  16.7%     2 items   1 authors")
        for line in lines
    )
    assert lines[-1] == "   0.8 pw  20.8%     2 items   2 authors  Unlinked work (no initiative)"


def test_text_ends_with_the_coach_on_initiatives_nothing_links_to(delivered, capsys) -> None:
    Initiative.objects.update(created_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    Initiative.objects.filter(key="runbooks").update(status="in_progress")
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        assert main(["effort", "--cycle", "2026-Q4"]) == 0
    lines = capsys.readouterr().out.splitlines()

    assert lines[-2:] == [
        "",
        "OKR013 warning deploys-advantage/runbooks: no merged pull request has linked to this "
        "initiative in the 50 days since 1 Oct 2026 (it lists no work); list in its work the "
        "labels, branch prefixes or Jira issues its pull requests use, or add a line 'Initiative: "
        "deploys-advantage/runbooks' to its pull requests; if nobody works on it, say so: drop "
        "it or plan the work",
    ]


def test_an_unknown_cycle_or_team_fails_with_a_message(delivered, capsys) -> None:
    assert run(capsys, "effort", "--cycle", "2031-Q1")[::2] == (1, "okrs: no cycle '2031-Q1'\n")
    assert run(capsys, "effort", "--cycle", "2026-Q4", "--team", "x")[::2] == (
        1,
        "okrs: no team 'x'\n",
    )


def test_backfill_makes_work_items_of_stored_deliveries(delivered, capsys) -> None:
    WorkItem.objects.all().delete()

    code, out, _ = run(capsys, "effort", "--backfill")

    assert (code, out) == (0, "7 work items added from stored deliveries\n")
    assert WorkItem.objects.filter(initiative__isnull=False).count() == 5

"""`okrs report --cycle 2026-Q4` on the demo: a story a leader could show the business."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine

from okrs.cli import main
from okrs.goals.models import Initiative, Objective
from tests.demo_once import demo_loaded_once

TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
DEMO_SERVICES = {
    "alerting", "build-pipeline", "checkout", "onboarding", "payments", "platform-api",
    "warehouse-etl",
}  # fmt: skip


demo_loaded = demo_loaded_once(TODAY)


@pytest.fixture
def demo(demo_loaded, db):
    with time_machine.travel(TODAY, tick=False):
        yield


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_quarter_in_all_three_formats(demo, capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "report", "--cycle", "2026-Q4", "--format", "json")
    assert code == 0
    report = json.loads(out)
    objectives = Objective.objects.filter(cycle__key="2026-Q4")
    assert {o["key"] for o in report["objectives"]} == {o.key for o in objectives}

    by_ref = {k["ref"]: k for o in report["objectives"] for k in o["key_results"]}
    lead_time = by_ref["deploys-advantage/lead-time"]
    assert lead_time["baseline"] == 96 and lead_time["target"] == 6
    assert 6 < lead_time["final"] < 96  # well on its way down
    assert by_ref["effortless-checkout/payment-failures"]["status"] == "off_track"
    assert by_ref["grow-revenue/trial-conversion"]["status"] == "at_risk"
    assert by_ref["same-day-numbers/churn-early-warning"]["trend"] == []
    assert "Still blocked on legal" in by_ref["grow-revenue/trial-conversion"]["notes"][0]["text"]

    # Every initiative done in the quarter is listed, each with its before/after answer.
    delivered = {i["key"]: i for o in report["objectives"] for i in o["initiatives"]}
    done = Initiative.objects.filter(
        objective__cycle__key="2026-Q4", status="done", completed_on__gte=dt.date(2026, 10, 1)
    )
    assert set(delivered) == {i.key for i in done} and len(delivered) >= 5
    assert delivered["build-cache"]["impact"]["points_after"] >= 3
    assert delivered["pipeline-templates"]["impact"]["verdict"] == "too_few_points"

    # DORA before and after for every demo service; the story: checkout's lead time falls and
    # the organisation's change failure rate drops.
    dora = report["dora"]
    assert {s["key"] for s in dora["services"]} == DEMO_SERVICES
    checkout = next(s for s in dora["services"] if s["key"] == "checkout")
    assert (
        checkout["end"]["lead_time"]["median_hours"]
        < checkout["start"]["lead_time"]["median_hours"]
    )
    total = dora["total"]
    assert (
        total["end"]["change_failure_rate"]["percent"]
        < total["start"]["change_failure_rate"]["percent"]
    )

    # Markdown: every objective, baseline -> final, status words, the DORA numbers.
    code, markdown, _ = run(capsys, "report", "--cycle", "2026-Q4")
    assert code == 0
    for objective in objectives:
        assert objective.title in markdown
    assert re.search(r"\| 96 → \d+ hours \(target 6\) \|", markdown)
    assert "✕ Off track" in markdown and "! At risk" in markdown and "✓ On track" in markdown
    # A lead time of about four days reads in days, as people say it, not as 97 hours.
    hours = checkout["start"]["lead_time"]["median_hours"]
    assert hours > 48
    before = f"{hours / 24:.1f} days"
    assert "| Checkout | " in markdown and before in markdown
    assert "Self-service pipeline templates for new services" in markdown

    # HTML to a file, self-contained.
    target = tmp_path / "qbr.html"
    code, _, err = run(capsys, "report", "--cycle", "2026-Q4", "--format", "html",
                       "--output", str(target))  # fmt: skip
    assert code == 0 and "wrote" in err
    html = target.read_text()
    assert "<script" not in html and "<svg" in html and "@media print" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for objective in objectives:
        assert objective.title.replace("'", "&#x27;") in html


def test_a_team_report_on_the_demo(demo, capsys) -> None:
    code, out, _ = run(capsys, "report", "--cycle", "2026-Q4", "--team", "platform",
                       "--format", "json")  # fmt: skip
    assert code == 0
    report = json.loads(out)
    assert {o["team"]["key"] for o in report["objectives"]} == {"platform"}
    assert {s["key"] for s in report["dora"]["services"]} == {"platform-api", "build-pipeline"}

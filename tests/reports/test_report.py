"""The quarterly business review built on the `world` fixture: what it holds and its formats."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.goals.present import as_json
from okrs.reports.build import build_report
from okrs.reports.html import render_html
from okrs.reports.markdown import render_markdown
from okrs.reports.render import render_json
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db


def objectives_by_key(report):
    return {o["key"]: o for o in report["objectives"]}


def test_each_objective_with_the_business_goal_it_serves(reviewed) -> None:
    report = as_json(build_report(cycle=reviewed.cycle))
    found = objectives_by_key(report)
    assert set(found) == {"grow-self-serve", "deploys-advantage", "checkout-conversion"}
    platform = found["deploys-advantage"]
    assert [link["key"] for link in platform["serves"]] == ["grow-self-serve"]
    assert platform["business_goal"]["title"] == "Grow revenue from self-serve customers"
    assert found["grow-self-serve"]["serves"] == []
    # The company goal leads, followed by what serves it.
    assert report["objectives"][0]["key"] == "grow-self-serve"


def test_a_chain_reaches_through_a_key_result_to_the_company_goal(reviewed) -> None:
    Objective.objects.create(
        key="faster-builds", cycle=reviewed.cycle, level="individual", team=reviewed.platform,
        title="Faster builds", owner=reviewed.member, aligns_to_key_result=reviewed.lead_time,
    )  # fmt: skip
    platform_only = as_json(build_report(cycle=reviewed.cycle, team=reviewed.platform))
    builds = objectives_by_key(platform_only)["faster-builds"]
    assert [link["key"] for link in builds["serves"]] == ["deploys-advantage", "grow-self-serve"]
    assert builds["serves"][0]["via_key_result"] == {
        "ref": "deploys-advantage/lead-time",
        "title": reviewed.lead_time.title,
    }


def test_key_results_from_baseline_to_final_with_score_status_trend_and_notes(reviewed) -> None:
    report = as_json(build_report(cycle=reviewed.cycle))
    lead_time = objectives_by_key(report)["deploys-advantage"]["key_results"][0]
    assert lead_time["ref"] == "deploys-advantage/lead-time"
    assert (lead_time["baseline"], lead_time["final"], lead_time["target"]) == (96, 50, 6)
    assert lead_time["score"] == pytest.approx((50 - 96) / (6 - 96))
    assert lead_time["status"] in ("on_track", "at_risk", "off_track")
    assert [p["value"] for p in lead_time["trend"]] == [96, 97, 98, 99, 80, 70, 60, 50]
    # Notes latest first, empty ones left out.
    assert [n["text"] for n in lead_time["notes"]] == [
        "Build cache | canaries: lead time halves.",
        "Build cache in review.",
    ]
    assert lead_time["notes"][0]["author"] == "Maya Patel"


def test_initiatives_delivered_in_the_cycle_with_their_impact(reviewed) -> None:
    report = as_json(build_report(cycle=reviewed.cycle))
    found = objectives_by_key(report)
    delivered = found["deploys-advantage"]["initiatives"]
    # Only the done one; the one in progress and last quarter's are not "delivered in the cycle".
    assert [i["key"] for i in delivered] == ["build-cache"]
    assert found["checkout-conversion"]["initiatives"] == []
    impact = delivered[0]["impact"]
    assert impact["verdict"] == "right_way"
    assert impact["points_before"] == 4 and impact["points_after"] == 4
    assert impact["slope_before_per_week"] == pytest.approx(1.0)
    assert impact["slope_after_per_week"] == pytest.approx(-10.0)
    assert report["summary"]["initiatives_delivered"] == 1
    assert report["summary"]["initiatives_moved_right_way"] == 1


def test_dora_before_the_cycle_and_before_now_for_the_teams_services(reviewed) -> None:
    report = as_json(build_report(cycle=reviewed.cycle, team=reviewed.platform))
    dora = report["dora"]
    assert [s["key"] for s in dora["services"]] == ["platform-api"]
    assert dora["windows"]["start"]["to"].startswith("2026-09-30T23:00")  # midnight in London
    before, after = dora["total"]["start"], dora["total"]["end"]
    assert before["lead_time"]["median_hours"] == pytest.approx(96)
    assert after["lead_time"]["median_hours"] == pytest.approx(24 * 26)
    assert before["deployment_frequency"]["deployments"] == 24
    assert after["deployment_frequency"]["deployments"] == 25
    company = as_json(build_report(cycle=reviewed.cycle))
    assert [s["key"] for s in company["dora"]["services"]] == ["platform-api", "shop"]
    assert company["dora"]["total"]["end"]["deployment_frequency"]["deployments"] == 50


def test_a_team_report_holds_only_that_team_and_its_sub_teams(reviewed) -> None:
    report = as_json(build_report(cycle=reviewed.cycle, team=reviewed.checkout))
    assert [o["key"] for o in report["objectives"]] == ["checkout-conversion"]
    assert report["scope"] == {
        "kind": "team", "team": {"key": "checkout", "name": "Checkout"}, "name": "Checkout",
    }  # fmt: skip
    engineering = as_json(build_report(cycle=reviewed.cycle, team=reviewed.engineering))
    assert {o["key"] for o in engineering["objectives"]} == {
        "deploys-advantage", "checkout-conversion",
    }  # fmt: skip


def test_a_frozen_cycle_reports_its_frozen_final_scores(reviewed) -> None:
    Cycle.objects.filter(pk=reviewed.cycle.pk).update(frozen_at=NOW)
    type(reviewed.lead_time).objects.filter(pk=reviewed.lead_time.pk).update(final_score=0.42)
    report = as_json(build_report(cycle=Cycle.objects.get(pk=reviewed.cycle.pk)))
    lead_time = objectives_by_key(report)["deploys-advantage"]["key_results"][0]
    assert report["cycle"]["phase"] == "frozen"
    assert lead_time["score"] == 0.42


def test_a_retrospective_appears_in_the_report(reviewed) -> None:
    from okrs.goals.models import KeyResult

    report = as_json(build_report(cycle=reviewed.cycle))
    assert all(k["retrospective"] is None for o in report["objectives"] for k in o["key_results"])
    KeyResult.objects.filter(pk=reviewed.lead_time.pk).update(
        retrospective="Yes: the build cache halved it."
    )
    review = build_report(cycle=reviewed.cycle)
    lead_time = objectives_by_key(as_json(review))["deploys-advantage"]["key_results"][0]
    assert lead_time["retrospective"]["text"] == "Yes: the build cache halved it."
    assert "Yes: the build cache halved it." in render_markdown(review)
    assert "Yes: the build cache halved it." in render_html(review)


# --- formats -------------------------------------------------------------------------------------


def test_markdown_has_headings_and_tables_that_render(reviewed) -> None:
    text = render_markdown(build_report(cycle=reviewed.cycle))
    lines = text.splitlines()
    assert lines[0] == "# Quarterly business review: Q4 2026, Acme"
    assert "## Delivery performance (DORA)" in lines
    assert "## 2. Make our deployment infrastructure a competitive advantage" in lines
    # Every table: a header row, a separator row with as many columns, rows with as many cells.
    tables = 0
    for i, line in enumerate(lines):
        if re.fullmatch(r"\|(---\|)+", line):
            tables += 1
            columns = line.count("---")
            header = lines[i - 1]
            assert header.startswith("| ") and header.endswith(" |")
            for row in lines[i + 1 :]:
                if not row.startswith("|"):
                    break
                cells = re.split(r"(?<!\\)\|", row)[1:-1]
                assert len(cells) == columns, row
    assert tables >= 6
    # A pipe in an owner's note cannot break its table, and no HTML gets through.
    assert "Build cache \\| canaries" not in text.split("### Owners' notes")[0]
    assert "<" not in text
    assert "96 → 50 hours (target 6)" in text
    assert "(target 6 hours)" not in text
    assert "✓ Moved the right way" in text


def test_what_is_missing_is_said_in_words_in_both_formats(reviewed) -> None:
    KeyResult.objects.create(
        objective=reviewed.checkout_objective, key="reviews", title="Hold 40 account reviews",
        owner=reviewed.other_member, kind="increase", target=40, unit="reviews", position=5,
    )  # fmt: skip
    Objective.objects.create(
        key="nothing-planned", cycle=reviewed.cycle, level="team", team=reviewed.checkout,
        title="Nothing planned yet", owner=reviewed.checkout_lead,
    )  # fmt: skip
    report = build_report(cycle=reviewed.cycle)
    text = render_markdown(report)
    row = next(line for line in text.splitlines() if line.startswith("| Hold 40 account reviews"))
    # No check-in and no baseline: no value and no trend yet, in words, not dashes.
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2] == "no baseline → no check-ins yet (target 40 reviews)"
    assert cells[5] == "no check-ins yet"
    assert "\u2013" not in row
    # The company goal has no key results of its own, so no status; an empty one no score.
    glance = next(line for line in text.splitlines() if line.startswith("| Grow revenue"))
    assert re.search(r"\| \d+% \| No status \|$", glance), glance
    empty = next(line for line in text.splitlines() if line.startswith("| Nothing planned"))
    assert empty.endswith("| no score | No status |"), empty
    html = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", render_html(report)))
    assert "no baseline → no check-ins yet (target 40 reviews)" in html
    assert "No status" in html and "\u2013 No status" not in html


def test_markdown_escapes_html_and_pipes_in_titles(reviewed) -> None:
    Objective.objects.filter(pk=reviewed.checkout_objective.pk).update(
        title="Checkout <script>alert(1)</script> | fast"
    )
    text = render_markdown(build_report(cycle=reviewed.cycle))
    assert "<script>" not in text
    assert "| Checkout &lt;script&gt;alert(1)&lt;/script&gt; \\| fast |" in text


def test_html_is_self_contained_and_print_ready(reviewed) -> None:
    html = render_html(build_report(cycle=reviewed.cycle))
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "<link" not in html  # the stylesheet is embedded, not fetched
    assert "@media print" in html and "break-before: page" in html
    assert html.count("<svg") >= 3 + 3  # a trend chart per key result, a score bar per objective
    assert "<polyline" in html
    assert "Remote build cache" in html and "Moved the right way" in html


def test_html_escapes_what_people_typed(reviewed) -> None:
    Objective.objects.filter(pk=reviewed.checkout_objective.pk).update(
        title="Checkout <img src=x onerror=alert(1)>"
    )
    html = render_html(build_report(cycle=reviewed.cycle))
    assert "<img src=x" not in html
    assert "Checkout &lt;img src=x onerror=alert(1)&gt;" in html


def test_json_has_stable_keys(reviewed) -> None:
    document = json.loads(render_json(build_report(cycle=reviewed.cycle)))
    assert list(document) == [
        "report", "version", "organisation", "cycle", "scope", "as_of", "generated_at",
        "summary", "objectives", "dora", "effort",
    ]  # fmt: skip
    objective = document["objectives"][1]
    assert list(objective) == [
        "key", "title", "level", "team", "owner", "score", "status", "serves", "business_goal",
        "key_results", "initiatives",
    ]  # fmt: skip
    assert list(objective["key_results"][0]) == [
        "ref", "key", "title", "owner", "kind", "unit", "baseline", "target", "final",
        "progress", "score", "achieved", "status", "stale", "drifting", "forecast", "trend",
        "notes", "retrospective",
    ]  # fmt: skip
    assert list(objective["initiatives"][0]["impact"]) == [
        "completed_at", "window_weeks", "points_before", "points_after", "slope_before_per_week",
        "slope_after_per_week", "level_change", "effect", "noise", "verdict", "summary", "detail",
    ]  # fmt: skip
    assert list(document["dora"]) == [
        "days", "windows", "timezone", "total", "services", "bands_source",
    ]  # fmt: skip
    assert document["as_of"] == "2026-11-27T12:00:00Z"


def test_a_scope_without_services_says_so(world, at_now) -> None:
    review = build_report(cycle=world.cycle)
    report = as_json(review)
    assert report["dora"]["total"] is None and report["dora"]["services"] == []
    assert "No services belong to this scope" in render_markdown(review)
    assert "No services belong to this scope" in render_html(review)


def test_a_cycle_that_has_not_started_has_no_dora_comparison(reviewed) -> None:
    upcoming = Cycle.objects.create(
        key="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31)
    )
    review = build_report(cycle=upcoming)
    report = as_json(review)
    assert report["cycle"]["phase"] == "upcoming"
    assert report["objectives"] == [] and report["dora"]["total"] is None
    assert "The cycle has not started" in render_markdown(review)
    assert "The cycle has not started" in render_html(review)

"""Words and numbers shared by the Markdown and HTML renderers of the report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from okrs.insights.impact import VERDICT_LABEL
from okrs.numbers import (
    MILESTONE,
    NO_BASELINE,
    NONE,
    amount,
    bare_amount,
    duration_text,
    kind_amount,
    per_day,
)
from okrs.numbers import percent as whole_percent_text
from okrs.reports.review import (
    BusinessReview,
    DoraComparison,
    DoraMetrics,
    DoraReview,
    EffortFigure,
    EffortReview,
    KeyResultReview,
    ObjectiveReview,
    Summary,
)

STATUS_TEXT = {"on_track": "✓ On track", "at_risk": "! At risk", "off_track": "✕ Off track"}
PHASE_TEXT = {
    "running": "running: values are as of now, not final",
    "upcoming": "not started yet",
    "ended": "ended: final values (scores not frozen yet)",
    "frozen": "ended: final scores, frozen",
}
KIND_TEXT = {
    "increase": "increase",
    "decrease": "decrease",
    "stay_above": "stay at or above",
    "stay_below": "stay at or below",
    "milestone": "milestone",
}
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
NO_CHECK_INS = "no check-ins yet"


def status_text(status: str | None) -> str:
    """A status in words after its symbol; without one (no key results of its own), words alone."""
    return STATUS_TEXT.get(status or "", "No status")


def verdict_text(verdict: str | None) -> str:
    return VERDICT_LABEL.get(verdict or "", "Not measured")


def value(number: float | None, unit: str = "") -> str:
    return amount(number, unit)


def percent(score: float | None) -> str:
    return whole_percent_text(score, none="no score")


def when(iso: str | None) -> str:
    """An ISO instant as a short UTC date and time."""
    if not iso:
        return NONE
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def day(iso: str | None) -> str:
    return iso[:10] if iso else NONE


def text_sparkline(values: list[float]) -> str:
    """Block characters for a table cell where no picture can go (Markdown)."""
    if not values:
        return NO_CHECK_INS
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARK_BLOCKS[3] * len(values)
    steps = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round((v - lo) / (hi - lo) * steps)] for v in values)


def chain_text(objective: ObjectiveReview) -> str:
    """What an objective serves, nearest first: "Platform goal > Company goal", with a guillemet."""
    chain = objective.serves
    if not chain:
        return "a company goal itself" if objective.level == "company" else "not aligned"
    return " \u203a ".join(link.title for link in chain)


# --- DORA ----------------------------------------------------------------------------------------

# (label, key in the metrics JSON, field, unit, whether lower is better)
DORA_ROWS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("Deployment frequency", "deployment_frequency", "per_day", "/day", False),
    ("Change lead time (median)", "lead_time", "median_hours", "h", True),
    ("Change failure rate", "change_failure_rate", "percent", "%", True),
    ("Recovery time (median)", "recovery_time", "median_hours", "h", True),
    ("Deployment rework rate", "rework_rate", "percent", "%", True),
)


def dora_value(metrics: DoraMetrics | None, metric: str, field: str, unit: str) -> str:
    """A DORA figure for people (docs/numbers.md): deployments a day to 2 significant figures
    (0.37 per day), durations as people read them (24 min, 2.3 h, 3.2 days), percentages at
    their unit's precision (8.3%), and what a missing one means in words (no failures, not
    recovered yet, no deployments)."""
    if metrics is None:
        return "no deployments"
    figures = metrics[metric]
    number = figures[field]
    if number is None:
        return _dora_missing(metric, figures)
    if unit == "/day":
        return per_day(number)
    if unit == "h":
        return duration_text(number)  # "3.2 days", not "77 h"; minutes under an hour
    return amount(number, unit)


def _dora_missing(metric: str, figures: dict[str, Any]) -> str:
    """Why a DORA figure has no value in its window."""
    if metric == "recovery_time":
        return "no failures" if not figures.get("failures") else "not recovered yet"
    if metric == "lead_time":
        return "no changes"
    return "no deployments"


def dora_band(metrics: DoraMetrics | None, metric: str) -> str | None:
    return None if metrics is None else metrics[metric]["band"]


def dora_cell(metrics: DoraMetrics | None, metric: str, field: str, unit: str) -> str:
    text = dora_value(metrics, metric, field, unit)
    band = dora_band(metrics, metric)
    has_value = metrics is not None and metrics[metric][field] is not None
    return f"{text} ({band})" if band and has_value else text


def dora_change(
    start: DoraMetrics | None, end: DoraMetrics | None, metric: str, field: str, lower: bool
) -> str:
    """Which way a metric went between the two windows, in words and an arrow."""
    if start is None or end is None:
        return "nothing to compare"
    before, after = start[metric][field], end[metric][field]
    if before is None or after is None:
        return "nothing to compare"
    if after == before:
        return "= same"
    better = (after < before) == lower
    arrow = "↓" if after < before else "↑"
    return f"{arrow} {'better' if better else 'worse'}"


def dora_table(both: DoraComparison) -> list[list[str]]:
    """Rows of (metric, start, end, change) for one scope's two windows."""
    rows = []
    for label, metric, field, unit, lower in DORA_ROWS:
        start, end = both.start, both.end
        rows.append(
            [
                label,
                dora_cell(start, metric, field, unit),
                dora_cell(end, metric, field, unit),
                dora_change(start, end, metric, field, lower),
            ]
        )
    return rows


def dora_missing(report: BusinessReview) -> str:
    """Why a report has no DORA numbers."""
    if report.cycle.phase == "upcoming":
        return "The cycle has not started: there is no before and after to compare yet."
    return "No services belong to this scope, so there is nothing to measure."


def dora_window_labels(dora: DoraReview, phase: str) -> tuple[str, str]:
    start, end = dora.windows.start, dora.windows.end
    closing = "now" if phase in ("running", "upcoming") else "the cycle's end"
    return (
        f"{dora.days} days before the cycle ({day(start.from_)} to {day(start.to)})",
        f"{dora.days} days before {closing} ({day(end.from_)} to {day(end.to)})",
    )


def from_to(key_result: KeyResultReview) -> str:
    """Baseline -> final (target) with a worded unit written once, on the final value:
    "96 → 30 hours (target 6)", "9% → 10.1% (target 12%)" (docs/numbers.md)."""
    unit = key_result.unit
    if key_result.kind == MILESTONE:
        # Done or not: a milestone has no number to go from or to.
        return "milestone, " + (
            NO_CHECK_INS
            if key_result.final is None
            else kind_amount(key_result.final, unit, MILESTONE)
        )
    if key_result.final is None:
        # Nothing to carry the unit: the target does.
        final, target = NO_CHECK_INS, value(key_result.target, unit)
    else:
        final, target = value(key_result.final, unit), bare_amount(key_result.target, unit)
    if key_result.kind in ("stay_above", "stay_below"):
        return f"{final} ({KIND_TEXT[key_result.kind]} {target})"
    start = NO_BASELINE if key_result.baseline is None else bare_amount(key_result.baseline, unit)
    return f"{start} → {final} (target {target})"


VERDICT_WORDS = {
    "right_way": "moved their key result the right way",
    "wrong_way": "the wrong way",
    "no_clear_change": "no clear change",
    "too_few_points": "too few points to tell",
    "no_direction": "not comparable",
}


def verdict_counts(summary: Summary) -> str:
    """ "3 moved their key result the right way, 1 the wrong way, ..." (zeros left out but the
    first, which is the question the review asks)."""
    counts = summary.initiative_verdicts
    parts = [
        f"{counts[verdict]} {words}"
        for verdict, words in VERDICT_WORDS.items()
        if counts.get(verdict) or verdict == "right_way"
    ]
    return ", ".join(parts)


# --- effort: what engineering spent, and what it moved -------------------------------------


@dataclass(frozen=True)
class EffortRow:
    depth: int  # 0 a goal (or unlinked work), 1 an objective, 2 a key result
    title: str
    person_weeks: str
    share: str
    moved: str  # a key result's score over the same weeks; blank otherwise


def person_weeks(value: float) -> str:
    return f"{value:.1f}"


def effort_summary(effort: EffortReview) -> str:
    if not effort.work_items:
        return (
            "No merged pull requests in this cycle yet: effort is counted from the delivery "
            "events okrs receives."
        )
    return (
        f"{person_weeks(effort.person_weeks)} person-weeks of engineering over "
        f"{effort.weeks} weeks: {effort.work_items} merged pull request"
        f"{'s' if effort.work_items != 1 else ''} by {effort.authors} "
        f"{'people' if effort.authors != 1 else 'person'}. "
        f"{percent(effort.unlinked.share)} of it served no initiative (unlinked work)."
    )


def _moved(figure: EffortFigure) -> str:
    if figure.score_from is None or figure.score_to is None:
        return ""
    change = round((figure.score_to - figure.score_from) * 100)
    return f"{percent(figure.score_from)} → {percent(figure.score_to)} ({change:+d} points)"


def effort_rows(effort: EffortReview) -> list[EffortRow]:
    """Goal, then its objectives, each with its key results; unlinked work last."""

    def row(depth: int, figure: EffortFigure) -> EffortRow:
        return EffortRow(
            depth,
            figure.title,
            person_weeks(figure.person_weeks),
            percent(figure.share),
            _moved(figure),
        )

    rows = []
    for goal in effort.goals:
        rows.append(row(0, goal))
        for objective in effort.objectives:
            if effort.goal_of.get(objective.ref or "") != goal.ref:
                continue
            rows.append(row(1, objective))
            rows += [
                row(2, kr)
                for kr in effort.key_results
                if effort.objective_of.get(kr.ref or "") == objective.ref
            ]
    rows.append(row(0, effort.unlinked))
    return rows

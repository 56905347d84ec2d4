"""The report as Markdown that reads well in a pull request: headings, tables, no HTML."""

from __future__ import annotations

from typing import Any

from okrs.reports import present as p
from okrs.reports.build import NOTES_SHOWN
from okrs.reports.review import BusinessReview, ObjectiveReview


def cell(text: Any) -> str:
    """Text safe inside a table cell: no pipes, no line breaks, no raw HTML."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", " ")
        .replace("\n", " ")
        .strip()
    )


def inline(text: Any) -> str:
    """Text outside tables: one line, no raw HTML."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ").strip()


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(report: BusinessReview) -> str:
    cycle, scope, summary = report.cycle, report.scope, report.summary
    out = [
        f"# Quarterly business review: {inline(cycle.name)}, {inline(scope.name)}",
        "",
        f"Cycle {cycle.start} to {cycle.end} ({p.PHASE_TEXT[cycle.phase]}). "
        f"As of {p.when(report.as_of)}.",
        "",
        "## Summary",
        "",
    ]
    statuses = summary.statuses
    out += table(
        ["Measure", "This cycle"],
        [
            ["Objectives", str(summary.objectives)],
            [
                "Key results",
                f"{summary.key_results}: {statuses['on_track']} ✓ on track, "
                f"{statuses['at_risk']} ! at risk, {statuses['off_track']} ✕ off track; "
                f"{summary.achieved} scoring 70% or more",
            ],
            ["Mean objective score", p.percent(summary.mean_objective_score)],
            [
                "Initiatives delivered",
                f"{summary.initiatives_delivered}: {p.verdict_counts(summary)}",
            ],
        ],
    )
    out += ["", "## Objectives at a glance", ""]
    if report.objectives:
        out += table(
            ["Objective", "Serves", "Team", "Score", "Status"],
            [
                [
                    o.title,
                    p.chain_text(o),
                    o.team_text,
                    p.percent(o.score),
                    p.status_text(o.status),
                ]
                for o in report.objectives
            ],
        )
    else:
        out.append("No objectives in this cycle for this scope.")
    out += ["", *_dora(report)]
    out += ["", *_effort(report)]
    for number, objective in enumerate(report.objectives, start=1):
        out += ["", *_objective(number, objective)]
    out += [
        "",
        "---",
        "",
        "Scores follow the product's scoring rules (the documentation's “The quarterly business "
        "review” guide explains each number). "
        "Initiative impact compares check-ins before and after completion: it shows whether "
        "the metric changed, not that the initiative caused it.",
        "",
    ]
    return "\n".join(out)


def _effort(report: BusinessReview) -> list[str]:
    out = ["## Effort spent, and what it moved", "", p.effort_summary(report.effort), ""]
    if not report.effort.work_items:
        return out[:-1]
    indent = {0: "", 1: "↳ ", 2: "↳ Key result: "}
    rows = [
        [
            f"**{row.title}**" if row.depth == 0 else indent[row.depth] + row.title,
            row.person_weeks,
            row.share,
            row.moved,
        ]
        for row in p.effort_rows(report.effort)
    ]
    out += table(
        ["Goal, objective, key result", "Person-weeks", "Share", "Score, same weeks"], rows
    )
    out += [
        "",
        "A person-week is one person with work merged in a week, split over what that work "
        "served. Figures are per goal and team; no one's own effort is shown.",
    ]
    return out


def _dora(report: BusinessReview) -> list[str]:
    dora = report.dora
    out = ["## Delivery performance (DORA)", ""]
    if dora.total is None:
        return [*out, p.dora_missing(report)]
    before, after = p.dora_window_labels(dora, report.cycle.phase)
    out += [
        f"Production deployments of {len(dora.services)} "
        f"service{'' if len(dora.services) == 1 else 's'}. "
        f"Before: {before}. After: {after}. Bands: {dora.bands_source}.",
        "",
    ]
    out += table(["Metric", "Before", "After", "Change"], p.dora_table(dora.total))
    out += ["", "Per service (before → after):", ""]
    rows = []
    for service in dora.services:
        row = [service.name]
        for _, metric, field, unit, _ in p.DORA_ROWS[:4]:
            row.append(
                f"{p.dora_cell(service.start, metric, field, unit)} → "
                f"{p.dora_cell(service.end, metric, field, unit)}"
            )
        rows.append(row)
    out += table(
        ["Service", "Deployments", "Lead time", "Change failure rate", "Recovery time"], rows
    )
    return out


def _objective(number: int, objective: ObjectiveReview) -> list[str]:
    out = [
        f"## {number}. {inline(objective.title)}",
        "",
        f"**Serves:** {inline(p.chain_text(objective))}  ",
        f"**Team:** {inline(objective.team_text)} · **Owner:** {inline(objective.owner.name)} · "
        f"**Score:** {p.percent(objective.score)} · "
        f"**Status:** {p.status_text(objective.status)}",
        "",
    ]
    krs = objective.key_results
    if krs:
        out += table(
            ["Key result", "Owner", "Baseline → final", "Score", "Status", "Trend"],
            [
                [
                    k.title + (" (stale)" if k.stale else ""),
                    k.owner.name,
                    p.from_to(k),
                    p.percent(k.score),
                    p.status_text(k.status),
                    p.text_sparkline(k.trend_values()),
                ]
                for k in krs
            ],
        )
    else:
        out.append("No key results.")
    notes = [k for k in krs if k.notes or k.retrospective]
    if notes:
        out += ["", "### Owners' notes", ""]
        for k in notes:
            out.append(f"- **{inline(k.title)}** ({inline(k.owner.name)})")
            if k.retrospective:
                retro = k.retrospective
                by = f", {inline(retro.by)}" if retro.by else ""
                out.append(f"  - Retrospective{by}: {inline(retro.text)}")
            for note in k.notes[:NOTES_SHOWN]:
                out.append(f"  - {p.day(note.at)}, {inline(note.author)}: {inline(note.text)}")
            hidden = len(k.notes) - NOTES_SHOWN
            if hidden > 0:
                out.append(
                    f"  - ({hidden} earlier note{'s' if hidden > 1 else ''} in the JSON report)"
                )
    out += ["", "### Initiatives delivered", ""]
    if objective.initiatives:
        out += table(
            ["Initiative", "Done", "Meant to move", "Did it move the metric?"],
            [
                [
                    i.title,
                    i.completed_on or p.NONE,
                    i.key_result_title or "no key result linked",
                    (
                        f"{p.verdict_text(i.impact.verdict)}. {i.impact.detail}"
                        if i.impact
                        else "not measured: no key result linked"
                    ),
                ]
                for i in objective.initiatives
            ],
        )
    else:
        out.append("None delivered in this cycle.")
    return out

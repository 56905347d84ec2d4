"""The dashboard: what is on track, what needs attention and why, who checked in, what moved."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from typing import Any

from okrs.goals.evaluation import CycleState, KeyResultState, ObjectiveState
from okrs.goals.present import iso
from okrs.org.models import WEEKDAYS, Team

# Higher is more urgent; the list is sorted by the most urgent reason of each key result.
SEVERITY = {"off_track": 5, "at_risk": 4, "drifting": 3, "stale": 2, "missed_checkin": 1}
WHAT_MOVED_LIMIT = 10


def week_start(as_of: dt.datetime, checkin_day: str, tz_name: str) -> dt.datetime:
    """The start (00:00 local) of the latest check-in day not after `as_of`."""
    tz = zoneinfo.ZoneInfo(tz_name)
    local = as_of.astimezone(tz)
    days_back = (local.weekday() - WEEKDAYS.index(checkin_day)) % 7
    day = local.date() - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def build_dashboard(state: CycleState, teams: list[Team]) -> dict[str, Any]:
    """The dashboard's data for the evaluated objectives.

    `teams` are the teams to give a row each, loaded with `select_related("parent")`.
    """
    org_tz = state.organisation.timezone
    team_by_id = {t.pk: t for t in teams}
    active = state.start <= state.as_of < state.end and _expected(state) >= state.organisation.grace

    kr_counts: Counter[str] = Counter()
    objective_counts: Counter[str] = Counter()
    attention: list[dict[str, Any]] = []
    moved: list[tuple[float, str, KeyResultState]] = []
    compliance: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    # Hundreds of teams share a few check-in days and time zones: one week start for each.
    weeks: dict[tuple[str, str], dt.datetime] = {}

    for objective in state.objectives:
        if objective.status:
            objective_counts[objective.status] += 1
        team = team_by_id.get(objective.objective.team_id or -1)
        tz = (team.timezone if team and team.timezone else None) or org_tz
        week = (team.checkin_day if team else "monday", tz)
        since = weeks.get(week) or weeks.setdefault(week, week_start(state.as_of, *week))
        due_since = state.as_of - since >= dt.timedelta(days=1)
        owning_team = objective.objective.team
        for kr in objective.key_results:
            kr_counts[kr.result.status] += 1
            checked_this_week = (
                kr.last_human_checkin_at is not None and kr.last_human_checkin_at >= since
            )
            if active:
                bucket = compliance[objective.objective.team_id]
                bucket[1] += 1
                bucket[0] += checked_this_week
            reasons = _reasons(kr, missed=active and due_since and not checked_this_week)
            if reasons:
                attention.append(_attention_row(kr, owning_team, reasons))
            delta = kr.result.score - kr.score_week_ago
            if abs(delta) > 1e-9:
                moved.append((delta, kr.key_result.ref, kr))

    attention.sort(key=lambda row: (-row["severity"], row["score"], row["ref"]))
    # Only the largest changes are shown: rows for those alone.
    moved.sort(key=lambda m: (-abs(m[0]), m[1]))
    what_moved = [
        {
            **_kr_summary(kr),
            "score_before": kr.score_week_ago,
            "change": delta,
            "note": kr.last_note,
        }
        for delta, _, kr in moved[:WHAT_MOVED_LIMIT]
    ]
    by_team: dict[int | None, list[ObjectiveState]] = defaultdict(list)
    for objective in state.objectives:
        by_team[objective.objective.team_id].append(objective)
    team_rows = []
    for team in teams:
        objectives = by_team.get(team.pk, [])
        checked, due = compliance.get(team.pk, [0, 0])
        team_rows.append(
            {
                "team": team.key,
                "name": team.name,
                "parent": team.parent.key if team.parent else None,
                "checkin_compliance": {
                    "checked_in": checked,
                    "due": due,
                    "rate": (checked / due) if due else None,
                },
                "objectives": [
                    {
                        "key": o.objective.key,
                        "title": o.objective.title,
                        "score": o.score,
                        "status": o.status,
                    }
                    for o in objectives
                ],
            }
        )
    total_checked = sum(c for c, _ in compliance.values())
    total_due = sum(d for _, d in compliance.values())
    return {
        "cycle": state.cycle.key,
        "as_of": iso(state.as_of),
        "counts": {
            "key_results": {s: kr_counts.get(s, 0) for s in ("on_track", "at_risk", "off_track")},
            "objectives": {
                s: objective_counts.get(s, 0) for s in ("on_track", "at_risk", "off_track")
            },
        },
        "needs_attention": attention,
        "checkin_compliance": {
            "checked_in": total_checked,
            "due": total_due,
            "rate": (total_checked / total_due) if total_due else None,
        },
        "what_moved": what_moved,
        "teams": team_rows,
    }


def _expected(state: CycleState) -> float:
    span = (state.end - state.start).total_seconds()
    return min(1.0, max(0.0, (state.as_of - state.start).total_seconds() / span))


def _reasons(kr: KeyResultState, *, missed: bool) -> list[str]:
    reasons = []
    if kr.result.status in ("off_track", "at_risk"):
        reasons.append(kr.result.status)
    if kr.drifting:
        reasons.append("drifting")
    if kr.result.stale:
        reasons.append("stale")
    if missed:
        reasons.append("missed_checkin")
    return reasons


def _kr_summary(kr: KeyResultState) -> dict[str, Any]:
    return {
        "ref": kr.key_result.ref,
        "title": kr.key_result.title,
        "owner": kr.key_result.owner.email,
        "status": kr.result.status,
        "score": kr.result.score,
    }


def _attention_row(kr: KeyResultState, team: Team | None, reasons: list[str]) -> dict[str, Any]:
    return {
        **_kr_summary(kr),
        "team": team.key if team else None,
        "reasons": reasons,
        "severity": max(SEVERITY[r] for r in reasons),
        "forecast_score": kr.result.forecast_score,
        "last_checkin_at": iso(kr.last_checkin_at) if kr.last_checkin_at else None,
    }

"""The dashboard: what is on track, what needs attention and why, who checked in, what moved,
and how the cycle got here week by week.

`build_dashboard` returns one frozen `Dashboard` and `build_trends` one `DashboardTrends`, read
alike by the web page and the API (which declares these dataclasses as its response schema and
serialises them as they are).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections import Counter, defaultdict

from okrs.goals.evaluation import CycleState, KeyResultState, ObjectiveState
from okrs.goals.models import KeyResult
from okrs.goals.present import iso
from okrs.org.models import WEEKDAYS, Person, Team

# Higher is more urgent; the list is sorted by the most urgent reason of each key result.
# An owner who was deactivated (they left: okrs/scim) comes first: nobody will check in on it
# until someone else owns it, whatever its status.
SEVERITY = {
    "needs_owner": 6,
    "off_track": 5,
    "at_risk": 4,
    "drifting": 3,
    "stale": 2,
    "missed_checkin": 1,
}
WHAT_MOVED_LIMIT = 10
# More lines than this on one chart stop being told apart; the rest are counted.
TREND_OBJECTIVES_LIMIT = 10


def week_start(as_of: dt.datetime, checkin_day: str, tz_name: str) -> dt.datetime:
    """The start (00:00 local) of the latest check-in day not after `as_of`."""
    tz = zoneinfo.ZoneInfo(tz_name)
    local = as_of.astimezone(tz)
    days_back = (local.weekday() - WEEKDAYS.index(checkin_day)) % 7
    day = local.date() - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class StatusCounts:
    on_track: int
    at_risk: int
    off_track: int

    @classmethod
    def of(cls, counter: Counter[str]) -> StatusCounts:
        return cls(counter["on_track"], counter["at_risk"], counter["off_track"])


@dataclasses.dataclass(frozen=True, slots=True)
class Counts:
    key_results: StatusCounts
    objectives: StatusCounts


@dataclasses.dataclass(frozen=True, slots=True)
class Compliance:
    """Key results checked in since their team's latest check-in day, of those due."""

    checked_in: int
    due: int
    rate: float | None

    @classmethod
    def of(cls, checked_in: int, due: int) -> Compliance:
        return cls(checked_in, due, (checked_in / due) if due else None)


@dataclasses.dataclass(frozen=True, slots=True)
class AttentionItem:
    """A key result that needs attention: its reasons, and the severity of the worst of them
    (off track 5, at risk 4, drifting 3, stale 2, a missed check-in 1)."""

    ref: str
    title: str
    owner: str
    team: str | None
    status: str
    score: float
    reasons: list[str]
    severity: int
    forecast_score: float | None
    last_checkin_at: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class MovedItem:
    """A key result whose score changed in the last seven days, credited to its latest check-in:
    `checked_in_by` is the email of whoever told it (the owner or anyone else) and
    `checked_in_by_name` their name; for a value from the key result's automatic source both
    are null, `synced` is true and `synced_from` names the source's kind."""

    ref: str
    title: str
    owner: str
    status: str
    score: float
    score_before: float
    change: float
    note: str
    checked_in_by: str | None
    checked_in_by_name: str | None
    synced: bool
    synced_from: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class TeamObjective:
    key: str
    title: str
    score: float | None
    status: str | None

    @classmethod
    def of(cls, state: ObjectiveState) -> TeamObjective:
        o = state.objective
        return cls(key=o.key, title=o.title, score=state.score, status=state.status)


@dataclasses.dataclass(frozen=True, slots=True)
class TeamRow:
    team: str
    name: str
    parent: str | None
    checkin_compliance: Compliance
    objectives: list[TeamObjective]


@dataclasses.dataclass(frozen=True, slots=True)
class Dashboard:
    cycle: str
    as_of: str
    counts: Counts
    needs_attention: list[AttentionItem]
    checkin_compliance: Compliance
    what_moved: list[MovedItem]
    teams: list[TeamRow]


def build_dashboard(state: CycleState, teams: list[Team]) -> Dashboard:
    """The dashboard's data for the evaluated objectives.

    `teams` are the teams to give a row each, loaded with `select_related("parent")`.
    """
    org_tz = state.organisation.timezone
    team_by_id = {t.pk: t for t in teams}
    active = state.start <= state.as_of < state.end and _expected(state) >= state.organisation.grace

    kr_counts: Counter[str] = Counter()
    objective_counts: Counter[str] = Counter()
    attention: list[AttentionItem] = []
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

    attention.sort(key=lambda row: (-row.severity, row.score, row.ref))
    # Only the largest changes are shown: rows for those alone.
    moved.sort(key=lambda m: (-abs(m[0]), m[1]))
    shown_moved = moved[:WHAT_MOVED_LIMIT]
    authors, sources = _credits([kr for _, _, kr in shown_moved])
    what_moved = []
    for delta, _, kr in shown_moved:
        author = authors.get(kr.last_author_id or -1)
        synced = _latest_is_sync(kr)
        what_moved.append(
            MovedItem(
                ref=kr.key_result.ref,
                title=kr.key_result.title,
                owner=kr.key_result.owner.email,
                status=kr.result.status,
                score=kr.result.score,
                score_before=kr.score_week_ago,
                change=delta,
                note=kr.last_note,
                checked_in_by=author.email if author and not synced else None,
                checked_in_by_name=(author.name or author.email) if author and not synced else None,
                synced=synced,
                synced_from=sources.get(kr.key_result.pk) if synced else None,
            )
        )
    by_team: dict[int | None, list[ObjectiveState]] = defaultdict(list)
    for objective in state.objectives:
        by_team[objective.objective.team_id].append(objective)
    team_rows = []
    for team in teams:
        objectives = by_team.get(team.pk, [])
        checked, due = compliance.get(team.pk, [0, 0])
        team_rows.append(
            TeamRow(
                team=team.key,
                name=team.name,
                parent=team.parent.key if team.parent else None,
                checkin_compliance=Compliance.of(checked, due),
                objectives=[TeamObjective.of(o) for o in objectives],
            )
        )
    total_checked = sum(c for c, _ in compliance.values())
    total_due = sum(d for _, d in compliance.values())
    return Dashboard(
        cycle=state.cycle.key,
        as_of=iso(state.as_of),
        counts=Counts(StatusCounts.of(kr_counts), StatusCounts.of(objective_counts)),
        needs_attention=attention,
        checkin_compliance=Compliance.of(total_checked, total_due),
        what_moved=what_moved,
        teams=team_rows,
    )


def _expected(state: CycleState) -> float:
    span = (state.end - state.start).total_seconds()
    return min(1.0, max(0.0, (state.as_of - state.start).total_seconds() / span))


def _reasons(kr: KeyResultState, *, missed: bool) -> list[str]:
    reasons = []
    if not kr.key_result.owner.is_active:
        reasons.append("needs_owner")
    if kr.result.status in ("off_track", "at_risk"):
        reasons.append(kr.result.status)
    if kr.drifting:
        reasons.append("drifting")
    if kr.result.stale:
        reasons.append("stale")
    if missed:
        reasons.append("missed_checkin")
    return reasons


def _attention_row(kr: KeyResultState, team: Team | None, reasons: list[str]) -> AttentionItem:
    return AttentionItem(
        ref=kr.key_result.ref,
        title=kr.key_result.title,
        owner=kr.key_result.owner.email,
        team=team.key if team else None,
        status=kr.result.status,
        score=kr.result.score,
        reasons=reasons,
        severity=max(SEVERITY[r] for r in reasons),
        forecast_score=kr.result.forecast_score,
        last_checkin_at=iso(kr.last_checkin_at) if kr.last_checkin_at else None,
    )


def _latest_is_sync(kr: KeyResultState) -> bool:
    # The latest human check-in is the latest of all unless a sync came after it.
    return kr.last_checkin_at is not None and kr.last_checkin_at != kr.last_human_checkin_at


def _credits(rows: list[KeyResultState]) -> tuple[dict[int, Person], dict[int, str]]:
    """The authors of the rows' latest check-ins, and the source kinds of the synced ones.

    Authors need not own anything, so the evaluation's plan does not hold them: one query for
    the few rows shown, not a join over every check-in of the cycle.
    """
    author_ids = {kr.last_author_id for kr in rows if kr.last_author_id is not None}
    authors = {p.pk: p for p in Person.objects.filter(pk__in=author_ids).only("email", "name")}
    synced_ids = [kr.key_result.pk for kr in rows if _latest_is_sync(kr)]
    sources = {}
    for pk, source in KeyResult.objects.filter(pk__in=synced_ids).values_list("pk", "source"):
        kind = source.get("kind") if isinstance(source, dict) else None
        sources[pk] = kind if isinstance(kind, str) else "automatic source"
    return authors, sources


# --- trends: the cycle week by week ---------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class WeekCounts:
    """Key results by status at the end of one week of the cycle; the last week's figures are
    those of `as_of` (today). `date` is the last day counted, in the organisation's time zone."""

    date: str
    at: str
    on_track: int
    at_risk: int
    off_track: int


@dataclasses.dataclass(frozen=True, slots=True)
class ObjectiveTrend:
    """One objective's score at the end of each week of `DashboardTrends.weeks` (null while
    it has nothing to score)."""

    key: str
    title: str
    team: str | None
    scores: list[float | None]


@dataclasses.dataclass(frozen=True, slots=True)
class DashboardTrends:
    """The cycle week by week, up to `as_of`: the key results' statuses, and the score of each
    top-level objective shown (those that align to no objective or key result of the same
    view: the company goals of the whole organisation, a team's own objectives), at most ten
    of `objectives_total`."""

    cycle: str
    as_of: str
    weeks: list[WeekCounts]
    objectives: list[ObjectiveTrend]
    objectives_total: int


def week_ends(
    start: dt.datetime, end: dt.datetime, as_of: dt.datetime, tz_name: str
) -> list[dt.datetime]:
    """The instants a trend is read at: the end of each whole week since the cycle's start
    (midnight local, so a change of clocks moves no week), then `as_of`, or the cycle's last
    instant once it is over. None before the cycle starts."""
    if as_of <= start:
        return []
    tz = zoneinfo.ZoneInfo(tz_name)
    first_day = start.astimezone(tz).date()
    last = min(as_of, end - dt.timedelta(microseconds=1))
    instants = []
    for week in range(1, 1 + (end - start).days // 7 + 1):
        local_midnight = dt.datetime.combine(first_day + dt.timedelta(weeks=week), dt.time(), tz)
        instant = local_midnight.astimezone(dt.UTC)
        if instant >= last:
            break
        instants.append(instant)
    instants.append(last)
    return instants


def build_trends(cycle_key: str, as_of: dt.datetime, weeks: list[CycleState]) -> DashboardTrends:
    """The trends from the evaluations at each of `week_ends` (evaluation.evaluate_cycle_over)."""
    week_rows = []
    for state in weeks:
        counts: Counter[str] = Counter(kr.result.status for kr in state.key_results())
        last_day = (state.as_of - dt.timedelta(microseconds=1)).astimezone(
            zoneinfo.ZoneInfo(state.organisation.timezone)
        )
        week_rows.append(
            WeekCounts(
                date=last_day.date().isoformat(),
                at=iso(state.as_of),
                on_track=counts["on_track"],
                at_risk=counts["at_risk"],
                off_track=counts["off_track"],
            )
        )
    top = _top_level(weeks[-1]) if weeks else []
    scores: dict[int, list[float | None]] = {o.objective.pk: [] for o in top}
    for state in weeks:
        for objective in state.objectives:
            if objective.objective.pk in scores:
                scores[objective.objective.pk].append(objective.score)
    return DashboardTrends(
        cycle=cycle_key,
        as_of=iso(weeks[-1].as_of if weeks else as_of),
        weeks=week_rows,
        objectives=[
            ObjectiveTrend(
                key=o.objective.key,
                title=o.objective.title,
                team=o.objective.team.key if o.objective.team else None,
                scores=scores[o.objective.pk],
            )
            for o in top[:TREND_OBJECTIVES_LIMIT]
        ],
        objectives_total=len(top),
    )


LEVEL_ORDER = {"company": 0, "team": 1, "individual": 2}


def _top_level(state: CycleState) -> list[ObjectiveState]:
    """The objectives of the view that align to nothing else in it, company goals first."""
    shown = {o.objective.pk for o in state.objectives}
    shown_key_results = {kr.key_result.pk for o in state.objectives for kr in o.key_results}
    top = [
        o
        for o in state.objectives
        if o.objective.aligns_to_objective_id not in shown
        and o.objective.aligns_to_key_result_id not in shown_key_results
    ]
    return sorted(top, key=lambda o: LEVEL_ORDER.get(o.objective.level, 3))

"""Who gets which message this week, and why the others get none: pure rules over plain facts.

The planner (okrs/nudges/planner.py) loads the facts in a fixed number of queries and applies
the decisions; `okrs nudges plan` prints them. Keeping the rules free of the ORM lets the tests
walk them through every hour of a week in every timezone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from okrs.nudges import schedule

# Actions
NUDGE = "nudge"
REMINDER = "reminder"
DIGEST = "digest"

# Reasons, stable for `okrs nudges plan --format json`
DUE = "due"
REMINDER_DUE = "reminder_due"
DIGEST_DUE = "digest_due"
CHECKED_IN_RECENTLY = "checked_in_recently"
ALREADY_NUDGED = "already_nudged"
ALREADY_REMINDED = "already_reminded"
ALREADY_DIGESTED = "already_sent_digest"
NOT_YET = "not_yet"
CYCLE_NOT_ACTIVE = "cycle_not_active"
NO_KEY_RESULTS = "no_key_results"
NOTHING_MISSING = "nothing_missing"
MISSED = "missed"
CANNOT_CHECK_IN = "cannot_check_in"

# A reminder never follows its nudge by less than this, even when the nudge went out late.
REMINDER_MIN_GAP = dt.timedelta(hours=24)


@dataclass(frozen=True)
class KeyResultFacts:
    id: int
    ref: str
    last_human_checkin_at: dt.datetime | None


@dataclass(frozen=True)
class ExistingNudge:
    kind: str
    state: str
    due_at: dt.datetime
    sent_at: dt.datetime | None
    key_result_ids: tuple[int, ...]


@dataclass(frozen=True)
class OwnerFacts:
    person_id: int
    timezone: str
    checkin_day: str
    # Key results the person owns in the cycles running now.
    key_results: tuple[KeyResultFacts, ...]
    # Whether they own key results in cycles that are not running (for the reason shown).
    owns_outside_active_cycles: bool = False
    # Rows already planned for them, by (kind, week_start).
    existing: Mapping[tuple[str, dt.date], ExistingNudge] = field(default_factory=dict)
    # Viewers may own key results (plans are written by others) but cannot check in.
    may_check_in: bool = True


@dataclass(frozen=True)
class Decision:
    person_id: int
    action: str | None  # NUDGE, REMINDER, DIGEST, or None: nothing to send now
    reason: str
    week: schedule.Week | None = None
    due_at: dt.datetime | None = None
    key_result_ids: tuple[int, ...] = ()
    next_at: dt.datetime | None = None
    team_keys: tuple[str, ...] = ()


def decide_owner(now: dt.datetime, facts: OwnerFacts) -> Decision:
    """The message an owner should get at `now`, if any, or why not."""
    pid = facts.person_id
    if not facts.key_results:
        reason = CYCLE_NOT_ACTIVE if facts.owns_outside_active_cycles else NO_KEY_RESULTS
        return Decision(pid, None, reason)
    if not facts.may_check_in:
        return Decision(pid, None, CANNOT_CHECK_IN)
    tz = schedule.zone(facts.timezone)
    week = schedule.current_week(now, tz, facts.checkin_day)
    if now < week.nudge_at:
        return Decision(pid, None, NOT_YET, week, next_at=week.nudge_at)
    nudge = facts.existing.get((NUDGE, week.start_date))
    if nudge is None:
        # Due-ness is judged at the nudge's own instant: a worker that was down at 10:00 still
        # sends it late, and someone who checked in since is not asked.
        due = tuple(
            kr.id
            for kr in facts.key_results
            if schedule.is_due(kr.last_human_checkin_at, week.nudge_at)
        )
        if not due:
            return Decision(pid, None, CHECKED_IN_RECENTLY, week, next_at=week.next(tz).nudge_at)
        if now >= schedule.end_of_day(week.nudge_at, tz):
            return Decision(pid, None, MISSED, week, next_at=week.next(tz).nudge_at)
        return Decision(pid, NUDGE, DUE, week, due_at=week.nudge_at, key_result_ids=due)
    return _decide_reminder(now, facts, week, nudge, tz)


def _decide_reminder(
    now: dt.datetime,
    facts: OwnerFacts,
    week: schedule.Week,
    nudge: ExistingNudge,
    tz: schedule.zoneinfo.ZoneInfo,
) -> Decision:
    pid = facts.person_id
    next_week = week.next(tz).nudge_at
    if facts.existing.get((REMINDER, week.start_date)) is not None:
        return Decision(pid, None, ALREADY_REMINDED, week, next_at=next_week)
    if nudge.state not in ("sent", "pending", "sending"):
        # A nudge cancelled (nothing was due when sending) or failed gets no reminder. One whose
        # chat message failed but whose email copy went out arrives here as sent (the planner
        # reads the copy's state and time).
        return Decision(pid, None, ALREADY_NUDGED, week, next_at=next_week)
    sent = nudge.sent_at or nudge.due_at
    reminder_at = max(week.reminder_at, sent + REMINDER_MIN_GAP)
    if now < reminder_at or nudge.state != "sent":
        at = reminder_at if reminder_at < week.end else next_week
        return Decision(pid, None, ALREADY_NUDGED, week, next_at=at)
    owned = {kr.id: kr for kr in facts.key_results}
    # Still due: listed in the nudge and nobody has checked in on it since the nudge went out.
    still = tuple(
        kr_id
        for kr_id in nudge.key_result_ids
        if kr_id in owned and not _checked_in_since(owned[kr_id], nudge.due_at)
    )
    if not still:
        return Decision(pid, None, CHECKED_IN_RECENTLY, week, next_at=next_week)
    if now >= min(week.end, schedule.end_of_day(reminder_at, tz)):
        return Decision(pid, None, ALREADY_NUDGED, week, next_at=next_week)
    return Decision(pid, REMINDER, REMINDER_DUE, week, due_at=reminder_at, key_result_ids=still)


def _checked_in_since(key_result: KeyResultFacts, moment: dt.datetime) -> bool:
    last = key_result.last_human_checkin_at
    return last is not None and last >= moment


@dataclass(frozen=True)
class TeamFacts:
    key: str
    checkin_day: str
    # Key results of the team's objectives in running cycles nobody checked in on lately.
    missing: int
    has_key_results: bool = True


@dataclass(frozen=True)
class LeadFacts:
    person_id: int
    timezone: str
    teams: tuple[TeamFacts, ...]
    existing: Mapping[tuple[str, dt.date], ExistingNudge] = field(default_factory=dict)


def decide_digests(now: dt.datetime, facts: LeadFacts) -> list[Decision]:
    """A lead's digests at `now`: one per cycle week, covering the teams that share it."""
    tz = schedule.zone(facts.timezone)
    groups: dict[dt.date, list[TeamFacts]] = {}
    for team in facts.teams:
        if team.has_key_results:
            groups.setdefault(schedule.week_start(now, tz, team.checkin_day), []).append(team)
    decisions = []
    for start_date, teams in sorted(groups.items()):
        week = schedule.week_of(start_date, tz)
        keys = tuple(sorted(t.key for t in teams))
        pid = facts.person_id
        if now < week.digest_at:
            decisions.append(Decision(pid, None, NOT_YET, week, next_at=week.digest_at,
                                      team_keys=keys))  # fmt: skip
        elif (DIGEST, start_date) in facts.existing:
            decisions.append(Decision(pid, None, ALREADY_DIGESTED, week,
                                      next_at=week.next(tz).digest_at, team_keys=keys))  # fmt: skip
        elif now >= schedule.end_of_day(week.digest_at, tz):
            decisions.append(Decision(pid, None, MISSED, week,
                                      next_at=week.next(tz).digest_at, team_keys=keys))  # fmt: skip
        elif not any(t.missing for t in teams):
            decisions.append(Decision(pid, None, NOTHING_MISSING, week,
                                      next_at=week.next(tz).digest_at, team_keys=keys))  # fmt: skip
        else:
            decisions.append(
                Decision(pid, DIGEST, DIGEST_DUE, week, due_at=week.digest_at, team_keys=keys)
            )
    return decisions


REASON_TEXT = {
    DUE: "due: {count} key result(s) not checked in during the last 3 days",
    REMINDER_DUE: "reminder: {count} key result(s) still not checked in since the nudge",
    DIGEST_DUE: "weekly digest of what is missing in {teams}",
    CHECKED_IN_RECENTLY: "checked in recently",
    ALREADY_NUDGED: "already nudged this week",
    ALREADY_REMINDED: "already nudged and reminded this week",
    ALREADY_DIGESTED: "digest already sent this week",
    NOT_YET: "not their day/time yet",
    CYCLE_NOT_ACTIVE: "cycle not active",
    NO_KEY_RESULTS: "no key results",
    NOTHING_MISSING: "nothing missing in {teams}",
    MISSED: "its day passed while no worker ran",
    CANNOT_CHECK_IN: "viewers cannot check in",
}


def explain(decision: Decision) -> str:
    text = REASON_TEXT[decision.reason].format(
        count=len(decision.key_result_ids), teams=", ".join(decision.team_keys)
    )
    if decision.next_at is not None and decision.action is None:
        text += f": next at {decision.next_at:%Y-%m-%d %H:%M} UTC"
    return text


def sorted_decisions(decisions: Sequence[Decision]) -> list[Decision]:
    return sorted(decisions, key=lambda d: (d.action is None, d.person_id))

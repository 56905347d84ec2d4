"""Planning nudges: load the facts of the whole organisation, decide, write the rows.

The facts are read in a fixed number of queries whatever the size of the organisation (the
benchmark plans 5,000 owners); the decisions are the pure rules of okrs/nudges/rules.py.
Writing is idempotent: the unique constraint on (person, kind, week) turns a second planning
of the same week, by another worker or after a restart, into nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from okrs.goals.checkins.models import CheckIn, Source
from okrs.goals.models import Cycle, KeyResult
from okrs.nudges import rules, schedule
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.selectors import active_cycles
from okrs.nudges.services import queue_nudges
from okrs.org.models import Organisation, Person, Role, Team


@dataclass
class PersonInfo:
    id: int
    email: str
    name: str
    timezone: str
    channel: str
    role: str


@dataclass
class Facts:
    """Everything planning needs, read once."""

    now: dt.datetime
    organisation: Organisation
    cycles: list[Cycle]  # running at `now`, shortest first
    people: dict[int, PersonInfo]
    owners: dict[int, rules.OwnerFacts]
    leads: dict[int, rules.LeadFacts]
    team_of_owner: dict[int, str | None] = field(default_factory=dict)
    refs: dict[int, str] = field(default_factory=dict)
    cycle_of_key_result: dict[int, int] = field(default_factory=dict)


@dataclass
class Plan:
    now: dt.datetime
    facts: Facts
    decisions: list[rules.Decision]

    def to_send(self) -> list[rules.Decision]:
        return [d for d in self.decisions if d.action is not None]


def _last_human_checkins(checkins: QuerySet[CheckIn]) -> dict[int, dt.datetime]:
    """When a person last checked in on each key result of `checkins` (a sync is nobody)."""
    return dict(
        checkins.exclude(source=Source.SYNC)
        .values("key_result_id")
        .annotate(last=Max("at"))
        .values_list("key_result_id", "last")
    )


def load_facts(now: dt.datetime) -> Facts:
    org = Organisation.current()
    cycles = active_cycles(now, org)
    cycle_ids = [c.pk for c in cycles]
    people = {
        pk: PersonInfo(pk, email, name, tz, channel, role)
        for pk, email, name, tz, channel, role in Person.objects.filter(is_active=True).values_list(
            "id", "email", "name", "timezone", "channel", "role"
        )
    }
    teams = {
        t["id"]: t
        for t in Team.objects.values("id", "key", "timezone", "checkin_day", "lead_id", "parent_id")
    }
    member_teams: dict[int, list[str]] = defaultdict(list)
    for person_id, team_id in Team.members.through.objects.values_list("person_id", "team_id"):
        member_teams[person_id].append(teams[team_id]["key"])

    kr_rows = list(
        KeyResult.objects.filter(objective__cycle_id__in=cycle_ids).values_list(
            "id", "owner_id", "objective__team_id", "objective__key", "key", "objective__cycle_id"
        )
    )
    last = _last_human_checkins(
        CheckIn.objects.filter(key_result__objective__cycle_id__in=cycle_ids, at__lte=now)
    )
    owners_elsewhere = set(
        KeyResult.objects.exclude(objective__cycle_id__in=cycle_ids).values_list(
            "owner_id", flat=True
        )
    )
    # Rows of the last eight days cover the current week of every timezone.
    existing: dict[int, dict[tuple[str, dt.date], rules.ExistingNudge]] = defaultdict(dict)
    since = (now - dt.timedelta(days=schedule.WEEK_DAYS + 1)).date()
    for row in Nudge.objects.filter(week_start__gte=since, fallback_of__isnull=True).values(
        "person_id",
        "kind",
        "state",
        "week_start",
        "due_at",
        "sent_at",
        "key_result_ids",
        "fallback__state",
        "fallback__sent_at",
    ):
        state, sent_at = row["state"], row["sent_at"]
        if row["fallback__state"] is not None:
            # The chat message failed for good and an email copy took over: the person was
            # asked when (and if) the copy went out, and gets the reminder two days later.
            state, sent_at = row["fallback__state"], row["fallback__sent_at"]
        existing[row["person_id"]][(row["kind"], row["week_start"])] = rules.ExistingNudge(
            kind=row["kind"],
            state=state,
            due_at=row["due_at"],
            sent_at=sent_at,
            key_result_ids=tuple(row["key_result_ids"] or ()),
        )

    refs: dict[int, str] = {}
    cycle_of: dict[int, int] = {}
    owned: dict[int, list[rules.KeyResultFacts]] = defaultdict(list)
    objective_teams: dict[int, list[str | None]] = defaultdict(list)
    team_krs: dict[int, list[int]] = defaultdict(list)
    for kr_id, owner_id, team_id, objective_key, kr_key, cycle_id in kr_rows:
        refs[kr_id] = f"{objective_key}/{kr_key}"
        cycle_of[kr_id] = cycle_id
        owned[owner_id].append(rules.KeyResultFacts(kr_id, refs[kr_id], last.get(kr_id)))
        objective_teams[owner_id].append(teams[team_id]["key"] if team_id else None)
        if team_id:
            team_krs[team_id].append(kr_id)

    by_key = {t["key"]: t for t in teams.values()}
    owners: dict[int, rules.OwnerFacts] = {}
    team_of_owner: dict[int, str | None] = {}
    for person_id, person in people.items():
        team_key = schedule.choose_team(objective_teams.get(person_id, []), member_teams[person_id])
        team = by_key.get(team_key) if team_key else None
        team_of_owner[person_id] = team_key
        owners[person_id] = rules.OwnerFacts(
            person_id=person_id,
            timezone=schedule.owner_timezone(
                person.timezone, team["timezone"] if team else "", org.timezone
            ),
            checkin_day=team["checkin_day"] if team else schedule.DEFAULT_CHECKIN_DAY,
            key_results=tuple(owned.get(person_id, ())),
            owns_outside_active_cycles=person_id in owners_elsewhere,
            existing=existing.get(person_id, {}),
            may_check_in=person.role != Role.VIEWER,
        )

    leads: dict[int, rules.LeadFacts] = {}
    led: dict[int, list[rules.TeamFacts]] = defaultdict(list)
    for team in teams.values():
        lead_id = team["lead_id"]
        if lead_id is None or lead_id not in people:
            continue
        krs = team_krs.get(team["id"], [])
        missing = sum(1 for kr_id in krs if schedule.is_due(last.get(kr_id), now))
        led[lead_id].append(
            rules.TeamFacts(team["key"], team["checkin_day"], missing, has_key_results=bool(krs))
        )
    for lead_id, team_facts in led.items():
        person = people[lead_id]
        leads[lead_id] = rules.LeadFacts(
            person_id=lead_id,
            timezone=owners[lead_id].timezone,
            teams=tuple(team_facts),
            existing=existing.get(lead_id, {}),
        )
    return Facts(now, org, cycles, people, owners, leads, team_of_owner, refs, cycle_of)


def plan_nudges(now: dt.datetime) -> Plan:
    """What should be sent at `now` and why the rest is not (reads only)."""
    facts = load_facts(now)
    decisions = [rules.decide_owner(now, owner) for owner in facts.owners.values()]
    for lead in facts.leads.values():
        decisions.extend(rules.decide_digests(now, lead))
    return Plan(now, facts, rules.sorted_decisions(decisions))


KIND_OF_ACTION = {
    rules.NUDGE: NudgeKind.NUDGE,
    rules.REMINDER: NudgeKind.REMINDER,
    rules.DIGEST: NudgeKind.DIGEST,
}


def _cycle_for(plan: Plan, kr_ids: tuple[int, ...]) -> int | None:
    """The shortest running cycle among the key results' cycles."""
    ranked = {c.pk: i for i, c in enumerate(plan.facts.cycles)}
    found = [
        plan.facts.cycle_of_key_result[k] for k in kr_ids if k in plan.facts.cycle_of_key_result
    ]
    if found:
        return min(found, key=lambda c: ranked.get(c, len(ranked)))
    return plan.facts.cycles[0].pk if plan.facts.cycles else None


@transaction.atomic
def create_planned(plan: Plan) -> int:
    """Write the rows the plan asks for; rows that already exist are left alone. Returns how
    many were new."""
    rows = []
    for decision in plan.to_send():
        assert decision.week is not None and decision.due_at is not None
        rows.append(
            Nudge(
                person_id=decision.person_id,
                kind=KIND_OF_ACTION[decision.action or ""],
                week_start=decision.week.start_date,
                cycle_id=_cycle_for(plan, decision.key_result_ids),
                key_result_ids=list(decision.key_result_ids),
                team_keys=list(decision.team_keys),
                due_at=decision.due_at,
                next_attempt_at=decision.due_at,
                expires_at=_expiry(plan, decision),
                created_at=plan.now,
                updated_at=plan.now,
            )
        )
    if not rows:
        return 0
    return queue_nudges(rows, counted=Nudge.objects.all())


def _expiry(plan: Plan, decision: rules.Decision) -> dt.datetime:
    """The end of the cycle week, or of the cycle when it ends first."""
    assert decision.week is not None
    end = decision.week.end
    cycle_id = _cycle_for(plan, decision.key_result_ids)
    for cycle in plan.facts.cycles:
        if cycle.pk == cycle_id:
            end = min(end, cycle.bounds(plan.facts.organisation.timezone)[1])
    return end


def plan_and_create(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return create_planned(plan_nudges(now))


@dataclass(frozen=True)
class MissingItem:
    owner_name: str
    title: str
    ref: str
    since: str


def missing_for_digest(*, team_keys: list[str], now: dt.datetime) -> list[MissingItem]:
    """Key results of these teams' objectives, in running cycles, still without a check-in."""
    org = Organisation.current()
    cycles = active_cycles(now, org)
    key_results = list(
        KeyResult.objects.filter(objective__cycle__in=cycles, objective__team__key__in=team_keys)
        .select_related("objective", "owner")
        .order_by("owner__email", "objective__position", "position", "id")
    )
    last = _last_human_checkins(CheckIn.objects.filter(key_result__in=key_results, at__lte=now))
    items = []
    for kr in key_results:
        at = last.get(kr.pk)
        if not schedule.is_due(at, now):
            continue
        since = "never checked in" if at is None else f"last check-in {(now - at).days} days ago"
        items.append(MissingItem(str(kr.owner), kr.title, kr.ref, since))
    return items

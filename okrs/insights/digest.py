"""The leadership digest: Monday 08:00, to leads (their teams) and admins (everything).

One nudge row per person and week (the nudges' unique constraint on person, kind and week),
planned on Monday from 08:00 in the person's timezone and worded when it is sent: what moved
in the seven days before 08:00, what is off track or drifting, whose check-ins are missing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from okrs.channels.base import AlertMessage
from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import KeyResultState, evaluate_cycle
from okrs.insights import rules
from okrs.nudges import schedule
from okrs.nudges.links import teams_url
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.selectors import active_cycles
from okrs.nudges.services import person_zone_name, queue_nudges, team_names
from okrs.org.models import Organisation, Person, Role, Team
from okrs.org.permissions import led_team_ids

log = logging.getLogger(__name__)

WEEK = dt.timedelta(days=7)


def recipients() -> list[Person]:
    """Admins, and the leads of teams (a viewer never gets one)."""
    lead_ids = Team.objects.filter(lead__isnull=False).values("lead_id")
    return list(
        Person.objects.filter(is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(pk__in=lead_ids))
        .exclude(role=Role.VIEWER)
        .order_by("pk")
    )


def plan_digests(now: dt.datetime | None = None) -> int:
    """Queue this week's digest for everyone whose Monday 08:00 has come today."""
    now = now or timezone.now()
    org = Organisation.current()
    if not active_cycles(now, org):
        return 0
    rows = []
    for person in recipients():
        tz = schedule.zone(person_zone_name(person, org))
        slot = rules.digest_slot(now, tz)
        if slot is None:
            continue
        monday, due, expires = slot
        if now >= expires:
            continue
        team_keys = (
            []
            if person.role == Role.ADMIN
            else list(
                Team.objects.filter(lead=person).order_by("key").values_list("key", flat=True)
            )
        )
        rows.append(
            Nudge(
                person=person,
                kind=NudgeKind.LEADERSHIP,
                week_start=monday,
                team_keys=team_keys,
                due_at=due,
                next_attempt_at=due,
                expires_at=expires,
                created_at=now,
                updated_at=now,
            )
        )
    if not rows:
        return 0
    created = queue_nudges(rows, counted=Nudge.objects.filter(kind=NudgeKind.LEADERSHIP))
    if created:
        log.info("insights: %d leadership digests queued", created)
    return created


def _in_scope(person: Person) -> set[int] | None:
    """Team ids the person's digest covers; None for the whole organisation."""
    if person.role == Role.ADMIN:
        return None
    # The teams they lead and every team below them (Team.lead, whatever their role: a
    # digest only reads).
    return led_team_ids(person)


def digest_facts(
    person: Person, *, end: dt.datetime
) -> tuple[list[rules.Moved], list[rules.Flagged], list[rules.Missing], int]:
    """What moved, what is flagged, who is missing in the week before `end`, and how many
    key results the person's scope holds."""
    org = Organisation.current()
    start = end - WEEK
    scope = _in_scope(person)
    states: list[KeyResultState] = []
    cycle_started: dict[int, dt.datetime] = {}
    for cycle in active_cycles(end, org):
        cycle_start, _ = cycle.bounds(org.timezone)
        state = evaluate_cycle(cycle, as_of=end, organisation=org)
        for objective_state in state.objectives:
            if scope is not None and objective_state.objective.team_id not in scope:
                continue
            for kr_state in objective_state.key_results:
                cycle_started[kr_state.key_result.pk] = cycle_start
                states.append(kr_state)
    ids = [s.key_result.pk for s in states]
    value_then: dict[int, float | None] = {}
    moved_ids: set[int] = set()
    for kr_id, at, value in (
        CheckIn.objects.filter(key_result_id__in=ids, at__lte=end)
        .order_by("key_result_id", "at", "id")
        .values_list("key_result_id", "at", "value")
    ):
        if at <= start:
            value_then[kr_id] = value
        else:
            moved_ids.add(kr_id)

    moved, flagged = [], []
    missing_by_owner: dict[int, list[KeyResultState]] = defaultdict(list)
    for s in states:
        kr = s.key_result
        result = s.result
        before = value_then.get(kr.pk, kr.initial_value)
        if kr.pk in moved_ids and result.current != before:
            moved.append(
                rules.Moved(
                    kr.ref,
                    kr.title,
                    kr.unit,
                    before,
                    result.current,
                    s.score_week_ago,
                    result.score,
                )
            )
        if result.status == rules.OFF_TRACK or s.drifting:
            flagged.append(
                rules.Flagged(
                    kr.ref,
                    kr.title,
                    kr.owner.name or kr.owner.email,
                    rules.OFF_TRACK if result.status == rules.OFF_TRACK else rules.DRIFT,
                    result.score,
                    result.forecast_score,
                )
            )
        # Nobody is missing a check-in in a cycle that started during the week.
        started_before = cycle_started[kr.pk] <= start
        checked_in = s.last_human_checkin_at is not None and s.last_human_checkin_at > start
        if started_before and not checked_in:
            missing_by_owner[kr.owner_id].append(s)

    missing = []
    for owned in missing_by_owner.values():
        owner = owned[0].key_result.owner
        last = max(
            (s.last_human_checkin_at for s in owned if s.last_human_checkin_at), default=None
        )
        missing.append(
            rules.Missing(
                owner.name or owner.email,
                tuple(s.key_result.title or s.key_result.ref for s in owned),
                last.astimezone(schedule.zone(org.timezone)).date() if last else None,
            )
        )
    missing.sort(key=lambda m: m.owner_name)
    moved.sort(key=lambda m: m.ref)
    flagged.sort(key=lambda f: (f.status != rules.OFF_TRACK, f.ref))
    return moved, flagged, missing, len(states)


def build_digest_message(nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None:
    """The digest of a row; None (cancelled) when the person's scope holds no key result."""
    person = nudge.person
    end = min(now, nudge.due_at)
    moved, flagged, missing, count = digest_facts(person, end=end)
    if count == 0:
        return None
    if person.role == Role.ADMIN:
        scope = "the whole organisation"
    else:
        scope = team_names(nudge.team_keys) or "your teams"
    subject, text, lines = rules.digest_message(
        scope=scope, moved=moved, flagged=flagged, missing=missing
    )
    url = f"{settings.BASE_URL}/" if person.role == Role.ADMIN else teams_url(nudge.team_keys)
    return AlertMessage(subject=subject, text=text, url=url, lines=lines)

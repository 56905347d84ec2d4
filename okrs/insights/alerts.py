"""Drift and off-track alerts: planned hourly as nudge rows, worded when they are sent.

A key result that is off track alerts its owner and the lead of its objective's team; one that
is drifting (on track by status, forecast score under 0.7: okrs/goals/evaluation.py decides)
alerts its owner. The rows are nudge rows (okrs/nudges/models.py), so they are claimed, retried
and fall back to email exactly like nudges; a unique constraint on (key result, recipient,
kind, week) makes "at most once a week" a property of the database, whatever the number of
workers planning at the same time.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from okrs.channels.base import AlertMessage
from okrs.goals.evaluation import evaluate_cycle, evaluate_key_result
from okrs.goals.models import KeyResult
from okrs.insights import rules
from okrs.nudges import schedule
from okrs.nudges.models import KEY_RESULT_KINDS, Nudge, NudgeKind
from okrs.nudges.selectors import active_cycles
from okrs.nudges.services import person_zone_name, queue_nudges
from okrs.org.models import Organisation, Person

log = logging.getLogger(__name__)

KIND_OF = {rules.DRIFT: NudgeKind.DRIFT, rules.OFF_TRACK: NudgeKind.OFF_TRACK}


def key_result_url(key_result: KeyResult) -> str:
    return settings.BASE_URL + reverse(
        "key_result",
        kwargs={"objective_key": key_result.objective.key, "kr_key": key_result.key},
    )


def plan_alerts(now: dt.datetime | None = None) -> int:
    """Queue the alerts the running cycles call for now; returns how many rows were new.

    Safe to run any number of times and from several workers at once: a row that exists for
    the key result, recipient and week (of any kind) already makes the insert a no-op.
    """
    now = now or timezone.now()
    org = Organisation.current()
    wanted: list[tuple[int, int, str]] = []  # (key result, recipient, kind)
    for cycle in active_cycles(now, org):
        state = evaluate_cycle(cycle, as_of=now, organisation=org)
        for objective_state in state.objectives:
            team = objective_state.objective.team
            for kr_state in objective_state.key_results:
                kind = rules.alert_kind(status=kr_state.result.status, drifting=kr_state.drifting)
                if kind is None:
                    continue
                kr = kr_state.key_result
                wanted.append((kr.pk, kr.owner_id, kind))
                lead_id = team.lead_id if team is not None else None
                if kind == rules.OFF_TRACK and lead_id is not None and lead_id != kr.owner_id:
                    wanted.append((kr.pk, lead_id, kind))
    if not wanted:
        return 0
    people = {p.pk: p for p in Person.objects.filter(pk__in={w[1] for w in wanted}, is_active=True)}
    zones: dict[int, str] = {}
    rows = []
    for kr_id, person_id, kind in wanted:
        person = people.get(person_id)
        if person is None:
            continue
        if person_id not in zones:
            zones[person_id] = person_zone_name(person, org)
        tz = schedule.zone(zones[person_id])
        monday = rules.week_monday(now, tz)
        rows.append(
            Nudge(
                person=person,
                kind=KIND_OF[kind],
                key_result_id=kr_id,
                week_start=monday,
                key_result_ids=[kr_id],
                due_at=now,
                next_attempt_at=now,
                expires_at=rules.week_end(monday, tz),
                created_at=now,
                updated_at=now,
            )
        )
    created = queue_nudges(rows, counted=Nudge.objects.filter(kind__in=KEY_RESULT_KINDS))
    if created:
        log.info("insights: %d drift or off-track alerts queued", created)
    return created


def build_alert_message(nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None:
    """The alert of a row, from the key result's state now; None when it no longer applies.

    A key result checked in on between planning and sending (now on track again) is not
    alerted about: the row is cancelled instead.
    """
    if nudge.key_result_id is None:
        return None
    kr = (
        KeyResult.objects.select_related("objective__cycle", "objective__team", "owner")
        .filter(pk=nudge.key_result_id)
        .first()
    )
    if kr is None:
        return None
    org = Organisation.current()
    state = evaluate_key_result(kr, as_of=now, organisation=org)
    kind = rules.alert_kind(status=state.result.status, drifting=state.drifting)
    if kind is None or KIND_OF[kind] != nudge.kind:
        return None
    result = state.result
    facts = rules.AlertFacts(
        kind=kind,
        ref=kr.ref,
        title=kr.title,
        unit=kr.unit,
        owner_name=kr.owner.name or kr.owner.email,
        baseline=kr.initial_value,
        target=kr.target,
        current=result.current,
        score=result.score,
        expected=result.expected,
        expected_value=rules.expected_value(kr.initial_value, kr.target, result.expected),
        forecast=result.forecast,
        forecast_score=result.forecast_score,
        cycle_name=kr.objective.cycle.label,
        cycle_end=kr.objective.cycle.end,
        for_owner=nudge.person_id == kr.owner_id,
    )
    subject, text, lines = rules.alert_message(facts)
    return AlertMessage(subject=subject, text=text, url=key_result_url(kr), lines=lines)

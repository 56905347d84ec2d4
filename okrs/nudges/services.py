"""Writes on nudges that people trigger (snooze), and the message a nudge row becomes."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from okrs.channels.base import AlertMessage, NudgeMessage
from okrs.goals.models import Cycle
from okrs.nudges import links, schedule
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.selectors import active_cycles, due_key_results_of
from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import Organisation, Person, Team

AUDITED_FIELDS = ("kind", "state", "week_start", "due_at", "person")


def queue_nudges(rows: Sequence[Nudge], *, counted: QuerySet[Nudge]) -> int:
    """The new rows inserted and how many of `counted` they added. A row the unique
    constraint already holds is skipped, never duplicated: planning is idempotent, and a
    second planner running at the same time (another worker, a restart) adds nothing."""
    before = counted.count()
    Nudge.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return counted.count() - before


def person_zone_name(person: Person, org: Organisation | None = None) -> str:
    """The person's timezone, else their first team's, else the organisation's."""
    org = org or Organisation.current()
    team_tz = next((t.timezone for t in person.teams.order_by("key") if t.timezone), "")
    return schedule.owner_timezone(person.timezone, team_tz, org.timezone)


class SnoozeUnavailable(Exception):
    """A snooze now would bring the nudge back after its check-in week has ended, when it is no
    longer sent: the message says so and offers no snooze. The text is meant for the person."""


def snooze_time(*, nudge: Nudge, person: Person, now: dt.datetime) -> dt.datetime | None:
    """When a snooze pressed now would bring the nudge back, or None when that would be after
    the nudge's check-in week (a nudge snoozed on its last day would only be cancelled)."""
    return _snooze_until(nudge, schedule.zone(person_zone_name(person)), now)


def _snooze_until(nudge: Nudge, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.datetime | None:
    until = schedule.snoozed_until(now, zone)
    if nudge.expires_at is not None and until >= nudge.expires_at:
        return None
    return until


def _zones(person_ids: set[int], org: Organisation) -> dict[int, zoneinfo.ZoneInfo]:
    """Each person's timezone as `person_zone_name` gives it, in two queries for a batch."""
    people = Person.objects.filter(pk__in=person_ids).prefetch_related("teams")
    zones = {}
    for person in people:
        teams = sorted(person.teams.all(), key=lambda team: team.key)
        team_tz = next((team.timezone for team in teams if team.timezone), "")
        name = schedule.owner_timezone(person.timezone, team_tz, org.timezone)
        zones[person.pk] = schedule.zone(name)
    return zones


# What a channel says instead of offering a snooze that would never come back.
NO_SNOOZE_LEFT = (
    "A snooze now would come back after this check-in week has ended, so none is offered: "
    "check in now, or this week's check-in stays missing."
)


@transaction.atomic
def snooze_nudge(
    *, nudge_id: int, person: Person, now: dt.datetime | None = None, channel: str | None = None
) -> dt.datetime:
    """The nudge comes back a day later (same wall-clock time); returns when.

    Raises LookupError when there is no such nudge for this person: a chat button or link of
    someone else's nudge must not tell whether it exists. Raises SnoozeUnavailable when the day
    later falls after the nudge's check-in week. Pressing Snooze twice keeps one copy.
    """
    now = now or timezone.now()
    nudge = Nudge.objects.filter(pk=nudge_id, person=person).first()
    if nudge is None:
        raise LookupError(f"no nudge {nudge_id} for {person.email}")
    until = snooze_time(nudge=nudge, person=person, now=now)
    if until is None:
        raise SnoozeUnavailable(NO_SNOOZE_LEFT)
    actor = Actor(person, channel or nudge.channel or "web")
    copy, created = Nudge.objects.select_for_update().get_or_create(
        person=person,
        kind=NudgeKind.SNOOZED,
        week_start=nudge.week_start,
        fallback_of=None,
        defaults={
            "cycle": nudge.cycle,
            "key_result_ids": nudge.key_result_ids,
            "due_at": until,
            "next_attempt_at": until,
            "expires_at": nudge.expires_at,
        },
    )
    if created:
        record(actor, action="create", entity="nudge", ref=f"nudge/{copy.pk}", after=_audit(copy))
        return until
    if copy.state == NudgeState.SENDING:
        return copy.due_at  # being delivered right now: that is the copy the person gets
    before = _audit(copy)
    # A copy already sent (or given up) is armed again: snoozing the snoozed nudge is allowed.
    Nudge.objects.filter(pk=copy.pk).exclude(state=NudgeState.SENDING).update(
        state=NudgeState.PENDING,
        due_at=until,
        next_attempt_at=until,
        attempts=0,
        claimed_at=None,
        claimed_by="",
        updated_at=now,
    )
    copy.refresh_from_db()
    record(
        actor,
        action="update",
        entity="nudge",
        ref=f"nudge/{copy.pk}",
        before=before,
        after=_audit(copy),
    )
    return until


def _audit(nudge: Nudge) -> dict[str, object]:
    return snapshot(nudge, AUDITED_FIELDS)


def link_expiry(nudge: Nudge) -> dt.datetime:
    """End of the nudge's cycle week (or of its cycle, when that comes first)."""
    if nudge.expires_at is not None:
        return nudge.expires_at
    tz = schedule.zone(person_zone_name(nudge.person))
    return schedule.week_of(nudge.week_start, tz).end


def build_message(nudge: Nudge, *, now: dt.datetime | None = None) -> NudgeMessage:
    """What the person is asked, computed at sending time: what is due now, not at planning."""
    return build_messages([nudge], now=now or timezone.now())[nudge.pk]


def build_messages(nudges: Sequence[Nudge], *, now: dt.datetime) -> dict[int, NudgeMessage]:
    """`build_message` of every nudge of a sender's batch, from one reading of what is due."""
    org = Organisation.current()
    due_of = due_key_results_of(person_ids={n.person_id for n in nudges}, now=now, org=org)
    fallback_cycle: list[Cycle | None] = []  # the running cycle, looked up once if needed
    zones = _zones({n.person_id for n in nudges}, org)
    messages = {}
    for nudge in nudges:
        # The message lists what the nudge was planned for, like its email link (still due only).
        listed = {int(i) for i in nudge.key_result_ids or ()}
        cycle = nudge.cycle
        if cycle is None:
            if not fallback_cycle:
                running = active_cycles(now, org)
                fallback_cycle.append(running[0] if running else None)
            cycle = fallback_cycle[0]
        messages[nudge.pk] = NudgeMessage(
            nudge_id=nudge.pk,
            person_id=nudge.person_id,
            cycle_name=cycle.label if cycle else "",
            key_results=tuple(d for d in due_of[nudge.person_id] if d.id in listed),
            checkin_url=links.checkin_url(
                person_id=nudge.person_id, nudge_id=nudge.pk, expires_at=link_expiry(nudge)
            ),
            reminder=nudge.kind == NudgeKind.REMINDER,
            week_start=nudge.week_start,
            snooze_offered=nudge.person_id in zones
            and _snooze_until(nudge, zones[nudge.person_id], now) is not None,
        )
    return messages


def team_names(keys: Sequence[str]) -> str:
    """Teams as people read them in a digest ("Platform, Checkout"), in the order given; the
    link, and the nudge, keep their keys."""
    names = dict(Team.objects.filter(key__in=keys).values_list("key", "name"))
    return ", ".join(names.get(key, key) for key in keys)


def build_alert(nudge: Nudge, *, now: dt.datetime | None = None) -> AlertMessage:
    """A lead's digest: what is still missing this week in the teams they lead."""
    from okrs.nudges.planner import missing_for_digest  # the planner imports this module

    now = now or timezone.now()
    missing = missing_for_digest(team_keys=list(nudge.team_keys), now=now)
    teams = team_names(nudge.team_keys)
    lines = tuple(
        f"{item.owner_name}: {item.title} ({item.ref}) — {item.since}" for item in missing
    )
    if lines:
        text = (
            f"Still missing this week in {teams}: {len(lines)} key result"
            f"{'s' if len(lines) != 1 else ''} without a check-in.\n" + "\n".join(lines)
        )
    else:
        text = f"Everyone in {teams} has checked in this week."
    return AlertMessage(
        subject=f"Check-ins missing this week: {teams}",
        text=text,
        url=links.teams_url(nudge.team_keys),
        lines=lines,
    )

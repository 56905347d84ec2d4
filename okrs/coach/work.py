"""The coach on initiatives and the work that links to them (OKR013), from the database.

An initiative expected to have engineering work (it lists `work`, or its objective's team, or a
team below it, owns a service whose merged work okrs receives), still planned or in progress in
a running cycle, that no work item has linked to two weeks after the later of its cycle's start
and when it was planned, gets OKR013: its `work` probably does not match how its pull requests
are labelled or named (docs/effort.md). An initiative of a team that ships no code (a customer
success plan) is not expected to have any. Shown on the initiative's page, the objective's page
and by `okrs effort`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Count

from okrs.coach.rules import Finding, unlinked_initiative_finding
from okrs.goals.models import Initiative, InitiativeStatus
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import Organisation, Team

WATCHED = (InitiativeStatus.IN_PROGRESS,)


def unlinked_initiatives(
    initiatives: Iterable[Initiative], *, now: dt.datetime, organisation: Organisation | None = None
) -> dict[int, Finding]:
    """OKR013 for each of `initiatives` it applies to, by initiative id (their objective and
    its cycle selected with them saves a query each)."""
    watched = [i for i in initiatives if i.status in WATCHED]
    if not watched:
        return {}
    shipping = _teams_with_work()
    watched = [i for i in watched if i.work or i.objective.team_id in shipping]
    if not watched:
        return {}
    tz = zoneinfo.ZoneInfo((organisation or Organisation.current()).timezone)
    today = now.astimezone(tz).date()
    linked = dict(
        WorkItem.objects.filter(initiative__in=watched)
        .values_list("initiative")
        .annotate(items=Count("id"))
        .values_list("initiative", "items")
    )
    found = {}
    for initiative in watched:
        cycle = initiative.objective.cycle
        if not cycle.start <= today <= cycle.end:
            continue
        finding = unlinked_initiative_finding(
            ref=f"{initiative.objective.key}/{initiative.key}",
            since=max(cycle.start, initiative.created_at.astimezone(tz).date()),
            today=today,
            linked_items=linked.get(initiative.pk, 0),
            work=[str(entry) for entry in initiative.work or []],
        )
        if finding is not None:
            found[initiative.pk] = finding
    return found


def _teams_with_work() -> set[int]:
    """The teams that own a service okrs has received merged work from, and the teams above."""
    owners = set(
        WorkItem.objects.filter(raw_event__service__team__isnull=False)
        .values_list("raw_event__service__team", flat=True)
        .distinct()
    )
    if not owners:
        return set()
    parents = dict(Team.objects.values_list("id", "parent_id"))
    found: set[int] = set()
    for team_id in owners:
        current: int | None = team_id
        while current is not None and current not in found:  # a loop of parents ends here
            found.add(current)
            current = parents.get(current)
    return found

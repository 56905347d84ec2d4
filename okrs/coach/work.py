"""The coach on initiatives and the work that links to them (OKR013), from the database.

While okrs receives merged work at all (some work item exists), an initiative still planned or
in progress in a running cycle that no work item has linked to, two weeks after the later of
its cycle's start and when it was planned, gets OKR013: its `work` probably does not match how
its pull requests are labelled or named (docs/effort.md). Shown on the initiative's page, the
objective's page and by `okrs effort`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Count

from okrs.coach.rules import Finding, unlinked_initiative_finding
from okrs.goals.models import Initiative, InitiativeStatus
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import Organisation

WATCHED = (InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS)


def unlinked_initiatives(
    initiatives: Iterable[Initiative], *, now: dt.datetime, organisation: Organisation | None = None
) -> dict[int, Finding]:
    """OKR013 for each of `initiatives` it applies to, by initiative id (their objective and
    its cycle selected with them saves a query each)."""
    watched = [i for i in initiatives if i.status in WATCHED]
    if not watched or not WorkItem.objects.exists():
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

"""End of a cycle: when its pages open, the cycle that follows it, and once its scores are
frozen, a retrospective prompt to each owner.

The retrospective and carry-over pages are offered from the cycle's last week on
(`end_of_cycle_open`), never mid-cycle. Carrying over offers the next cycle of the same length
(`next_cycle`): the plan's own when it has one, else one to create with the copy.

okrs/goals/tasks.py freezes a cycle and sends `cycle_frozen`; insights receives it and plans
the prompts (`prompt_owners_after_freeze`), and its hourly task plans them again for recently
frozen cycles, in case a worker died between the freeze and this. The prompt is a nudge row
(one per owner and cycle, by a unique constraint), so it is sent exactly once through the
person's channel, with the nudges' retries and email fallback.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from okrs.channels.base import AlertMessage
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.insights import rules
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.services import queue_nudges
from okrs.org.models import Organisation

log = logging.getLogger(__name__)

# The end-of-cycle pages open on the first of the cycle's last seven days.
LAST_WEEK_DAYS = 7


def end_of_cycle_opens(cycle: Cycle) -> dt.date:
    """The first day of the cycle's last week (its first day, for a cycle under a week)."""
    return max(cycle.start, cycle.end - dt.timedelta(days=LAST_WEEK_DAYS - 1))


def end_of_cycle_open(
    cycle: Cycle, *, now: dt.datetime | None = None, organisation: Organisation | None = None
) -> bool:
    """Whether the retrospective and carry-over are offered: from the cycle's last week on (in
    the organisation's timezone), or once its scores are frozen."""
    if cycle.frozen_at is not None:
        return True
    org = organisation or Organisation.current()
    today = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(org.timezone)).date()
    return today >= end_of_cycle_opens(cycle)


def not_yet_message(cycle: Cycle, what: str) -> str:
    """Why `what` (the retrospective, carrying over) is not offered yet, and from when it is."""
    opens = end_of_cycle_opens(cycle)
    return (
        f"{cycle.name or cycle.key} runs until {cycle.end:%-d %B %Y}: {what} opens in its last "
        f"week, on {opens:%-d %B %Y}."
    )


@dataclass(frozen=True)
class NextCycle:
    """The cycle after another, of the same length: the plan's own (`existing`) or one that
    carrying over creates, with its parent (the shortest longer cycle that holds it)."""

    key: str
    name: str
    start: dt.date
    end: dt.date
    existing: Cycle | None
    parent: Cycle | None
    length: str  # "quarter", "year", "half year", "month", or "cycle"


def _whole_months(start: dt.date, end: dt.date) -> int | None:
    """How many calendar months the dates span exactly, or None if they are not whole months."""
    last_day = calendar.monthrange(end.year, end.month)[1]
    if start.day != 1 or end.day != last_day:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def next_cycle_dates(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The span right after [start, end] of the same length: whole months stay whole months
    (Q4 2026 -> 1 January to 31 March 2027), any other span keeps its number of days."""
    following = end + dt.timedelta(days=1)
    months = _whole_months(start, end)
    if months is None:
        return following, end + (end - start) + dt.timedelta(days=1)
    last = following.month - 1 + months - 1
    return following, _month_end(following.year + last // 12, last % 12 + 1)


LENGTHS = {12: "year", 6: "half year", 3: "quarter", 1: "month"}


def next_cycle_naming(key: str, start: dt.date, end: dt.date) -> tuple[str, str, str]:
    """(key, name, length) of a cycle from its dates, in the style of the previous key:
    2027-Q1 (or 2027-q1) and "Q1 2027" for a quarter, 2027 for a year."""
    months = _whole_months(start, end)
    length = LENGTHS.get(months or 0, "cycle")
    year = start.year
    if months == 12 and start.month == 1:
        return str(year), str(year), length
    if months in (3, 6) and (start.month - 1) % months == 0:
        letter = "Q" if months == 3 else "H"
        number = (start.month - 1) // months + 1
        shown = letter.lower() if re.search(rf"-{letter.lower()}\d", key) else letter
        return f"{year}-{shown}{number}", f"{letter}{number} {year}", length
    if months == 1:
        return f"{year}-{start.month:02d}", f"{start:%B %Y}", length
    return start.isoformat(), f"{start.isoformat()} to {end.isoformat()}", length


def next_cycle(cycle: Cycle) -> NextCycle:
    """The cycle that follows `cycle` with the same length, found in the plan by its dates (or
    its key), else described for carrying over to create."""
    start, end = next_cycle_dates(cycle.start, cycle.end)
    key, name, length = next_cycle_naming(cycle.key, start, end)
    existing = (
        Cycle.objects.filter(start=start, end=end).order_by("key").first()
        or Cycle.objects.filter(key=key).first()
    )
    if existing is not None:
        return NextCycle(existing.key, existing.name or existing.key, existing.start,
                         existing.end, existing, existing.parent, length)  # fmt: skip
    parent = (
        Cycle.objects.filter(start__lte=start, end__gte=end)
        .order_by("end", "-start", "key")
        .first()
    )
    return NextCycle(key, name, start, end, None, parent, length)


def carry_over_choices(objective: Objective) -> tuple[NextCycle, list[Cycle]]:
    """The next cycle of the same length (offered first, created if the plan has none yet),
    and the other cycles that start after the objective's own ends."""
    following = next_cycle(objective.cycle)
    later = [
        c
        for c in Cycle.objects.filter(start__gt=objective.cycle.end).order_by("start", "key")
        if c.key != following.key
    ]
    return following, later


def retrospective_url(key_result: KeyResult) -> str:
    return settings.BASE_URL + reverse(
        "key_result_retrospective",
        kwargs={"objective_key": key_result.objective.key, "kr_key": key_result.key},
    )


def prompt_owners_after_freeze(
    sender: object, *, cycle: Cycle, now: dt.datetime, **_: object
) -> None:
    """Receiver of `cycle_frozen`: queue the owners' retrospective prompts.

    The freeze itself is done and committed; a failure here is logged, never raised into it.
    """
    try:
        plan_retrospective_prompts(cycle=cycle, now=now)
    except Exception:
        log.exception("queueing the retrospective prompts of %s failed", cycle.key)


def plan_retrospective_prompts(*, cycle: Cycle, now: dt.datetime | None = None) -> int:
    """Queue one prompt per owner of a key result of the (frozen) cycle; returns new rows."""
    now = now or timezone.now()
    owned: dict[int, list[int]] = defaultdict(list)
    for kr_id, owner_id in (
        KeyResult.objects.filter(objective__cycle=cycle, owner__is_active=True)
        .order_by("objective__position", "objective_id", "position", "id")
        .values_list("id", "owner_id")
    ):
        owned[owner_id].append(kr_id)
    rows = [
        Nudge(
            person_id=owner_id,
            kind=NudgeKind.RETROSPECTIVE,
            cycle=cycle,
            week_start=cycle.end,
            key_result_ids=kr_ids,
            due_at=now,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for owner_id, kr_ids in owned.items()
    ]
    prompts = Nudge.objects.filter(kind=NudgeKind.RETROSPECTIVE, cycle=cycle)
    created = queue_nudges(rows, counted=prompts)
    log.info("insights: %d retrospective prompts queued for %s", created, cycle.key)
    return created


def build_retrospective_message(nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None:
    """The prompt listing the owner's key results with their final scores.

    None (cancelled) when the person owns none of them any more or has answered them all.
    """
    org = Organisation.current()
    key_results = list(
        KeyResult.objects.select_related("objective__cycle")
        .filter(pk__in=nudge.key_result_ids, owner_id=nudge.person_id)
        .order_by("objective__position", "objective_id", "position", "id")
    )
    if not key_results or all(kr.retrospective for kr in key_results):
        return None
    results = []
    for kr in key_results:
        # A frozen cycle is evaluated at its end: `current` is the final value.
        state = evaluate_key_result(kr, as_of=now, organisation=org)
        final = kr.final_score if kr.final_score is not None else state.result.score
        results.append(
            rules.FinalScore(
                ref=kr.ref,
                title=kr.title,
                unit=kr.unit,
                baseline=kr.initial_value,
                target=kr.target,
                final_value=state.result.current,
                final_score=final,
                url=retrospective_url(kr),
                answered=bool(kr.retrospective),
            )
        )
    cycle_name = (nudge.cycle or key_results[0].objective.cycle).label
    subject, text, lines = rules.retrospective_message(cycle_name=cycle_name, results=results)
    first_open = next(kr for kr in key_results if not kr.retrospective)
    return AlertMessage(subject=subject, text=text, url=retrospective_url(first_open), lines=lines)

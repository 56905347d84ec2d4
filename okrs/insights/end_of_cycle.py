"""End of a cycle: once its scores are frozen, ask each owner for a retrospective.

okrs/goals/tasks.py freezes a cycle and sends `cycle_frozen`; insights receives it and plans
the prompts (`prompt_owners_after_freeze`), and its hourly task plans them again for recently
frozen cycles, in case a worker died between the freeze and this. The prompt is a nudge row
(one per owner and cycle, by a unique constraint), so it is sent exactly once through the
person's channel, with the nudges' retries and email fallback.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from okrs.channels.base import AlertMessage
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import Cycle, KeyResult
from okrs.insights import rules
from okrs.nudges.models import Nudge, NudgeKind
from okrs.nudges.services import queue_nudges
from okrs.org.models import Organisation

log = logging.getLogger(__name__)


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
    cycle_key = nudge.cycle.key if nudge.cycle else key_results[0].objective.cycle.key
    subject, text, lines = rules.retrospective_message(cycle_key=cycle_key, results=results)
    first_open = next(kr for kr in key_results if not kr.retrospective)
    return AlertMessage(subject=subject, text=text, url=retrospective_url(first_open), lines=lines)

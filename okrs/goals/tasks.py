"""Background work of the plan: freezing final scores when a cycle ends."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from okrs.goals.evaluation import evaluate_cycle
from okrs.goals.models import Cycle, KeyResult
from okrs.org.models import Organisation

log = logging.getLogger(__name__)


def freeze_ended_cycles(now: dt.datetime | None = None) -> list[str]:
    """Store each key result's final score for every cycle that has ended; returns their keys.

    A cycle is claimed with a conditional update first, so two workers never both freeze it,
    and a check-in backfilled later does not change a result that was already reported.
    """
    now = now or timezone.now()
    org = Organisation.current()
    frozen = []
    for cycle in Cycle.objects.filter(frozen_at__isnull=True):
        _, end = cycle.bounds(org.timezone)
        if end > now:
            continue
        with transaction.atomic():
            claimed = Cycle.objects.filter(pk=cycle.pk, frozen_at__isnull=True).update(
                frozen_at=now
            )
            if not claimed:
                continue
            state = evaluate_cycle(
                cycle, as_of=end - dt.timedelta(microseconds=1), organisation=org
            )
            # New instances: those of the evaluation are shared through its cache.
            final = [
                KeyResult(pk=kr_state.key_result.pk, final_score=kr_state.result.score)
                for kr_state in state.key_results()
            ]
            KeyResult.objects.bulk_update(final, ["final_score"], batch_size=500)
        log.info("froze the final scores of cycle %s (%d key results)", cycle.key, len(final))
        frozen.append(cycle.key)
        after_freeze(cycle, now)
    return frozen


def after_freeze(cycle: Cycle, now: dt.datetime) -> None:
    """End-of-cycle work once the scores are final: the owners' retrospective prompts.

    Queued as nudge rows (one per owner and cycle, a unique constraint), so running it twice
    leaves one prompt per owner; the insights task runs it again hourly for recently frozen
    cycles, in case a worker died between the freeze and this.
    """
    from okrs.insights.end_of_cycle import plan_retrospective_prompts  # insights builds on goals

    try:
        plan_retrospective_prompts(cycle=cycle, now=now)
    except Exception:  # the freeze itself is done and committed; never undo it for a prompt
        log.exception("queueing the retrospective prompts of %s failed", cycle.key)


@db_periodic_task(crontab(minute="5"))
def freeze_ended_cycles_hourly() -> None:
    freeze_ended_cycles()

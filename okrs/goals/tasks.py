"""Background work of the plan: freezing final scores when a cycle ends.

What follows a freeze belongs to the rooms that build on the plan: they receive
`cycle_frozen` (okrs/goals/signals.py) and plan their own work.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from okrs.goals.evaluation import evaluate_cycle
from okrs.goals.models import Cycle, KeyResult
from okrs.goals.signals import cycle_frozen
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
        # End-of-cycle work of the rooms above the plan (the retrospective prompts).
        cycle_frozen.send(sender=Cycle, cycle=cycle, now=now)
    return frozen


@db_periodic_task(crontab(minute="5"))
def freeze_ended_cycles_hourly() -> None:
    freeze_ended_cycles()

"""Background work of the metric sources: every minute, sync the key results that are due
(by their schedule, or within a minute of a delivery event for those fed by events)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from okrs.goals.models import KeyResult
from okrs.metrics.sources.sync import due_key_results, is_due_or_refreshed, sync_key_result


@db_periodic_task(crontab())
def sync_due_key_results() -> None:
    """Queue one sync per due key result, so that several workers share a slow round.

    Queuing a key result twice (a slow minute) is harmless: each sync claims its row first.
    """
    for key_result in due_key_results(now=timezone.now()):
        sync_one_key_result(key_result.pk)


@db_task()
def sync_one_key_result(key_result_id: int) -> None:
    key_result = (
        KeyResult.objects.select_related("objective__cycle").filter(pk=key_result_id).first()
    )
    now = timezone.now()
    # Queued twice and already synced by the first: no longer due, nothing to do.
    if key_result is not None and is_due_or_refreshed(key_result, now=now):
        sync_key_result(key_result=key_result, now=now)

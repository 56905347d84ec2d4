"""Background work of insights: every hour, queue the alerts and digests due, then send."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from okrs.goals.models import Cycle
from okrs.insights.alerts import plan_alerts
from okrs.insights.digest import plan_digests
from okrs.insights.end_of_cycle import plan_retrospective_prompts
from okrs.nudges.sender import send_due

log = logging.getLogger(__name__)

RECENTLY_FROZEN = dt.timedelta(days=2)


def plan_and_send_insights() -> None:
    now = timezone.now()
    alerts = plan_alerts(now)
    digests = plan_digests(now)
    # Normally queued right after the freeze (okrs/goals/tasks.py); again here, idempotently,
    # for a worker that died in between.
    for cycle in Cycle.objects.filter(frozen_at__gte=now - RECENTLY_FROZEN):
        plan_retrospective_prompts(cycle=cycle, now=now)
    # The nudge worker sends every minute anyway; sending now saves that minute.
    report = send_due()
    if alerts or digests:
        log.info("insights: %d alerts and %d digests queued; %s", alerts, digests, report)


# Hourly (minute 10, after the hourly freeze at minute 5): the rows' unique constraints make
# a second run, or a second worker, a no-op.
@db_periodic_task(crontab(minute="10"))
def plan_insights_hourly() -> None:
    plan_and_send_insights()

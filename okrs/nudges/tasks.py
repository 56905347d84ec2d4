"""Background work of nudges: every minute, plan what is due and send it."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from okrs.nudges.planner import plan_and_create
from okrs.nudges.sender import send_due

log = logging.getLogger(__name__)


def plan_and_send() -> None:
    created = plan_and_create()
    report = send_due()
    if created or report.sent or report.failed or report.retried:
        log.info("nudges: %d planned; %s", created, report)


# Two runs overlapping (a slow provider, two workers) is safe: rows are claimed one by one.
@db_periodic_task(crontab())
def plan_and_send_nudges_every_minute() -> None:
    plan_and_send()

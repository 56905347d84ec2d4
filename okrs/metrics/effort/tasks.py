"""The worker's part of effort: asking Jira for issues' epics, away from the webhook's request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from okrs.metrics.effort import services

# Jira down or rate limiting: the task runs again 5 minutes later, at most twice.
RETRIES = 2
RETRY_DELAY_SECONDS = 300


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def look_up_epics() -> None:
    services.look_up_epics()

"""Ingestion settings read from the environment, and the system checks that report them.

Read at each use (they are cheap), so a change takes effect on restart without code reloads and
tests can set them. A value that cannot be used fails `okrs manage check` with a stable id, and
an ingestion that meets it answers 503 rather than guessing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import checks

from okrs.config import ConfigError, env

DEFAULT_ATTRIBUTION_HOURS = 24.0
DEFAULT_DEPLOY_WORKFLOWS = "deploy"


def attribution_window() -> dt.timedelta:
    """OKRS_INCIDENT_ATTRIBUTION_HOURS (default 24): how long after a production deployment an
    incident of the same service is still blamed on it when nothing names the cause."""
    value = env("OKRS_INCIDENT_ATTRIBUTION_HOURS")
    if value is None:
        return dt.timedelta(hours=DEFAULT_ATTRIBUTION_HOURS)
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 24 * 366:  # also refuses nan and inf
        raise ConfigError(
            f"OKRS_INCIDENT_ATTRIBUTION_HOURS must be a number of hours above 0 (at most a "
            f"year), not {value!r}"
        )
    return dt.timedelta(hours=hours)


def deploy_workflows() -> frozenset[str]:
    """OKRS_GITHUB_DEPLOY_WORKFLOWS: comma-separated GitHub Actions workflow names or file names
    (without .yml) whose completed runs on the default branch are production deployments."""
    configured = env("OKRS_GITHUB_DEPLOY_WORKFLOWS", DEFAULT_DEPLOY_WORKFLOWS) or ""
    return frozenset(name.strip().lower() for name in configured.split(",") if name.strip())


@checks.register()
def check_ingestion_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    try:
        attribution_window()
    except ConfigError as exc:
        errors.append(checks.Error(str(exc), id="okrs.metrics.delivery.E001"))
    if not deploy_workflows():
        errors.append(
            checks.Warning(
                "OKRS_GITHUB_DEPLOY_WORKFLOWS names no workflow: no GitHub workflow run will "
                "count as a deployment",
                id="okrs.metrics.delivery.W001",
            )
        )
    return errors

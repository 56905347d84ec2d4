"""The `dora` metric source: a key result that follows one DORA metric of a service or team.

    source: {kind: dora, metric: lead_time, service: checkout, window: 30d, statistic: median}

The number is in the key result's natural unit: hours for the durations (lead time, recovery
time), percent for the rates (change failure rate, rework rate), deployments per day for the
frequency. Without `service` or `team` the metric covers the whole organisation. The window is
rolling: [now - window, now).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from okrs.metrics.delivery import dora
from okrs.metrics.sources.registry import ConfigProblem, Param, SourceBackend, SourceError, register
from okrs.metrics.sources.schedule import parse_duration

# Accepted names -> the metric. The short ones are the plan format's (docs/okrs-as-code.md);
# the long ones are dora.dev's own names.
METRICS = {
    "deployment_frequency": "deployment_frequency",
    "lead_time": "lead_time",
    "change_lead_time": "lead_time",
    "change_failure_rate": "change_failure_rate",
    "change_fail_rate": "change_failure_rate",
    "recovery_time": "recovery_time",
    "failed_deployment_recovery_time": "recovery_time",
    "rework_rate": "rework_rate",
    "deployment_rework_rate": "rework_rate",
}
STATISTICS = ("median", "p90")
# What the editor offers, by name and unit; a plan file may also write the long names above.
METRIC_OPTIONS = (
    ("deployment_frequency", "Deployment frequency (deployments per day)"),
    ("lead_time", "Change lead time (hours)"),
    ("change_failure_rate", "Change failure rate (%)"),
    ("recovery_time", "Failed deployment recovery time (hours)"),
    ("rework_rate", "Deployment rework rate (%)"),
)


def metric_value(metrics: dora.Metrics, metric: str, statistic: str = "median") -> float | None:
    """One metric as a key result reads it: hours, percent, or deployments per day."""
    if metric == "deployment_frequency":
        return metrics.deployment_frequency.per_day
    if metric in ("lead_time", "recovery_time"):
        durations = metrics.lead_time if metric == "lead_time" else metrics.recovery_time
        seconds = durations.median if statistic == "median" else durations.p90
        return None if seconds is None else seconds / dora.HOUR
    rate = metrics.change_failure_rate if metric == "change_failure_rate" else metrics.rework_rate
    return rate.percent


# What "nothing to measure" means for each metric, for the sync error shown on the key result.
NOTHING_YET = {
    "lead_time": "no change reached production",
    "recovery_time": "no deployment failure was resolved",
    "change_failure_rate": "no successful production deployment",
    "rework_rate": "no successful production deployment",
}


@register
class DoraSource(SourceBackend):
    kind = "dora"
    label = "DORA metric from delivery events"
    params = (
        Param(
            "metric",
            "the DORA metric the key result follows, in the unit shown",
            choices=tuple(METRICS),
            options=METRIC_OPTIONS,
        ),
        Param("service", "a service key (default: the whole organisation)", required=False),
        Param("team", "a team key, its sub-teams included (instead of a service)", required=False),
        Param(
            "window",
            "the rolling window measured, ending at the sync, e.g. 30d",
            required=False,
            default="30d",
            type="duration",
        ),
        Param(
            "statistic",
            "for change lead time and recovery time: the typical change or the slow ones",
            required=False,
            default="median",
            choices=STATISTICS,
            options=(("median", "Median"), ("p90", "90th percentile")),
        ),
    )

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> list[ConfigProblem]:
        if values.get("service") and values.get("team"):
            return [ConfigProblem("team", "a dora source takes a service or a team, not both")]
        return []

    def fetch(self, *, now: dt.datetime) -> float:
        from okrs.metrics.delivery.selectors import ScopeNotFound, dora_report, resolve_scope

        metric = METRICS.get(str(self.config.get("metric")))
        if metric is None:
            raise SourceError(
                f"unknown DORA metric {self.config.get('metric')!r}: use one of "
                + ", ".join(sorted(set(METRICS.values()))),
                permanent=True,
            )
        statistic = self.config.get("statistic") or "median"
        if statistic not in STATISTICS:
            raise SourceError(f"statistic must be median or p90, not {statistic!r}", permanent=True)
        try:
            span = parse_duration(str(self.config.get("window") or "30d"))
            scope = resolve_scope(service=self.config.get("service"), team=self.config.get("team"))
        except (ValueError, ScopeNotFound) as exc:
            raise SourceError(str(exc), permanent=True) from exc
        end = now.timestamp()
        window = dora.Window(end - span.total_seconds(), end)
        value = metric_value(dora_report(scope=scope, window=window).metrics, metric, statistic)
        if value is None:
            # Not a broken source: the next deployment may bring the number. Retried.
            where = f"{scope.kind} {scope.key}" if scope.key else "the organisation"
            raise SourceError(
                f"nothing to measure yet: {NOTHING_YET[metric]} for {where} in the last "
                f"{self.config.get('window') or '30d'}"
            )
        return round(value, 3)

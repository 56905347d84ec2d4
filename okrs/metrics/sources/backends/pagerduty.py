"""PagerDuty: the number of incidents in a rolling window (REST API v2, GET /incidents).

`total=true` makes PagerDuty count the matches, so one request with `limit=1` gives the count
however many incidents there are.
"""

from __future__ import annotations

import datetime as dt

from okrs.metrics.sources.http import build_url, request_json
from okrs.metrics.sources.registry import Param, SourceBackend, SourceError, register
from okrs.metrics.sources.schedule import parse_duration

STATUSES = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")


@register
class PagerDutySource(SourceBackend):
    kind = "pagerduty"
    label = "PagerDuty incident count"
    url_param = "api_url"
    params = (
        Param("token", "a REST API key (read-only is enough)", secret=True),
        Param(
            "window",
            "count incidents created in this rolling window",
            required=False,
            default="30d",
            type="duration",
        ),
        Param(
            "service_ids",
            "only these PagerDuty services (ids like PXXXXXX)",
            label="Service IDs",
            required=False,
            type="list",
        ),
        Param(
            "team_ids", "only these PagerDuty teams", required=False, type="list", label="Team IDs"
        ),
        Param(
            "statuses",
            "only incidents in these states",
            required=False,
            type="list",
            choices=STATUSES,
        ),
        Param("urgencies", "only these urgencies", required=False, type="list", choices=URGENCIES),
        Param(
            "api_url",
            "the API's base URL (EU accounts: https://api.eu.pagerduty.com)",
            label="API URL",
            required=False,
            default="https://api.pagerduty.com",
            type="url",
        ),
    )

    def fetch(self, *, now: dt.datetime) -> float:
        since = now - parse_duration(self.config["window"])
        query: list[tuple[str, str]] = [
            ("since", since.astimezone(dt.UTC).isoformat()),
            ("until", now.astimezone(dt.UTC).isoformat()),
            ("time_zone", "UTC"),
            ("limit", "1"),
            ("total", "true"),
        ]
        for name in ("service_ids", "team_ids", "statuses", "urgencies"):
            query.extend((f"{name}[]", value) for value in self.config.get(name) or [])
        answer = request_json(
            "GET",
            build_url(self.config["api_url"], "/incidents", query),
            what="PagerDuty",
            headers={
                "Authorization": f"Token token={self.config['token']}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
        )
        total = answer.get("total") if isinstance(answer, dict) else None
        if isinstance(total, bool) or not isinstance(total, int):
            raise SourceError("PagerDuty's answer has no incident total", permanent=False)
        return float(total)

"""Prometheus: a PromQL instant query (GET /api/v1/query), e.g. a P95 with histogram_quantile.

An empty answer is a temporary failure, not a permanent one: Prometheus returns no sample
when a series has no data at that instant (no traffic in the rate window, a scrape gap, a
restarted server), which heals by itself. A misspelt metric name looks the same, so the error
stays on the key result page until it is fixed. Several samples are permanent: the query's
shape is wrong, and only aggregating it (sum, max by ...) gives one number.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from okrs.metrics.sources.http import build_url, request_json
from okrs.metrics.sources.registry import Param, SourceBackend, SourceError, register


@register
class PrometheusSource(SourceBackend):
    kind = "prometheus"
    label = "Prometheus (PromQL instant query)"
    url_param = "url"
    params = (
        Param(
            "url",
            "Prometheus base URL, e.g. http://prometheus:9090 (default: Prometheus's "
            "own default address)",
            required=False,
            default="http://localhost:9090",
            type="url",
            label="URL",
        ),
        Param(
            "query",
            "PromQL giving one number, e.g. histogram_quantile(0.95, sum by (le) "
            "(rate(http_request_duration_seconds_bucket[5m])))",
        ),
        Param(
            "token",
            "bearer token, when Prometheus sits behind an auth proxy",
            required=False,
            secret=True,
        ),
    )

    def fetch(self, *, now: dt.datetime) -> float:
        url = build_url(
            self.config["url"],
            "/api/v1/query",
            {"query": self.config["query"], "time": f"{now.timestamp():.3f}"},
        )
        headers = {}
        if self.config.get("token"):
            headers["Authorization"] = f"Bearer {self.config['token']}"
        answer = request_json("GET", url, what="Prometheus", headers=headers)
        return number_from_answer(answer)


def number_from_answer(answer: Any) -> float:
    if not isinstance(answer, dict) or answer.get("status") != "success":
        # Prometheus's own words are not quoted: an error page is the server's text, shown
        # here to everyone who may read the key result.
        raise SourceError(
            "Prometheus answered with an error (check the query in Prometheus itself)",
            permanent=True,
        )
    data = answer.get("data") or {}
    result_type = data.get("resultType")
    result = data.get("result")
    if result_type == "scalar":
        return _sample_value(result)
    if result_type != "vector":
        shown = result_type if result_type in ("matrix", "string") else "an unknown result type"
        raise SourceError(
            f"the query gives a {shown}, not one number: use an instant vector or a "
            "scalar (no [range] selector at the end)",
            permanent=True,
        )
    if not result:
        raise SourceError(
            "the query returned no sample (no data at this instant, or a misspelt metric "
            "name); retrying",
            permanent=False,
        )
    if len(result) > 1:
        raise SourceError(
            f"the query returned {len(result)} series, not one number: aggregate it "
            "(sum, max, avg by ...)",
            permanent=True,
        )
    return _sample_value(result[0].get("value"))


def _sample_value(sample: Any) -> float:
    try:
        value = float(sample[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise SourceError("Prometheus answered with an unreadable sample", permanent=True) from exc
    if not math.isfinite(value):
        # histogram_quantile over a window with no observations is NaN: no traffic, no data.
        raise SourceError(
            f"the query gave {value} (no observations in the window); retrying", permanent=False
        )
    return value

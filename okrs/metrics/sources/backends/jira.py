"""Jira Cloud: how many work items match a JQL query.

Atlassian retired GET /rest/api/3/search in 2025; counting now has its own endpoint,
POST /rest/api/3/search/approximate-count (body `{"jql": ...}`, answer `{"count": N}`), which
wants a bounded query (one with a restriction such as `project = OPS`). Authentication is the
account's email and an API token, as HTTP basic auth.
"""

from __future__ import annotations

import base64
import datetime as dt

from okrs.metrics.sources.http import request_json
from okrs.metrics.sources.registry import Param, SourceBackend, SourceError, register


@register
class JiraSource(SourceBackend):
    kind = "jira"
    label = "Jira JQL count"
    url_param = "site"
    params = (
        Param("site", "the Jira site, e.g. https://acme.atlassian.net", type="url"),
        Param(
            "jql",
            "a bounded JQL query, e.g. project = OPS AND type = Bug AND created >= -30d",
            label="JQL query",
        ),
        Param("email", "the Atlassian account's email", secret=True),
        Param("api_token", "an API token of that account", secret=True, label="API token"),
    )

    def fetch(self, *, now: dt.datetime) -> float:
        pair = f"{self.config['email']}:{self.config['api_token']}".encode()
        answer = request_json(
            "POST",
            self.config["site"] + "/rest/api/3/search/approximate-count",
            what="Jira",
            headers={"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")},
            body={"jql": self.config["jql"]},
        )
        count = answer.get("count") if isinstance(answer, dict) else None
        if isinstance(count, bool) or not isinstance(count, int):
            raise SourceError("Jira's answer has no count", permanent=False)
        return float(count)

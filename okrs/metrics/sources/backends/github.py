"""GitHub: how many issues or pull requests match a search (GET /search/issues, total_count).

`{since}` in the query becomes the date `window` ago, for rolling counts such as
`repo:acme/shop is:pr is:merged merged:>={since}`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from okrs.metrics.sources.http import HttpFailure, build_url, request_json
from okrs.metrics.sources.registry import ConfigProblem, Param, SourceBackend, SourceError, register
from okrs.metrics.sources.schedule import parse_duration


@register
class GitHubSource(SourceBackend):
    kind = "github"
    label = "GitHub search count"
    url_param = "api_url"
    params = (
        Param("query", "a GitHub search, e.g. repo:acme/shop is:issue is:open label:bug"),
        Param(
            "window",
            "makes {since} in the query the date this long ago",
            required=False,
            type="duration",
        ),
        Param(
            "token", "a token that can read the repositories searched", required=False, secret=True
        ),
        Param(
            "api_url",
            "the API's base URL (GitHub Enterprise: https://HOST/api/v3)",
            label="API URL",
            required=False,
            default="https://api.github.com",
            type="url",
        ),
    )

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> list[ConfigProblem]:
        if "{since}" in values["query"] and not values.get("window"):
            return [ConfigProblem("window", "the query uses {since}: give a 'window' like 30d")]
        return []

    def fetch(self, *, now: dt.datetime) -> float:
        query = self.config["query"]
        if self.config.get("window"):
            since = (now - parse_duration(self.config["window"])).date().isoformat()
            query = query.replace("{since}", since)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if self.config.get("token"):
            headers["Authorization"] = f"Bearer {self.config['token']}"
        url = build_url(self.config["api_url"], "/search/issues", {"q": query, "per_page": "1"})
        try:
            answer = request_json("GET", url, what="GitHub", headers=headers)
        except HttpFailure as exc:
            # GitHub answers 403 (not 429) when a rate limit is used up: that heals by itself.
            limited = exc.headers.get("x-ratelimit-remaining") == "0" or (
                "rate limit" in exc.reason.lower()
            )
            if exc.status == 403 and limited:
                raise SourceError(
                    "GitHub's search rate limit is used up; retrying", permanent=False
                ) from None
            raise
        if not isinstance(answer, dict) or not isinstance(answer.get("total_count"), int):
            raise SourceError("GitHub's answer has no total_count", permanent=False)
        if answer.get("incomplete_results"):
            # The search timed out on GitHub's side: the count is a lower bound, not the answer.
            raise SourceError(
                "GitHub returned incomplete search results; retrying", permanent=False
            )
        return float(answer["total_count"])

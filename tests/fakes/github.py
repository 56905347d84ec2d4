"""A local GitHub REST API: GET /search/issues with a small subset of the search syntax.

Qualifiers understood: repo:, is:issue, is:pr, is:open, is:closed, is:merged, label:,
created:>=DATE, merged:>=DATE. Answers `{"total_count", "incomplete_results", "items"}`,
`401 {"message": "Bad credentials"}` for a wrong token, `422` for an unknown qualifier, and
the primary rate limit as GitHub does it: 403 with `X-RateLimit-Remaining: 0`.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.http_json import Answer, FakeServer, Seen


def item(
    number: int,
    *,
    repo: str,
    pr: bool = False,
    state: str = "open",
    labels: tuple[str, ...] = (),
    created: str = "2026-11-01",
    merged: str | None = None,
) -> dict[str, Any]:
    return {
        "number": number,
        "repo": repo,
        "pr": pr,
        "state": state,
        "labels": list(labels),
        "created": created,
        "merged": merged,
    }


class FakeGitHub(FakeServer):
    def __init__(self, *, token: str, items: list[dict[str, Any]]) -> None:
        super().__init__()
        self.token = token
        self.items = items
        self.rate_limited = False
        self.incomplete = False

    def answer(self, seen: Seen) -> Answer:
        auth = seen.headers.get("authorization")
        if auth is not None and auth != f"Bearer {self.token}":
            return Answer(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        if self.rate_limited:
            return Answer(
                403,
                {"message": "API rate limit exceeded for user ID 1."},
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1893456000"},
            )
        if seen.path != "/search/issues":
            return Answer(404, {"message": "Not Found"})
        query = seen.query.get("q", [""])[0]
        matches = []
        for candidate in self.items:
            ok = True
            for term in query.split():
                verdict = _matches(candidate, term)
                if verdict is None:
                    return Answer(
                        422,
                        {
                            "message": "Validation Failed",
                            "errors": [{"message": f"unknown qualifier {term}"}],
                        },
                    )
                ok = ok and verdict
            if ok:
                matches.append(candidate)
        per_page = int(seen.query.get("per_page", ["30"])[0])
        return Answer(
            200,
            {
                "total_count": len(matches),
                "incomplete_results": self.incomplete,
                "items": matches[:per_page],
            },
        )


def _matches(candidate: dict[str, Any], term: str) -> bool | None:
    name, _, value = term.partition(":")
    if name == "repo":
        return candidate["repo"] == value
    if name == "is":
        return {
            "issue": not candidate["pr"],
            "pr": candidate["pr"],
            "open": candidate["state"] == "open",
            "closed": candidate["state"] == "closed",
            "merged": candidate["merged"] is not None,
        }.get(value)
    if name == "label":
        return value in candidate["labels"]
    if name in ("created", "merged") and value.startswith(">="):
        day = candidate[name]
        return day is not None and day >= value[2:]
    return None

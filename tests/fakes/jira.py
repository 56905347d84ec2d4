"""A local Jira Cloud REST API v3: POST /rest/api/3/search/approximate-count.

Basic auth with email and API token; body `{"jql": ...}`; answer `{"count": N}`. Understands
`field = value` and `created >= -Nd` clauses joined by AND; refuses an unbounded query the way
Jira does (400 with `errorMessages`). The retired GET /rest/api/3/search answers 410 Gone.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from tests.fakes.http_json import Answer, FakeServer, Seen

_RELATIVE = re.compile(r"^-(\d+)d$")


def issue(
    key: str, *, project: str, type: str = "Bug", status: str = "Open", created: dt.datetime
) -> dict[str, Any]:
    return {"key": key, "project": project, "type": type, "status": status, "created": created}


class FakeJira(FakeServer):
    def __init__(
        self, *, email: str, api_token: str, issues: list[dict[str, Any]], now: dt.datetime
    ) -> None:
        super().__init__()
        self.credentials = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        self.issues = issues
        self.now = now

    def answer(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Basic {self.credentials}":
            return Answer(
                401,
                {
                    "errorMessages": ["Client must be authenticated to access this resource."],
                    "errors": {},
                },
            )
        if seen.path == "/rest/api/3/search":
            return Answer(410, {"errorMessages": ["The requested API has been removed."]})
        if seen.path != "/rest/api/3/search/approximate-count" or seen.method != "POST":
            return Answer(404, {"errorMessages": ["Not found"], "errors": {}})
        jql = (seen.body or {}).get("jql", "") if isinstance(seen.body, dict) else ""
        if not jql.strip():
            return Answer(
                400,
                {
                    "errorMessages": [
                        "Unbounded JQL queries are not allowed here. "
                        "Please add a search restriction to your "
                        "query."
                    ],
                    "errors": {},
                },
            )
        count = 0
        for candidate in self.issues:
            verdict = self._matches(candidate, jql)
            if isinstance(verdict, Answer):
                return verdict
            count += verdict
        return Answer(200, {"count": count})

    def _matches(self, candidate: dict[str, Any], jql: str) -> bool | Answer:
        for clause in re.split(r"\s+AND\s+", jql.strip(), flags=re.IGNORECASE):
            match = re.match(r"^(\w+)\s*(>=|=)\s*\"?([^\"]+?)\"?$", clause.strip())
            if match is None:
                return Answer(
                    400, {"errorMessages": [f"Error in the JQL Query: '{clause}'"], "errors": {}}
                )
            field, operator, value = match.groups()
            if field == "created" and operator == ">=":
                days = _RELATIVE.match(value)
                if days is None:
                    return Answer(400, {"errorMessages": [f"bad date '{value}'"], "errors": {}})
                if candidate["created"] < self.now - dt.timedelta(days=int(days.group(1))):
                    return False
            elif field in ("project", "type", "status") and operator == "=":
                if candidate[field].lower() != value.lower():
                    return False
            else:
                return Answer(
                    400,
                    {
                        "errorMessages": [
                            f"Field '{field}' does not exist or you "
                            "do not have permission to view it."
                        ],
                        "errors": {},
                    },
                )
        return True

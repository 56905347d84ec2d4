"""A local Jira Cloud REST API v3: POST /rest/api/3/search/approximate-count and
GET /rest/api/3/issue/{KEY}.

Basic auth with email and API token. The count: body `{"jql": ...}`, answer `{"count": N}`;
understands `field = value` and `created >= -Nd` clauses joined by AND; refuses an unbounded
query the way Jira does (400 with `errorMessages`). The retired GET /rest/api/3/search answers
410 Gone. An issue: its `fields` as Jira Cloud gives them, `issuetype` with its
`hierarchyLevel` (epic 1, story, task and bug 0, sub-task -1) and `parent` with the parent's
key and its own summary, status and issuetype; an unknown key answers Jira's 404.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

from tests.fakes.http_json import Answer, FakeServer, Seen

_RELATIVE = re.compile(r"^-(\d+)d$")


LEVELS = {"Epic": 1, "Sub-task": -1}


def issue(
    key: str,
    *,
    project: str,
    type: str = "Bug",
    status: str = "Open",
    created: dt.datetime,
    parent: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "project": project,
        "type": type,
        "status": status,
        "created": created,
        "parent": parent,
    }


class FakeJira(FakeServer):
    def __init__(
        self, *, email: str, api_token: str, issues: list[dict[str, Any]], now: dt.datetime
    ) -> None:
        super().__init__()
        self.credentials = base64.b64encode(f"{email}:{api_token}".encode()).decode()
        self.issues = issues
        self.now = now
        self.down = False  # answers 503, as Jira does during an outage

    def answer(self, seen: Seen) -> Answer:
        if self.down:
            return Answer(503, {"errorMessages": ["Service Unavailable"], "errors": {}})
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
        if seen.path.startswith("/rest/api/3/issue/") and seen.method == "GET":
            return self._issue(seen.path.removeprefix("/rest/api/3/issue/"))
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

    def _by_key(self, key: str) -> dict[str, Any] | None:
        return next((i for i in self.issues if i["key"] == key), None)

    def _type(self, found: dict[str, Any]) -> dict[str, Any]:
        level = LEVELS.get(found["type"], 0)
        return {"name": found["type"], "subtask": level == -1, "hierarchyLevel": level}

    def _issue(self, key: str) -> Answer:
        found = self._by_key(key)
        if found is None:
            return Answer(
                404,
                {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                },
            )
        fields: dict[str, Any] = {"issuetype": self._type(found)}
        parent = self._by_key(found["parent"]) if found["parent"] else None
        if parent is not None:
            fields["parent"] = {
                "id": str(10000 + self.issues.index(parent)),
                "key": parent["key"],
                "self": f"{self.url}/rest/api/3/issue/{parent['key']}",
                "fields": {
                    "summary": f"{parent['key']} summary",
                    "status": {"name": parent["status"]},
                    "issuetype": self._type(parent),
                },
            }
        return Answer(
            200,
            {
                "id": str(10000 + self.issues.index(found)),
                "key": found["key"],
                "self": f"{self.url}/rest/api/3/issue/{found['key']}",
                "fields": fields,
            },
        )

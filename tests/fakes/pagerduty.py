"""A local PagerDuty REST API v2: GET /incidents with its filters, pagination and `total`.

Speaks the real shapes: `Authorization: Token token=KEY`, `since`/`until` on created_at,
`statuses[]`, `service_ids[]`, `team_ids[]`, `urgencies[]`, `limit`/`offset`/`total=true`, and
PagerDuty's error body `{"error": {"message", "code"}}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.fakes.http_json import Answer, FakeServer, Seen


def incident(
    number: int,
    created: dt.datetime,
    *,
    service: str = "PSHOP",
    status: str = "resolved",
    urgency: str = "high",
    team: str = "PTEAM",
) -> dict[str, Any]:
    return {
        "id": f"Q{number:05d}",
        "type": "incident",
        "incident_number": number,
        "created_at": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": status,
        "urgency": urgency,
        "service": {"id": service, "type": "service_reference"},
        "teams": [{"id": team, "type": "team_reference"}],
    }


class FakePagerDuty(FakeServer):
    def __init__(self, *, token: str, incidents: list[dict[str, Any]]) -> None:
        super().__init__()
        self.token = token
        self.incidents = incidents

    def answer(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Token token={self.token}":
            return Answer(401, {"error": {"message": "Authentication failed", "code": 2006}})
        if seen.path != "/incidents" or seen.method != "GET":
            return Answer(404, {"error": {"message": "Not Found", "code": 2100}})
        q = seen.query
        try:
            since = dt.datetime.fromisoformat(q["since"][0])
            until = dt.datetime.fromisoformat(q["until"][0])
        except (KeyError, ValueError):
            return Answer(400, {"error": {"message": "Invalid Input Provided", "code": 2001}})
        found = []
        for item in self.incidents:
            created = dt.datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
            if not since <= created < until:
                continue
            if "statuses[]" in q and item["status"] not in q["statuses[]"]:
                continue
            if "service_ids[]" in q and item["service"]["id"] not in q["service_ids[]"]:
                continue
            if "urgencies[]" in q and item["urgency"] not in q["urgencies[]"]:
                continue
            if "team_ids[]" in q and not {t["id"] for t in item["teams"]} & set(q["team_ids[]"]):
                continue
            found.append(item)
        limit = int(q.get("limit", ["25"])[0])
        offset = int(q.get("offset", ["0"])[0])
        total = len(found) if q.get("total", ["false"])[0] == "true" else None
        return Answer(
            200,
            {
                "incidents": found[offset : offset + limit],
                "limit": limit,
                "offset": offset,
                "total": total,
                "more": offset + limit < len(found),
            },
        )

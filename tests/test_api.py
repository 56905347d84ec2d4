"""The HTTP API answers every route with the documented fields."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry

KR_FIELDS = {
    "ref", "key", "title", "owner", "kind", "unit", "baseline", "target", "current", "progress",
    "score", "expected", "pace", "confidence", "status", "stale", "forecast", "forecast_score",
}  # fmt: skip
OBJECTIVE_FIELDS = {"key", "title", "level", "team", "owner", "score", "status", "key_results"}


def checkin(world, kr, value, days_ago, confidence=None, note=""):
    return CheckIn.objects.create(
        key_result=kr,
        value=value,
        confidence=confidence,
        note=note,
        author=kr.owner,
        source="web",
        at=dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC) - dt.timedelta(days=days_ago),
    )


def test_openapi_document_is_valid_and_lists_the_routes(client: Client, db) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    paths = set(document["paths"])
    assert {
        "/api/v1/cycles",
        "/api/v1/objectives",
        "/api/v1/objectives/{key}",
        "/api/v1/key-results/{ref}",
        "/api/v1/key-results/{ref}/check-ins",
        "/api/v1/dashboard",
        "/api/v1/alignment",
    } <= paths
    assert client.get("/api/v1/docs").status_code == 200


def test_anonymous_requests_are_refused_with_json(client: Client, world) -> None:
    response = client.get("/api/v1/objectives")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("not signed in: send Authorization: Bearer")
    assert response["WWW-Authenticate"] == "Bearer"
    wrong = Client(headers={"Authorization": "Bearer okrs_not-a-real-token"})
    assert wrong.get("/api/v1/cycles").status_code == 401


def test_revoked_token_is_refused(world) -> None:
    from django.utils import timezone

    from okrs.org.models import ApiToken

    row, token = ApiToken.issue(world.member, "laptop")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/cycles").status_code == 200
    row.revoked_at = timezone.now()
    row.save()
    assert client.get("/api/v1/cycles").status_code == 401


def test_cycles(world) -> None:
    body = world.client_for(world.viewer).get("/api/v1/cycles").json()
    assert [c["key"] for c in body] == ["2026-Q4"]
    assert body[0]["start"] == "2026-10-01" and body[0]["end"] == "2026-12-31"


def test_objectives_have_scores_and_statuses(world) -> None:
    checkin(world, world.lead_time, 51, days_ago=2, confidence="on_track", note="canary live")
    client = world.client_for(world.viewer)
    body = client.get("/api/v1/objectives", {"cycle": "2026-Q4", "as_of": "2026-11-16"}).json()
    assert body["cycle"] == "2026-Q4"
    assert body["as_of"].startswith("2026-11-16T23:59:59")
    by_key = {o["key"]: o for o in body["objectives"]}
    platform = by_key["deploys-advantage"]
    assert set(platform) >= OBJECTIVE_FIELDS
    assert platform["team"] == "platform" and platform["owner"] == "lena@acme.test"
    lead_time = platform["key_results"][0]
    assert set(lead_time) >= KR_FIELDS
    assert lead_time["ref"] == "deploys-advantage/lead-time"
    assert lead_time["current"] == 51
    assert lead_time["score"] == pytest.approx(0.5)
    assert lead_time["status"] == "on_track" and lead_time["confidence"] == "on_track"
    # Change failure rate has no value and no baseline: score 0, off track by pace.
    assert platform["key_results"][1]["current"] is None
    assert platform["key_results"][1]["status"] == "off_track"
    assert platform["status"] == "off_track"
    assert platform["score"] == pytest.approx(0.25)
    # The company goal rolls up its two aligned team objectives (weight 1 each).
    company = by_key["grow-self-serve"]
    assert company["score"] == pytest.approx((0.25 + 0.0) / 2)

    only_platform = client.get("/api/v1/objectives", {"team": "engineering", "level": "team"})
    assert {o["key"] for o in only_platform.json()["objectives"]} == {
        "deploys-advantage",
        "checkout-conversion",
    }


def test_objective_detail_and_unknown_objective(world) -> None:
    client = world.client_for(world.viewer)
    body = client.get("/api/v1/objectives/deploys-advantage").json()
    assert body["cycle"] == "2026-Q4"
    assert body["aligns_to"] == "grow-self-serve"
    assert [k["key"] for k in body["key_results"]] == ["lead-time", "change-failure-rate"]
    assert body["initiatives"] == []
    missing = client.get("/api/v1/objectives/nope")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_key_result_by_encoded_ref_or_id_with_history(world) -> None:
    checkin(world, world.lead_time, 80, days_ago=14, note="pipeline cache")
    checkin(world, world.lead_time, 60, days_ago=7, confidence="at_risk", note="flaky tests")
    client = world.client_for(world.viewer)
    by_ref = client.get("/api/v1/key-results/deploys-advantage%2Flead-time")
    assert by_ref.status_code == 200
    body = by_ref.json()
    assert body["ref"] == "deploys-advantage/lead-time"
    assert [(h["value"], h["note"], h["author"]) for h in body["history"]] == [
        (80, "pipeline cache", "maya@acme.test"),
        (60, "flaky tests", "maya@acme.test"),
    ]
    by_id = client.get(f"/api/v1/key-results/{world.lead_time.pk}").json()
    assert by_id["ref"] == body["ref"]
    assert client.get("/api/v1/key-results/deploys-advantage%2Fnope").status_code == 404
    assert client.get("/api/v1/key-results/no-slash").status_code == 400


def test_checkin_returns_the_new_status_and_is_audited(world) -> None:
    client = world.client_for(world.member)
    response = client.post(
        "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins",
        {"value": 20, "confidence": "at_risk", "note": "waiting on the new runners"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["check_in"]["value"] == 20
    assert body["check_in"]["source"] == "api"
    assert body["check_in"]["author"] == "maya@acme.test"
    assert body["key_result"]["current"] == 20
    assert body["key_result"]["status"] == "at_risk"
    entry = AuditEntry.objects.get(entity="checkin")
    assert entry.actor == world.member and entry.channel == "api"
    assert entry.after is not None
    assert entry.after["value"] == 20 and entry.ref == "deploys-advantage/lead-time"


def test_no_change_checkin_keeps_the_value(world) -> None:
    checkin(world, world.lead_time, 40, days_ago=3)
    client = world.client_for(world.member)
    response = client.post(
        f"/api/v1/key-results/{world.lead_time.pk}/check-ins",
        {"confidence": "on_track"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["check_in"]["value"] == 40


@pytest.mark.parametrize(
    ("body", "status", "phrase"),
    [
        ({"value": 1, "confidence": "great"}, 422, "Input should be 'on_track', 'at_risk'"),
        ({"value": "lots"}, 422, None),
        ({"confidence": "on_track"}, 422, "has no value yet"),
    ],
)
def test_bad_checkins_get_a_4xx_and_change_nothing(world, body, status, phrase) -> None:
    client = world.client_for(world.member)
    response = client.post(
        "/api/v1/key-results/deploys-advantage%2Fchange-failure-rate/check-ins",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == status
    assert "detail" in response.json()
    if phrase:
        assert phrase in json.dumps(response.json()["detail"])
    assert CheckIn.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_malformed_json_is_a_4xx(world) -> None:
    client = world.client_for(world.member)
    response = client.post(
        "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins",
        "{not json",
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert CheckIn.objects.count() == 0


def test_bad_query_parameters(world) -> None:
    client = world.client_for(world.viewer)
    assert client.get("/api/v1/objectives", {"cycle": "1999-Q1"}).status_code == 404
    assert client.get("/api/v1/objectives", {"as_of": "yesterday"}).status_code == 400
    assert client.get("/api/v1/objectives", {"level": "galaxy"}).status_code == 400
    assert client.get("/api/v1/dashboard", {"team": "nope"}).status_code == 404


def test_dashboard(world) -> None:
    checkin(world, world.lead_time, 90, days_ago=9, confidence="on_track")
    checkin(world, world.lead_time, 51, days_ago=1, confidence="on_track", note="canary live")
    checkin(world, world.conversion, 2.1, days_ago=12, confidence="on_track")
    client = world.client_for(world.viewer)
    body = client.get("/api/v1/dashboard", {"cycle": "2026-Q4", "as_of": "2026-11-16"}).json()
    assert body["counts"]["key_results"] == {"on_track": 1, "at_risk": 0, "off_track": 2}
    attention = {row["ref"]: row for row in body["needs_attention"]}
    assert "deploys-advantage/lead-time" not in attention
    assert attention["checkout-conversion/conversion"]["reasons"][0] == "off_track"
    assert "stale" in attention["checkout-conversion/conversion"]["reasons"]
    severities = [row["severity"] for row in body["needs_attention"]]
    assert severities == sorted(severities, reverse=True)
    moved = body["what_moved"][0]
    assert moved["ref"] == "deploys-advantage/lead-time"
    assert moved["change"] == pytest.approx(0.5 - 6 / 90)
    assert moved["note"] == "canary live"
    teams = {row["team"]: row for row in body["teams"]}
    assert set(teams) == {"engineering", "platform", "checkout"}
    # Monday 16 November: platform's lead-time was checked in on the 15th (before the week's
    # check-in day), so nobody has checked in yet this week.
    assert teams["platform"]["checkin_compliance"]["due"] == 2
    assert teams["platform"]["objectives"][0]["key"] == "deploys-advantage"
    team_only = client.get("/api/v1/dashboard", {"team": "checkout", "as_of": "2026-11-16"})
    assert [row["team"] for row in team_only.json()["teams"]] == ["checkout"]


def test_alignment_tree_and_orphans(world) -> None:
    from okrs.goals.models import Initiative, Objective

    Objective.objects.create(
        key="lonely", cycle=world.cycle, level="team", team=world.platform,
        title="An objective aligned to nothing", owner=world.platform_lead,
    )  # fmt: skip
    Initiative.objects.create(
        objective=world.platform_objective, key="canary", title="Canary deployments",
        key_result=world.lead_time, status="in_progress",
    )  # fmt: skip
    body = world.client_for(world.viewer).get("/api/v1/alignment").json()
    ids = {n["id"] for n in body["nodes"]}
    assert {
        "objective:grow-self-serve",
        "objective:deploys-advantage",
        "key_result:deploys-advantage/lead-time",
        "initiative:deploys-advantage/canary",
    } <= ids
    edges = {(e["from"], e["to"], e["kind"]) for e in body["edges"]}
    assert ("objective:grow-self-serve", "objective:deploys-advantage", "aligns_to") in edges
    assert (
        "key_result:deploys-advantage/lead-time",
        "initiative:deploys-advantage/canary",
        "initiative",
    ) in edges
    assert body["orphans"] == ["lonely"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/key-results/%C2%B2",  # a superscript two is a digit to Python, not an id
        "/api/v1/key-results/" + "9" * 400,
        "/api/v1/objectives?as_of=9999-12-31",
        "/api/v1/objectives?as_of=0001-01-01T00:00%2B05:00",
        "/api/v1/dashboard?as_of=0001-01-03",
    ],
)
def test_odd_references_and_instants_are_4xx_not_500(world, url) -> None:
    response = world.client_for(world.viewer).get(url)
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_unknown_api_routes_answer_in_json(world) -> None:
    response = world.client_for(world.viewer).get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "no such API route: /api/v1/no/such/thing"}


def test_every_answer_carries_a_content_security_policy(world, client) -> None:
    for response in (
        client.get("/api/v1/docs"),
        world.client_for(world.viewer).get("/api/v1/cycles"),
    ):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("body", ["[]", "null", "[1, 2]"])
def test_a_checkin_body_must_be_an_object(world, body) -> None:
    response = world.client_for(world.member).post(
        "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins",
        body,
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert CheckIn.objects.count() == 0


def test_a_nul_character_in_a_note_is_refused(world) -> None:
    response = world.client_for(world.member).post(
        "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins",
        {"value": 5, "note": "bad\u0000byte"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
    assert CheckIn.objects.count() == 0


def test_no_change_on_a_milestone_without_history_records_not_done(world) -> None:
    from okrs.goals.models import KeyResult

    KeyResult.objects.create(
        objective=world.platform_objective, key="runbook", title="Runbook published",
        owner=world.member, kind="milestone",
    )  # fmt: skip
    response = world.client_for(world.member).post(
        "/api/v1/key-results/deploys-advantage%2Frunbook/check-ins",
        {"confidence": "at_risk"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["check_in"]["value"] == 0


def test_credentials_in_a_source_are_never_shown(world) -> None:
    world.lead_time.source = {
        "kind": "http_json",
        "metric": "p95",
        "url": "https://reader:s3cret@metrics.acme.test:8443/api?access_token=tok-456",
        "api_token": "tok-123",
        "headers": [{"name": "Authorization", "value": "Bearer tok-789"}],
    }
    world.lead_time.save()
    body = world.client_for(world.viewer).get("/api/v1/key-results/deploys-advantage%2Flead-time")
    text = body.content.decode()
    for secret in ("s3cret", "tok-123", "tok-456", "tok-789"):
        assert secret not in text
    source = body.json()["source"]
    assert (source["kind"], source["metric"]) == ("http_json", "p95")
    assert source["url"] == "(hidden)" and source["headers"] == "(hidden)"


def test_the_audit_log_keeps_no_source_credentials(world) -> None:
    from okrs.org.audit import snapshot

    world.lead_time.source = {"kind": "sql", "dsn": "postgresql://u:s3cret@db/x"}
    assert "s3cret" not in str(snapshot(world.lead_time))


def test_a_progress_too_large_for_json_is_null(world) -> None:
    world.conversion.baseline, world.conversion.target = 0, 1e-300
    world.conversion.save()
    checkin(world, world.conversion, 1e300, days_ago=1)
    body = world.client_for(world.viewer).get(
        "/api/v1/key-results/checkout-conversion%2Fconversion"
    )
    assert body.status_code == 200
    assert body.json()["progress"] is None and body.json()["score"] == 1


def test_a_teams_alignment_shows_the_goal_it_serves_as_context(world) -> None:
    body = world.client_for(world.viewer).get("/api/v1/alignment", {"team": "platform"}).json()
    ids = {node["id"]: node for node in body["nodes"]}
    assert ids["objective:grow-self-serve"]["context"] is True
    assert ids["objective:deploys-advantage"]["context"] is False
    for edge in body["edges"]:
        assert edge["from"] in ids and edge["to"] in ids


def test_the_front_door_asks_a_stranger_to_sign_in(client: Client, db) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"

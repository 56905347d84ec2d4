"""GET /api/v1/dora/detail: beside every figure, the rows it was computed from."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from django.test import Client

from okrs.metrics.delivery import dora_detail
from tests.conftest import World
from tests.dora import factory as f
from tests.dora.conftest import Delivery

NOVEMBER = "from=2026-11-02&to=2026-11-16"


def get(client: Client, query: str) -> tuple[int, dict[str, Any]]:
    response = client.get(f"/api/v1/dora/detail?{query}")
    return response.status_code, response.json()


def test_the_rows_add_up_to_the_figures(world: World, delivery: Delivery) -> None:
    client = world.client_for(world.viewer)
    for scope in ("service=checkout", "team=engineering", "service=platform-api", ""):
        status, body = get(client, f"{scope}&{NOVEMBER}")
        assert status == 200
        _, figures = 200, client.get(f"/api/v1/dora?{scope}&{NOVEMBER}").json()
        # The figures are /api/v1/dora's, unchanged.
        assert {k: v for k, v in body.items() if k != "detail"} == figures
        detail = body["detail"]
        deployments = detail["deployments"]["rows"]
        assert detail["deployments"]["total"] == len(deployments)
        assert len(deployments) == figures["deployment_frequency"]["deployments"]
        failed = [row for row in deployments if row["failed"]]
        assert len(failed) == figures["change_failure_rate"]["failed_deployments"]
        assert detail["failures"]["failed_deployments"] == len(failed)
        assert detail["failures"]["total"] == figures["recovery_time"]["failures"]
        leads = [c["lead_hours"] for row in deployments for c in row["changes"]]
        assert len(leads) == figures["lead_time"]["changes"]
        if leads:
            assert round(statistics.median(leads), 3) == figures["lead_time"]["median_hours"]
        recoveries = [
            r["recovery_hours"]
            for r in detail["failures"]["rows"]
            if r["recovery_hours"] is not None
        ]
        if recoveries:
            assert (
                round(statistics.median(recoveries), 3) == figures["recovery_time"]["median_hours"]
            )
        remediations = [row for row in deployments if row["remediation"]]
        assert len(remediations) == figures["rework_rate"]["remediation_deployments"]
        assert detail["remediations"]["total"] == len(remediations)


def test_each_failure_says_what_made_it_one(world: World, delivery: Delivery) -> None:
    _, body = get(world.client_for(world.viewer), f"team=engineering&{NOVEMBER}")
    failures = {row["deployment"]["service"]: row for row in body["detail"]["failures"]["rows"]}
    # checkout's deployment of the 3rd, hotfixed the next morning with no incident open: rule 3.
    hotfixed = failures["checkout"]
    assert hotfixed["cause"] == "previous_deployment"
    assert hotfixed["remediation"]["finished_at"] == "2026-11-04T09:00:00Z"
    assert hotfixed["deployment"]["finished_at"] == "2026-11-03T10:00:00Z"
    assert hotfixed["recovery_hours"] == 23.0
    assert hotfixed["incident"] is None
    # platform-api's deployment of the 12th: the incident attributed to it.
    broke = failures["platform-api"]
    assert broke["cause"] == "incident"
    assert broke["incident"]["attribution"] == "explicit"
    assert broke["incident"]["title"] == "Checkout errors"
    assert (broke["began_at"], broke["resolved_at"]) == (
        "2026-11-12T13:00:00Z",
        "2026-11-12T15:30:00Z",
    )
    assert broke["recovery_hours"] == 2.5
    (remediation,) = body["detail"]["remediations"]["rows"]
    assert remediation["rule"] == "previous_deployment"
    assert remediation["marks"]["finished_at"] == "2026-11-03T10:00:00Z"


def test_a_remediation_during_an_incident_says_so(world: World) -> None:
    shop = f.service("shop")
    a = f.deploy(shop, "2026-11-16T10:00")
    incident = f.incident(shop, "2026-11-16T10:30", "2026-11-16T11:31", a)
    f.deploy(shop, "2026-11-16T11:00")
    f.deploy(shop, "2026-11-16T11:30", remediation="hotfix")

    _, body = get(world.client_for(world.viewer), "service=shop&from=2026-11-16&to=2026-11-17")
    (remediation,) = body["detail"]["remediations"]["rows"]
    assert remediation["rule"] == "open_incident"
    assert remediation["incident"]["id"] == incident.external_id
    assert remediation["marks"] is None
    (failure,) = body["detail"]["failures"]["rows"]
    assert failure["deployment"]["id"] == a.external_id
    assert body["change_failure_rate"]["failed_deployments"] == 1


def test_a_busy_window_comes_in_pages_with_its_totals(
    world: World, django_assert_max_num_queries: Any
) -> None:
    busy = f.service("busy")
    for n in range(30):
        f.deploy(
            busy, f"2026-11-{2 + n // 10:02d}T{8 + n % 10:02d}:00", commits=("2026-11-01T10:00",)
        )
    client = world.client_for(world.viewer)
    query = "service=busy&from=2026-11-02&to=2026-11-16&limit=12"
    with django_assert_max_num_queries(30):
        status, first = get(client, query)
    assert status == 200
    assert first["detail"]["deployments"]["total"] == 30
    assert len(first["detail"]["deployments"]["rows"]) == 12
    _, last = get(client, query + "&offset=24")
    assert len(last["detail"]["deployments"]["rows"]) == 6
    seen = {row["id"] for page in (first, last) for row in page["detail"]["deployments"]["rows"]}
    assert len(seen) == 18


def test_the_query_count_does_not_grow_with_the_window(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    busy = f.service("busy")
    client = world.client_for(world.viewer)
    get(client, "service=busy")  # the first request of a session also reads the session
    counts = []
    for total in (5, 60):  # each with hotfixes
        while busy.deployments.count() < total:
            n = busy.deployments.count()
            f.deploy(
                busy,
                f"2026-11-{2 + n // 10:02d}T{8 + n % 10:02d}:00",
                remediation="hotfix" if n % 7 == 3 else "",
                commits=("2026-11-01T10:00",),
            )
        with CaptureQueriesContext(connection) as captured:
            status, _ = get(client, "service=busy&from=2026-11-02&to=2026-11-16&limit=500")
        assert status == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("service=checkout&limit=0", 400),
        ("service=checkout&limit=501", 400),
        ("service=checkout&limit=many", 400),
        ("service=checkout&offset=-1", 400),
        ("service=checkout&from=yesterday", 400),
        ("service=checkout&team=checkout", 400),
        ("service=nope", 404),
    ],
)
def test_bad_parameters_are_refused_with_a_reason(
    world: World, delivery: Delivery, query: str, status: int
) -> None:
    got, body = get(world.client_for(world.viewer), query)
    assert got == status
    assert body["detail"]


def test_the_detail_needs_a_signed_in_person(delivery: Delivery) -> None:
    assert Client().get(f"/api/v1/dora/detail?service=checkout&{NOVEMBER}").status_code == 401


def test_a_page_parameter_out_of_range_is_refused() -> None:
    with pytest.raises(dora_detail.DoraQueryInvalid, match="limit"):
        dora_detail.parse_page("0", None)
    with pytest.raises(dora_detail.DoraQueryInvalid, match="offset"):
        dora_detail.parse_page(None, "-3")
    assert dora_detail.parse_page(None, None) == dora_detail.Page(100, 0)


def test_the_openapi_document_describes_the_detail_route(world: World) -> None:
    schema = world.client_for(world.viewer).get("/api/v1/openapi.json").json()
    route = schema["paths"]["/api/v1/dora/detail"]["get"]
    assert route["operationId"] == "okrs_delivery_api_dora_detail"
    limit = next(p for p in route["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["type"], limit["schema"]["maximum"]) == ("integer", 500)
    assert {p["name"] for p in route["parameters"]} >= {
        "service",
        "team",
        "from",
        "to",
        "limit",
        "offset",
    }
    # The figures' route is unchanged.
    assert schema["paths"]["/api/v1/dora"]["get"]["operationId"] == "okrs_delivery_api_dora_dora"

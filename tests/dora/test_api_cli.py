"""GET /api/v1/dora and `okrs dora`: the same document, with clear errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from okrs.cli import main
from tests.conftest import World
from tests.dora.conftest import Delivery

NOVEMBER = "from=2026-11-02&to=2026-11-16"


def get(client: Client, query: str) -> tuple[int, dict[str, Any]]:
    response = client.get(f"/api/v1/dora?{query}")
    return response.status_code, response.json()


def test_the_api_gives_the_five_metrics_with_bands(world: World, delivery: Delivery) -> None:
    status, body = get(world.client_for(world.viewer), f"service=checkout&{NOVEMBER}")
    assert status == 200
    assert body["scope"] == {
        "kind": "service",
        "key": "checkout",
        "name": "Checkout",
        "team": "checkout",
    }
    assert body["window"] == {
        "from": "2026-11-02T00:00:00Z",
        "to": "2026-11-16T00:00:00Z",
        "days": 14,
    }
    assert body["timezone"] == "Europe/London"
    assert body["deployment_frequency"] == {
        "per_day": round(4 / 14, 3),
        "per_week": 2.0,
        "deployments": 4,
        "deploy_days_per_week": 2.0,
        "whole_weeks": 2,
        "band": "high",
    }
    assert body["lead_time"] == {
        "median_hours": 24.0,
        "p90_hours": 96.0,
        "changes": 3,
        "band": "high",
    }
    assert body["change_failure_rate"] == {
        "percent": 25.0,
        "failed_deployments": 1,
        "deployments": 4,
        "band": "low",
    }
    assert body["recovery_time"] == {
        "median_hours": 23.0,
        "p90_hours": 23.0,
        "failures": 1,
        "unresolved": 0,
        "band": "high",
    }
    assert body["rework_rate"] == {
        "percent": 25.0,
        "remediation_deployments": 1,
        "deployments": 4,
        "band": None,
    }
    assert "2023" in body["bands_source"]


def test_the_api_reads_a_team_and_the_organisation(world: World, delivery: Delivery) -> None:
    client = world.client_for(world.member)
    status, body = get(client, f"team=engineering&{NOVEMBER}")
    assert status == 200
    assert body["services"] == ["checkout", "platform-api"]
    assert body["change_failure_rate"]["failed_deployments"] == 2
    status, body = get(client, NOVEMBER)
    assert (status, body["scope"]["kind"], body["services"]) == (
        200,
        "organisation",
        ["checkout", "platform-api", "search"],
    )


@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("service=nope", 404, "no service 'nope'"),
        ("team=nope", 404, "no team 'nope'"),
        ("from=2026-11-16&to=2026-11-02", 400, "before"),
        ("from=2026-11-02&to=2026-11-02", 400, "before"),
        ("from=yesterday", 400, "not an ISO date"),
        ("service=checkout&team=checkout", 400, "not both"),
    ],
)
def test_the_api_refuses_bad_queries_with_a_reason(
    world: World, delivery: Delivery, query: str, status: int, detail: str
) -> None:
    got_status, body = get(world.client_for(world.viewer), query)
    assert got_status == status
    assert detail in body["detail"]


def test_the_api_needs_a_signed_in_person(delivery: Delivery) -> None:
    assert Client().get("/api/v1/dora").status_code == 401


def test_the_cli_prints_what_the_api_gives(world: World, delivery: Delivery, capsys: Any) -> None:
    code = main(
        [
            "dora",
            "--team",
            "platform",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-16",
            "--format",
            "json",
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0
    _, api = get(world.client_for(world.viewer), f"team=platform&{NOVEMBER}")
    assert json.loads(out) == api


def test_the_cli_text_is_for_people(delivery: Delivery, capsys: Any) -> None:
    code = main(["dora", "--service", "checkout", "--from", "2026-11-02", "--to", "2026-11-16"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "DORA metrics for service checkout (Checkout)" in out
    assert "change lead time         median 24 h, p90 4 days (3 changes)  [high]" in out
    assert "change failure rate      25% (1 of 4 deployments)  [low]" in out
    assert "24.0 h" not in out and "25.0%" not in out


def test_the_cli_says_in_words_what_it_could_not_measure(delivery: Delivery, capsys: Any) -> None:
    code = main(["dora", "--service", "search", "--from", "2026-11-02", "--to", "2026-11-16"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "change lead time         no changes (0 changes)  [no band]" in out
    assert "recovery time            no failures (0 failures)  [no band]" in out
    assert " - " not in out and "-," not in out


def test_the_cli_reports_errors_in_one_line(delivery: Delivery, capsys: Any) -> None:
    assert main(["dora", "--service", "nope"]) == 1
    assert "okrs: no service 'nope'" in capsys.readouterr().err
    assert main(["dora", "--from", "2026-11-16", "--to", "2026-11-01"]) == 2
    assert "before" in capsys.readouterr().err


def test_the_openapi_document_describes_the_route(world: World) -> None:
    response = world.client_for(world.viewer).get("/api/v1/openapi.json")
    operation = response.json()["paths"]["/api/v1/dora"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"service", "team", "from", "to"}
    assert set(operation["responses"]) >= {"200", "400", "404"}


ENGINEERING = ["dora", "--team", "engineering", "--from", "2026-11-02", "--to", "2026-11-16"]


def test_the_cli_detail_prints_what_the_detail_api_gives(
    world: World, delivery: Delivery, capsys: Any
) -> None:
    code = main([*ENGINEERING, "--detail", "--limit", "2", "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    response = world.client_for(world.viewer).get(
        f"/api/v1/dora/detail?team=engineering&{NOVEMBER}&limit=2"
    )
    assert json.loads(out) == response.json()


def test_the_cli_detail_reads_the_rows_once(delivery: Delivery, capsys: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.metrics.delivery.dora_detail import dora_detail_document

    with CaptureQueriesContext(connection) as api:
        dora_detail_document(service=None, team="engineering", start="2026-11-02", end="2026-11-16")
    with CaptureQueriesContext(connection) as cli:
        assert main([*ENGINEERING, "--detail"]) == 0
    # The figures come from the detail's own document, not from a second report.
    assert len(cli.captured_queries) == len(api.captured_queries)


def test_the_cli_detail_says_why_each_deployment_failed(delivery: Delivery, capsys: Any) -> None:
    assert main([*ENGINEERING, "--detail"]) == 0
    out, _ = capsys.readouterr()
    # The figures first, then the rows behind them.
    assert "change failure rate      33.3% (2 of 6 deployments)  [low]" in out
    assert "Failed deployments and their recovery: 2 deployments failed, 2 failures" in out
    assert "why: an incident is attributed to it: incident i" in out
    assert '"Checkout errors", linked explicitly (the event named it)' in out
    # Instants to the minute in the scope's time zone (London: GMT in November), as on the page.
    assert "began 12 Nov 2026 13:00, resolved 12 Nov 2026 15:30, recovery 2.5 h" in out
    assert "why: marks the previous deployment, at most 7 days earlier (rule 3): remediation" in out
    assert "Remediations and the rule each fell under: 1 remediation\n" in out
    assert "Successful production deployments and their changes: 6 deployments\n" in out
    assert "(Checkout, finished 3 Nov 2026 10:00, failed)" in out
    assert "first commit 1 Nov 2026 10:00: lead time 24 h" in out
    assert "24.0 h" not in out and "4.0 days" not in out
    assert "first commit 6 Nov 2026 10:00: lead time 4 days" in out
    assert "window    2 Nov 2026 00:00 to 16 Nov 2026 00:00 (14 days" in out
    assert "2026-11-" not in out and "(checkout," not in out


def test_the_cli_detail_names_services_and_writes_times_in_the_scopes_time_zone(
    world: World, delivery: Delivery, capsys: Any
) -> None:
    world.platform.timezone = "America/New_York"  # EST, five hours behind, in November
    world.platform.save()
    delivery.platform_api.name = "Platform API"
    delivery.platform_api.save()
    from tests.dora import factory as f

    f.deploy(delivery.platform_api, "2026-11-13T14:07:40.069213")
    query = ["--service", "platform-api", "--from", "2026-11-02", "--to", "2026-11-16"]
    assert main(["dora", *query, "--detail"]) == 0
    out, _ = capsys.readouterr()
    assert "window    2 Nov 2026 00:00 to 16 Nov 2026 00:00 (14 days" in out
    assert "times and weeks in America/New_York" in out
    assert "(Platform API, finished 13 Nov 2026 09:07)" in out
    assert "began 12 Nov 2026 08:00, resolved 12 Nov 2026 10:30" in out
    assert "(platform-api," not in out and "2026-11-" not in out and ":40" not in out
    # The JSON stays the API's: the key, the name beside it, ISO instants.
    assert main(["dora", *query, "--detail", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr()[0])["detail"]["deployments"]["rows"]
    assert (rows[-1]["service"], rows[-1]["service_name"]) == ("platform-api", "Platform API")
    assert rows[-1]["finished_at"] == "2026-11-13T14:07:40.069213Z"


def test_the_cli_detail_comes_in_pages(delivery: Delivery, capsys: Any) -> None:
    assert main([*ENGINEERING, "--detail", "--limit", "2", "--offset", "2"]) == 0
    out, _ = capsys.readouterr()
    assert "6 deployments, rows 3 to 4 shown (--offset 4 for more)" in out
    assert "2 failures, none from row 3" in out
    assert main([*ENGINEERING, "--detail", "--limit", "0"]) == 2
    assert "limit must be between 1 and 500" in capsys.readouterr().err
    assert main([*ENGINEERING, "--limit", "2"]) == 2
    assert "--detail" in capsys.readouterr().err

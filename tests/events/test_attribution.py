"""Which deployment shipped a change, and which deployment caused an incident."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.config import ConfigError
from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import Change, Deployment, Incident, Service
from tests.events.conftest import encode, generic_headers

T0 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def at(hours: float) -> str:
    return (T0 + dt.timedelta(hours=hours)).isoformat()


@pytest.fixture
def checkout(db: None) -> Service:
    return Service.objects.create(key="checkout", name="Checkout")


@pytest.fixture
def send(secrets):
    def send(payload: dict[str, Any]) -> Any:
        body = encode(payload)
        return ingest(
            provider="generic", headers=generic_headers(body, secrets["generic"]), body=body
        )

    return send


def deploy(
    send,
    name: str,
    hours: float,
    *,
    status: str = "success",
    env: str = "production",
    commit: str = "",
    service: str = "checkout",
) -> None:
    result = send(
        {
            "id": f"{name}-{status}",
            "deployment_id": name,
            "type": "deployment",
            "service": service,
            "environment": env,
            "status": status,
            "finished_at": at(hours),
            "commit": commit or f"sha-{name}",
        }
    )
    assert result.outcome == "normalised", result.detail


def change(send, commit: str, hours: float) -> None:
    result = send(
        {
            "id": f"change-{commit}",
            "type": "change",
            "service": "checkout",
            "commit": commit,
            "first_commit_at": at(hours - 5),
            "merged_at": at(hours),
        }
    )
    assert result.outcome == "normalised", result.detail


def incident(send, name: str, hours: float, **extra: Any) -> Incident:
    result = send(
        {
            "id": f"incident-{name}",
            "incident_id": name,
            "type": "incident",
            "service": "checkout",
            "opened_at": at(hours),
            **extra,
        }
    )
    assert result.outcome == "normalised", result.detail
    return Incident.objects.get(external_id=name)


def cause(found: Incident) -> str | None:
    """The external id of the deployment the incident is attributed to, or None."""
    return found.caused_by.external_id if found.caused_by is not None else None


def shipped_by(commit: str) -> str | None:
    deployment = Change.objects.get(commit_sha=commit).deployment
    return deployment.external_id if deployment else None


# --- changes --------------------------------------------------------------------------------


def test_a_production_deployment_ships_the_changes_that_landed_before_it(send, checkout):
    change(send, "c1", 0)
    change(send, "c2", 1)
    deploy(send, "d1", 2)
    change(send, "c3", 3)

    assert (shipped_by("c1"), shipped_by("c2"), shipped_by("c3")) == ("d1", "d1", None)

    deploy(send, "d2", 4)
    assert (shipped_by("c1"), shipped_by("c3")) == ("d1", "d2")


def test_a_change_that_arrives_after_its_deployment_still_finds_it(send, checkout):
    deploy(send, "d1", 2)
    deploy(send, "d2", 4)
    change(send, "c3", 3)

    assert shipped_by("c3") == "d2"


def test_a_deployment_that_arrives_late_takes_the_changes_it_shipped(send, checkout):
    change(send, "c1", 0)
    change(send, "c2", 3)
    deploy(send, "d2", 4)  # arrives first, takes both
    deploy(send, "d1", 2)  # finished earlier: c1 was already live with it

    assert (shipped_by("c1"), shipped_by("c2")) == ("d1", "d2")


def test_failed_and_staging_deployments_ship_nothing(send, checkout):
    change(send, "c1", 0)
    deploy(send, "d1", 1, status="failure")
    deploy(send, "s1", 2, env="staging")

    assert shipped_by("c1") is None


def test_a_deployment_that_turns_out_failed_gives_its_changes_to_the_next(send, checkout):
    change(send, "c1", 0)
    deploy(send, "d1", 1)
    deploy(send, "d2", 2)
    assert shipped_by("c1") == "d1"

    # A later, final "failure" report for d1 (e.g. a re-run that failed the health check).
    deploy(send, "d1", 1.5, status="failure")

    assert shipped_by("c1") == "d2"


# --- incidents ------------------------------------------------------------------------------


def test_time_window_blames_the_latest_production_deployment_before(send, checkout):
    deploy(send, "d1", 0)
    deploy(send, "d2", 5)
    deploy(send, "s1", 6, env="staging")
    deploy(send, "f1", 6.5, status="failure")

    found = incident(send, "i1", 7)

    assert (cause(found), found.attribution) == ("d2", "time_window")


def test_no_deployment_within_24_hours_means_no_cause(send, checkout):
    deploy(send, "d1", 0)

    found = incident(send, "i1", 24.5)

    assert (found.caused_by, found.attribution) == (None, "none")


def test_the_window_is_configurable(send, checkout, monkeypatch):
    monkeypatch.setenv("OKRS_INCIDENT_ATTRIBUTION_HOURS", "48")
    deploy(send, "d1", 0)

    assert incident(send, "i1", 24.5).attribution == "time_window"


def test_a_bad_window_setting_is_a_clear_error(send, checkout, monkeypatch):
    deploy(send, "d1", 0)
    monkeypatch.setenv("OKRS_INCIDENT_ATTRIBUTION_HOURS", "a day")

    with pytest.raises(ConfigError, match="OKRS_INCIDENT_ATTRIBUTION_HOURS"):
        incident(send, "i1", 1)


def test_an_explicit_deployment_id_wins_over_the_time_window(send, checkout):
    deploy(send, "d1", 0)
    deploy(send, "d2", 5)

    found = incident(send, "i1", 6, deployment_id="d1")

    assert (cause(found), found.attribution) == ("d1", "explicit")


def test_an_explicit_commit_links_the_deployment_of_that_commit(send, checkout):
    deploy(send, "d1", 0, commit="abc123")
    deploy(send, "d2", 5, commit="def456")

    found = incident(send, "i1", 6, commit="abc123")

    assert (cause(found), found.attribution) == ("d1", "explicit")


def test_an_explicit_cause_that_arrives_later_replaces_the_guess(send, checkout):
    deploy(send, "d1", 0)
    found = incident(send, "i1", 1, deployment_id="hotpatch-9")
    assert found.attribution == "time_window"

    deploy(send, "hotpatch-9", 0.5, env="canary")

    found.refresh_from_db()
    assert (cause(found), found.attribution) == ("hotpatch-9", "explicit")


def test_a_deployment_that_arrives_after_the_incident_is_blamed(send, checkout):
    found = incident(send, "i1", 3)
    assert found.attribution == "none"

    deploy(send, "d1", 1)
    deploy(send, "d0", 0)  # older: does not take the blame from d1

    found.refresh_from_db()
    assert (cause(found), found.attribution) == ("d1", "time_window")


def test_other_services_deployments_are_never_blamed(send, checkout):
    Service.objects.create(key="billing", name="Billing")
    deploy(send, "b1", 0, service="billing")

    assert incident(send, "i1", 1).attribution == "none"


def test_when_the_blamed_deployment_fails_after_all_the_incident_is_judged_again(send, checkout):
    deploy(send, "d1", 0)
    deploy(send, "d2", 2)
    found = incident(send, "i1", 3)
    assert cause(found) == "d2"

    deploy(send, "d2", 2.5, status="failure")

    found.refresh_from_db()
    assert (cause(found), found.attribution) == ("d1", "time_window")
    assert Deployment.objects.get(external_id="d2").status == "failure"


def test_a_bad_window_setting_refuses_deliveries_over_http_and_stores_nothing(
    post, secrets, checkout, monkeypatch
):
    from okrs.metrics.delivery.models import RawEvent

    monkeypatch.setenv("OKRS_INCIDENT_ATTRIBUTION_HOURS", "-3")
    body = encode({"id": "i", "type": "incident", "service": "checkout", "opened_at": at(1)})

    response = post("generic", body, generic_headers(body, secrets["generic"]))

    assert response.status_code == 503
    assert "OKRS_INCIDENT_ATTRIBUTION_HOURS" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_the_system_check_reports_a_bad_window(monkeypatch):
    from okrs.metrics.delivery.ingest.config import check_ingestion_settings

    monkeypatch.setenv("OKRS_INCIDENT_ATTRIBUTION_HOURS", "nan")
    assert [e.id for e in check_ingestion_settings()] == ["okrs.metrics.delivery.E001"]
    monkeypatch.setenv("OKRS_INCIDENT_ATTRIBUTION_HOURS", "12")
    assert check_ingestion_settings() == []

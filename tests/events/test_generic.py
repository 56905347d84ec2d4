"""The generic JSON (docs/events.md), signed with X-Okrs-Timestamp and X-Okrs-Signature."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection

from okrs.metrics.delivery.models import (
    Change,
    Deployment,
    Incident,
    RawEvent,
    Service,
    ServiceAlias,
)
from okrs.metrics.delivery.signatures import generic_signature
from tests.events.conftest import encode, generic_headers


@pytest.fixture
def checkout(db: None) -> Service:
    return Service.objects.create(key="checkout", name="Checkout")


@pytest.fixture
def send(post, secrets):
    def send(payload: dict[str, Any], **kwargs: Any) -> Any:
        body = encode(payload)
        return post("generic", body, generic_headers(body, secrets["generic"], **kwargs))

    return send


DEPLOYMENT = {
    "id": "jenkins-4411",
    "type": "deployment",
    "service": "checkout",
    "environment": "production",
    "status": "success",
    "started_at": "2026-11-16T09:55:00Z",
    "finished_at": "2026-11-16T10:00:00Z",
    "commit": "4c1f0d9",
    "ref": "main",
}


def test_a_deployment_by_service_key(send, checkout):
    response = send(DEPLOYMENT)

    assert response.status_code == 200, response.json()
    deployment = Deployment.objects.get()
    assert deployment.service == checkout
    assert (deployment.provider, deployment.external_id) == ("generic", "jenkins-4411")
    assert (deployment.is_production, deployment.status, deployment.commit_sha) == (
        True,
        "success",
        "4c1f0d9",
    )


def test_a_generic_alias_maps_another_name(send, checkout):
    ServiceAlias.objects.create(provider="generic", external="shop-checkout", service=checkout)
    send(dict(DEPLOYMENT, service="Shop-Checkout"))

    assert Deployment.objects.get().service == checkout


def test_production_flag_overrides_the_environment_name(send, checkout):
    send(dict(DEPLOYMENT, environment="eu-live", production=True))

    assert Deployment.objects.get().is_production is True


def test_status_updates_share_a_deployment_id(send, checkout):
    send(dict(DEPLOYMENT, id="e-1", deployment_id="d-7", status="in_progress"))
    send(dict(DEPLOYMENT, id="e-2", deployment_id="d-7", status="failure"))

    deployment = Deployment.objects.get()
    assert (deployment.external_id, deployment.status) == ("d-7", "failure")


def test_a_change(send, checkout):
    response = send(
        {
            "id": "chg-1",
            "type": "change",
            "service": "checkout",
            "commit": "4c1f0d9",
            "first_commit_at": "2026-11-15T16:00:00+01:00",
            "merged_at": "2026-11-16T08:00:00Z",
            "pull_request": 81,
        }
    )

    assert response.status_code == 200
    change = Change.objects.get()
    assert (change.commit_sha, change.pull_request) == ("4c1f0d9", 81)
    assert change.first_commit_at.isoformat() == "2026-11-15T15:00:00+00:00"


def test_an_incident_opened_then_resolved(send, checkout):
    opened = {
        "id": "inc-7-open",
        "type": "incident",
        "service": "checkout",
        "incident_id": "INC-7",
        "title": "Payments failing",
        "opened_at": "2026-11-16T11:00:00Z",
    }
    send(opened)
    send(dict(opened, id="inc-7-resolved", status="resolved", resolved_at="2026-11-16T11:40:00Z"))

    incident = Incident.objects.get()
    assert incident.external_id == "INC-7"
    assert incident.resolved_at is not None
    assert incident.resolved_at.isoformat() == "2026-11-16T11:40:00+00:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "done"}, "status must be one of success, failure, error, in_progress"),
        ({"finished_at": "yesterday"}, "finished_at: 'yesterday' is not an ISO 8601 time"),
        ({"environment": None}, "environment is missing"),
        ({"remediation": "oops"}, "remediation must be hotfix, rollback or revert (or absent)"),
        ({"production": "yes"}, "production must be true or false"),
    ],
)
def test_a_bad_field_is_stored_as_invalid_with_the_reason(send, checkout, change, message):
    response = send(dict(DEPLOYMENT, **change))

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert RawEvent.objects.get().outcome == "invalid"
    assert Deployment.objects.count() == 0


def test_without_an_id_nothing_is_stored(send, checkout):
    payload = dict(DEPLOYMENT)
    del payload["id"]

    response = send(payload)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("`id` is required")
    assert RawEvent.objects.count() == 0


def test_an_unknown_type_is_stored_and_ignored(send, checkout):
    response = send({"id": "x-1", "type": "build", "service": "checkout"})

    assert response.status_code == 202
    assert RawEvent.objects.get().outcome == "ignored"


def test_an_unknown_service_is_unmapped(send, checkout):
    response = send(dict(DEPLOYMENT, service="billing"))

    assert response.status_code == 202
    assert response.json()["outcome"] == "unmapped"


def test_an_old_signature_cannot_be_replayed(send, checkout):
    response = send(DEPLOYMENT, timestamp=int(time.time()) - 3600)

    assert response.status_code == 401
    assert "X-Okrs-Timestamp" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_the_timestamp_is_covered_by_the_signature(post, secrets, checkout):
    body = encode(DEPLOYMENT)
    old = int(time.time()) - 3600
    headers = {
        "X-Okrs-Timestamp": str(int(time.time())),  # fresh timestamp, signature of an old one
        "X-Okrs-Signature": generic_signature(secrets["generic"], body, old),
    }

    assert post("generic", body, headers).status_code == 401
    assert RawEvent.objects.count() == 0


def test_a_wrong_secret_is_refused(post, secrets, checkout):
    body = encode(DEPLOYMENT)
    response = post("generic", body, generic_headers(body, "someone-else"))

    assert response.status_code == 401
    assert RawEvent.objects.count() == 0


def test_a_pull_request_number_out_of_range_is_invalid_not_a_crash(send, checkout):
    response = send(
        {
            "id": "chg-big",
            "type": "change",
            "service": "checkout",
            "commit": "abc",
            "first_commit_at": "2026-11-15T16:00:00Z",
            "pull_request": 10**12,
        }
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "pull_request is out of range"


def test_a_lone_surrogate_never_breaks_the_endpoint(post, secrets, checkout):
    body = b'{"id": "s-1", "type": "build", "service": "checkout", "note": "\\ud800"}'
    response = post("generic", body, generic_headers(body, secrets["generic"]))

    # SQLite stores it (an ignored type); PostgreSQL's jsonb refuses it: a 400, nothing stored.
    if connection.vendor == "postgresql":
        assert response.status_code == 400
        assert "cannot store" in response.json()["detail"]
        assert RawEvent.objects.count() == 0
    else:
        assert response.status_code == 202
        assert RawEvent.objects.count() == 1

"""A signed delivery holding NaN or Infinity (which Python's json reads, JSON does not have) is
refused with a 400 that says so, on SQLite and PostgreSQL alike, and nothing is stored."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from okrs.metrics.delivery.models import Change, Deployment, RawEvent, Service
from tests.events.conftest import SECRETS, generic_headers, github_headers, github_payload


@pytest.fixture
def checkout(db: None) -> Service:
    return Service.objects.create(key="checkout", name="Checkout")


def deployment_body(duration: str) -> bytes:
    return (
        '{"id": "jenkins-77", "type": "deployment", "service": "checkout", '
        '"environment": "production", "status": "success", '
        '"finished_at": "2026-11-16T10:00:00Z", "commit": "4c1f0d9", '
        f'"duration_seconds": {duration}}}'
    ).encode()


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("Infinity", "Infinity is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
        ("1e999", "1e999"),
    ],
)
def test_a_signed_delivery_with_a_non_number_is_refused(
    post, secrets, checkout, number: str, says: str
) -> None:
    body = deployment_body(number)
    response = post("generic", body, generic_headers(body, SECRETS["generic"]))

    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert RawEvent.objects.count() == 0
    assert Deployment.objects.count() == 0

    # Nothing of it was kept: the same delivery, corrected, is taken (not a "duplicate").
    fixed = deployment_body("312")
    retried = post("generic", fixed, generic_headers(fixed, SECRETS["generic"]))
    assert retried.status_code == 200, retried.json()
    assert Deployment.objects.get().commit_sha == "4c1f0d9"


@pytest.mark.parametrize("number", ["NaN", "1e999"])
def test_a_github_form_delivery_with_a_non_number_is_refused(
    client, secrets, hello_world, number: str
) -> None:
    # The form body carries the JSON in `payload`; it is stored re-encoded, where Python would
    # write a huge number as Infinity.
    document = json.dumps(github_payload("push.event.4"))
    document = document.replace('"size": 0', f'"size": {number}', 1)
    assert number in document
    body = urlencode({"payload": document}).encode()
    response = client.post(
        "/api/v1/events/github",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=github_headers("push", body, SECRETS["github"]),
    )

    assert response.status_code == 400
    assert number in response.json()["detail"]
    assert (RawEvent.objects.count(), Change.objects.count()) == (0, 0)

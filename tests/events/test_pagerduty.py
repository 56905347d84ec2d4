"""PagerDuty v3 webhooks, with payloads written from PagerDuty's webhook documentation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.metrics.delivery.models import Deployment, Incident, RawEvent, Service, ServiceAlias
from tests.events.conftest import encode, pagerduty_headers

UTC = dt.UTC


@pytest.fixture
def checkout(db: None) -> Service:
    service = Service.objects.create(key="checkout", name="Checkout")
    ServiceAlias.objects.create(provider="pagerduty", external="PIJ90N7", service=service)
    return service


@pytest.fixture
def post_pagerduty(post, secrets):
    def post_pagerduty(payload: dict[str, Any], *signing_secrets: str) -> Any:
        body = encode(payload)
        return post(
            "pagerduty", body, pagerduty_headers(body, *(signing_secrets or [secrets["pagerduty"]]))
        )

    return post_pagerduty


def incident_event(
    event_type: str = "incident.triggered",
    *,
    event_id: str = "01DEN2HNQV1OHD6AZ6HXJ0O8HQ",
    occurred_at: str = "2026-11-16T12:30:00.000Z",
    **data: Any,
) -> dict[str, Any]:
    incident = {
        "id": "PGR0VU2",
        "type": "incident",
        "self": "https://api.pagerduty.com/incidents/PGR0VU2",
        "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
        "number": 2,
        "status": "resolved" if event_type == "incident.resolved" else "triggered",
        "incident_key": "d3640fbd41094207a1c11e58e46b1662",
        "created_at": "2026-11-16T12:30:00Z",
        "title": "Checkout latency above 2 s",
        "service": {
            "html_url": "https://acme.pagerduty.com/services/PIJ90N7",
            "id": "PIJ90N7",
            "self": "https://api.pagerduty.com/services/PIJ90N7",
            "summary": "Checkout",
            "type": "service_reference",
        },
        "assignees": [],
        "escalation_policy": {"id": "PUS0KTE", "type": "escalation_policy_reference"},
        "teams": [],
        "priority": None,
        "urgency": "high",
        "conference_bridge": None,
        "resolve_reason": None,
    }
    incident.update(data)
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at,
            "agent": {"id": "PLH1HKV", "type": "user_reference", "summary": "Tenex Engineer"},
            "client": None,
            "data": incident,
        }
    }


def resolved_event(**kwargs: Any) -> dict[str, Any]:
    return incident_event(
        "incident.resolved",
        event_id="01DEN2HNQV1OHD6AZ6HXJ0O9ZZ",
        occurred_at="2026-11-16T13:15:00.000Z",
        **kwargs,
    )


def test_triggered_incident_is_stored(post_pagerduty, checkout):
    response = post_pagerduty(incident_event())

    assert response.status_code == 200, response.json()
    incident = Incident.objects.get()
    assert incident.service == checkout
    assert (incident.provider, incident.external_id) == ("pagerduty", "PGR0VU2")
    assert incident.title == "Checkout latency above 2 s"
    assert incident.opened_at == dt.datetime(2026, 11, 16, 12, 30, tzinfo=UTC)
    assert incident.resolved_at is None
    assert incident.attribution == "none"
    assert RawEvent.objects.get().delivery_id == "01DEN2HNQV1OHD6AZ6HXJ0O8HQ"


def test_resolved_sets_resolved_at_on_the_incident(post_pagerduty, checkout):
    post_pagerduty(incident_event())
    post_pagerduty(resolved_event())

    incident = Incident.objects.get()
    assert incident.opened_at == dt.datetime(2026, 11, 16, 12, 30, tzinfo=UTC)
    assert incident.resolved_at == dt.datetime(2026, 11, 16, 13, 15, tzinfo=UTC)


def test_resolved_before_triggered_ends_the_same(post_pagerduty, checkout):
    post_pagerduty(resolved_event())
    post_pagerduty(incident_event())

    incident = Incident.objects.get()
    assert incident.opened_at == dt.datetime(2026, 11, 16, 12, 30, tzinfo=UTC)
    assert incident.resolved_at == dt.datetime(2026, 11, 16, 13, 15, tzinfo=UTC)
    assert RawEvent.objects.count() == 2


def test_during_secret_rotation_either_signature_is_enough(post_pagerduty, checkout):
    response = post_pagerduty(incident_event(), "the-old-secret", "pd-test-secret")

    assert response.status_code == 200
    assert Incident.objects.count() == 1


def test_a_wrong_signature_is_refused(post_pagerduty, checkout):
    response = post_pagerduty(incident_event(), "the-old-secret")

    assert response.status_code == 401
    assert (RawEvent.objects.count(), Incident.objects.count()) == (0, 0)


def test_the_same_event_id_twice_changes_nothing(post_pagerduty, checkout):
    post_pagerduty(incident_event())
    again = post_pagerduty(incident_event())

    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert (RawEvent.objects.count(), Incident.objects.count()) == (1, 1)


def test_other_incident_events_are_stored_and_ignored(post_pagerduty, checkout):
    response = post_pagerduty(
        incident_event("incident.acknowledged", event_id="01DEN2HNQV1OHD6AZ6HXJ0OACK")
    )

    assert response.status_code == 202
    assert RawEvent.objects.get().outcome == "ignored"
    assert Incident.objects.count() == 0


def test_an_event_without_id_is_refused_with_a_message(post, secrets):
    body = encode({"messages": [{"event": "incident.trigger"}]})  # a v2 webhook

    response = post("pagerduty", body, pagerduty_headers(body, secrets["pagerduty"]))

    assert response.status_code == 400
    assert "event.id" in response.json()["detail"]
    assert RawEvent.objects.count() == 0


def test_a_custom_field_naming_the_deployment_is_an_explicit_cause(post_pagerduty, checkout):
    Deployment.objects.create(
        provider="github",
        external_id="145988746",
        service=checkout,
        environment="production",
        is_production=True,
        status="success",
        finished_at=dt.datetime(2026, 11, 10, tzinfo=UTC),  # long before the 24 h window
    )
    custom = [{"name": "deployment_id", "value": "145988746", "type": "field_value"}]
    post_pagerduty(incident_event(custom_fields=custom))

    incident = Incident.objects.get()
    assert incident.caused_by is not None
    assert incident.caused_by.external_id == "145988746"
    assert incident.attribution == "explicit"

"""The roles (admin, lead, member, viewer), enforced on the server for every write."""

from __future__ import annotations

import pytest

from okrs.goals.checkins.models import CheckIn
from okrs.org.models import AuditEntry
from okrs.org.permissions import can_check_in, can_edit_key_result, can_edit_objective

LEAD_TIME = "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins"
CONVERSION = "/api/v1/key-results/checkout-conversion%2Fconversion/check-ins"


def post(world, person, url, value=10):
    return world.client_for(person).post(
        url, {"value": value, "confidence": "on_track"}, content_type="application/json"
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("admin", True),
        ("member", True),  # maya owns lead-time
        ("platform_lead", True),  # leads platform
        ("lead", True),  # leads engineering, the parent of platform
        ("checkout_lead", False),  # a lead of another team
        ("other_member", False),  # a member who does not own it
        ("viewer", False),
    ],
)
def test_checkin_by_role(world, who, allowed) -> None:
    response = post(world, getattr(world, who), LEAD_TIME)
    if allowed:
        assert response.status_code == 201, response.content
        assert CheckIn.objects.get().author == getattr(world, who)
        assert AuditEntry.objects.filter(entity="checkin").count() == 1
    else:
        assert response.status_code == 403
        assert "may not check in" in response.json()["detail"]
        assert CheckIn.objects.count() == 0
        assert AuditEntry.objects.count() == 0


def test_lead_cannot_check_in_on_another_teams_key_result(world) -> None:
    assert post(world, world.platform_lead, CONVERSION).status_code == 403
    assert post(world, world.checkout_lead, CONVERSION).status_code == 201


def test_a_viewer_who_owns_a_key_result_still_cannot_write(world) -> None:
    world.lead_time.owner = world.viewer
    world.lead_time.save()
    assert post(world, world.viewer, LEAD_TIME).status_code == 403


def test_deactivated_person_cannot_write(world) -> None:
    client = world.client_for(world.member)
    world.member.is_active = False
    world.member.save()
    response = client.post(LEAD_TIME, {"value": 1}, content_type="application/json")
    assert response.status_code == 401
    assert CheckIn.objects.count() == 0


def test_session_writes_need_the_csrf_token(world) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.member)
    refused = browser.post(LEAD_TIME, {"value": 5}, content_type="application/json")
    assert refused.status_code in (401, 403)
    assert CheckIn.objects.count() == 0
    # The same person's session may read.
    assert browser.get("/api/v1/cycles").status_code == 200


def test_session_checkin_is_recorded_as_web(world) -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(world.member)
    response = browser.post(LEAD_TIME, {"value": 5}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["check_in"]["source"] == "web"


def test_edit_rules_for_objectives_and_key_results(world) -> None:
    platform, checkout = world.platform_objective, world.checkout_objective
    assert can_edit_objective(world.admin, checkout)
    assert can_edit_objective(world.lead, platform) and can_edit_objective(world.lead, checkout)
    assert can_edit_objective(world.platform_lead, platform)
    assert not can_edit_objective(world.platform_lead, checkout)
    assert not can_edit_objective(world.member, platform)  # owns a key result, not the objective
    assert can_edit_key_result(world.member, world.lead_time)
    assert not can_edit_key_result(world.other_member, world.lead_time)
    assert not can_edit_objective(world.viewer, platform)
    assert not can_check_in(world.viewer, world.lead_time)

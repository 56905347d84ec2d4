"""Smaller promises: system checks, activities okrs does not use, malformed ones."""

from __future__ import annotations

import datetime as dt

import pytest

from okrs.channels.teams import config
from okrs.channels.teams.checks import check_teams_settings
from okrs.checkins.models import CheckIn
from okrs.nudges.models import Nudge, NudgeKind, NudgeState
from okrs.nudges.sender import send_due
from tests.conftest import World
from tests.fakes.teams import Member
from tests.teams.cardtools import press, text
from tests.teams.conftest import TeamsDriver, chat_id, linked
from tests.teams.test_round_trip import deliver


def ids(monkeypatch: pytest.MonkeyPatch, **values: str) -> set[str]:
    monkeypatch.setattr(config, "settings", config.TeamsSettings(**values))
    return {message.id for message in check_teams_settings()}


def test_system_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ids(monkeypatch) == set()
    assert ids(monkeypatch, app_id="x", app_password="y", tenant_id="t") == set()
    assert ids(monkeypatch, app_id="x", app_password="y", allowed_tenants=("t",)) == set()
    # Configured, but no tenant may use the bot: every activity would be refused.
    assert ids(monkeypatch, app_id="x", app_password="y") == {"okrs.teams.W002"}
    assert ids(monkeypatch, app_id="x", tenant_id="t") == {"okrs.teams.W001"}
    assert "okrs.teams.E001" in ids(
        monkeypatch, openid_metadata_url="http://login.example/v1/.well-known/openidconfiguration"
    )
    assert ids(monkeypatch, token_url_override="http://127.0.0.1:9/token") == set()


def test_an_activity_okrs_does_not_use_is_acknowledged(world: World, teams: TeamsDriver) -> None:
    response = teams.post(teams.activity(world.member, "typing"))
    assert response.status_code == 200


def test_a_malformed_invoke_is_a_400(world: World, teams: TeamsDriver) -> None:
    activity = teams.activity(world.member, "invoke", name="adaptiveCard/action", value=[1, 2])
    response = teams.post(activity)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_body_that_is_not_json_is_a_400_after_the_token(world: World, teams: TeamsDriver) -> None:
    response = teams.client.post(
        "/api/teams/messages",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {teams.token()}"},
    )
    assert response.status_code == 400


def test_get_is_not_allowed(teams: TeamsDriver) -> None:
    assert teams.client.get("/api/teams/messages").status_code == 405


def test_a_refused_save_can_be_sent_again(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    """The claim against duplicates is released when nothing was recorded."""
    _, card = deliver(world, teams, frozen_now)
    verb, data = press(card, "Save", {f"kr-{world.lead_time.pk}-confidence": "nope"})
    activity = teams.activity(
        world.member,
        "invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    )
    assert "Nothing was saved" in text(teams.post(activity).json()["value"])
    data.update(
        {
            f"kr-{world.lead_time.pk}-confidence": "on_track",
            f"kr-{world.change_failure_rate.pk}-value": "3",
            f"kr-{world.change_failure_rate.pk}-confidence": "on_track",
        }
    )
    assert "Recorded 2" in text(teams.post(activity).json()["value"])
    assert CheckIn.objects.filter(source="teams").count() == 2


def test_the_leads_digest_goes_out_through_the_sender(
    world: World, teams: TeamsDriver, frozen_now: dt.datetime
) -> None:
    lead = world.platform_lead
    teams.connector.add_member(Member(id="29:lena", email=lead.email))
    linked(teams, lead)
    digest = Nudge.objects.create(
        person=lead,
        kind=NudgeKind.DIGEST,
        week_start=frozen_now.date(),
        team_keys=["platform"],
        due_at=frozen_now,
        next_attempt_at=frozen_now,
    )
    send_due(now=lambda: frozen_now)
    digest.refresh_from_db()
    assert (digest.state, digest.channel) == (NudgeState.SENT, "teams")
    (card,) = teams.connector.cards(chat_id(lead))
    assert "Check-ins missing this week: platform" in text(card)
    assert world.lead_time.title in text(card)

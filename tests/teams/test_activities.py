"""Activities okrs does not use are acknowledged; malformed ones, and a GET, are refused."""

from __future__ import annotations

from tests.conftest import World
from tests.teams.conftest import TeamsDriver


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

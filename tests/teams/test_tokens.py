"""Only the Bot Framework, signing for our app id, may post activities: anything else is 401
and changes nothing (here: an installation that would otherwise link the person). The key that
signed a token must endorse the activity's channel, and a dead metadata server is asked again
after minutes, not at every request."""

from __future__ import annotations

import time

import pytest
import time_machine

from okrs.channels.teams import auth
from okrs.channels.teams.models import TeamsConversation
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.teams.conftest import TeamsDriver


def refused(teams: TeamsDriver, world: World, **post: object) -> None:
    audit_before = AuditEntry.objects.count()
    response = teams.post(teams.install_activity(world.member), **post)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert "detail" in response.json()
    assert not TeamsConversation.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    assert teams.connector.calls == []  # nothing was even looked up


def test_a_valid_token_is_accepted(teams: TeamsDriver, world: World) -> None:
    response = teams.install(world.member)
    assert response.status_code == 200
    assert teams.conversation(world.member) is not None


def test_missing_token(teams: TeamsDriver, world: World) -> None:
    audit_before = AuditEntry.objects.count()
    response = teams.client.post(
        "/api/teams/messages",
        data=teams.install_activity(world.member),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_forged_token_signed_with_an_unpublished_key(teams: TeamsDriver, world: World) -> None:
    forged = teams.login.forge(app_id=teams.app_id, service_url=teams.service_url)
    refused(teams, world, token=forged)


def test_expired_token(teams: TeamsDriver, world: World) -> None:
    an_hour_ago = int(time.time()) - 3600
    refused(teams, world, token=teams.token(exp=an_hour_ago, nbf=an_hour_ago - 3600))


def test_token_without_expiry(teams: TeamsDriver, world: World) -> None:
    refused(teams, world, token=teams.token(exp=None))


def test_wrong_audience(teams: TeamsDriver, world: World) -> None:
    refused(teams, world, token=teams.token(aud="11111111-2222-4333-8444-555555555555"))


def test_wrong_issuer(teams: TeamsDriver, world: World) -> None:
    refused(teams, world, token=teams.token(iss="https://sts.windows.net/evil/"))


def test_service_url_mismatch(teams: TeamsDriver, world: World) -> None:
    token = teams.login.mint(
        app_id=teams.app_id, service_url="https://smba.trafficmanager.net/emea/"
    )
    refused(teams, world, token=token)


def test_token_without_service_url_claim(teams: TeamsDriver, world: World) -> None:
    refused(teams, world, token=teams.token(serviceurl=None))


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not.a.jwt"])
def test_malformed_authorization(teams: TeamsDriver, world: World, header: str) -> None:
    audit_before = AuditEntry.objects.count()
    response = teams.client.post(
        "/api/teams/messages",
        data=teams.install_activity(world.member),
        content_type="application/json",
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_hs256_token_with_the_app_id_as_secret_is_refused(teams: TeamsDriver, world: World) -> None:
    import jwt

    claims = teams.login.claims(app_id=teams.app_id, service_url=teams.service_url)
    token = jwt.encode(claims, teams.app_id, algorithm="HS256", headers={"kid": teams.login.kid})
    refused(teams, world, token=token)


def test_rotated_key_is_fetched_once_and_cached(teams: TeamsDriver, world: World) -> None:
    assert teams.install(world.member).status_code == 200
    assert teams.install(world.other_member).status_code == 200
    assert teams.login.keys_fetches == 1  # cached between requests
    teams.login.rotate()  # Microsoft publishes a new key and starts signing with it
    from okrs.channels.teams import auth

    # Refetched at most every JWKS_REFRESH_COOLDOWN_SECONDS; the test cannot wait that long.
    client = auth._keys_for(teams.login.metadata_url).client
    client.cooldown_duration = 0
    assert teams.install(world.viewer).status_code == 200
    assert teams.login.keys_fetches == 2


def test_not_configured_answers_503(
    teams: TeamsDriver, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrs.channels.teams import config

    monkeypatch.setattr(config, "settings", config.TeamsSettings())
    response = teams.install(world.member)
    assert response.status_code == 503
    assert "OKRS_TEAMS_APP_ID" in response.json()["detail"]
    assert not TeamsConversation.objects.exists()


def test_a_key_that_does_not_endorse_teams_is_refused(world: World, teams: TeamsDriver) -> None:
    teams.login.rotate(endorsements=["webchat"])
    auth._keys_for(teams.login.metadata_url).client.cooldown_duration = 0
    response = teams.install(world.member)
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()
    assert teams.connector.calls == []


def test_an_activity_for_another_channel_is_refused(world: World, teams: TeamsDriver) -> None:
    response = teams.post(teams.install_activity(world.member, channelId="webchat"))
    assert response.status_code == 401
    assert not TeamsConversation.objects.exists()


def test_a_dead_metadata_server_is_retried_after_minutes_not_per_request(
    world: World, teams: TeamsDriver
) -> None:
    assert teams.install(world.member).status_code == 200
    assert teams.login.metadata_fetches == 1
    teams.login.metadata_down = True
    start = time.time()
    with time_machine.travel(start + auth.METADATA_TTL_SECONDS + 60, tick=False):
        # Past the TTL: the refetch fails, the keys we know still work...
        assert teams.install(world.other_member).status_code == 200
        assert teams.login.metadata_fetches == 2
        # ...and the next requests do not ask the dead server again.
        assert teams.install(world.viewer).status_code == 200
        assert teams.install(world.admin).status_code == 200
        assert teams.login.metadata_fetches == 2
    with time_machine.travel(start + auth.METADATA_TTL_SECONDS + 60 + 6 * 60, tick=False):
        assert teams.post(teams.activity(world.member, "typing")).status_code == 200
        assert teams.login.metadata_fetches == 3  # about five minutes later it tries again

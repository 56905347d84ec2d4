"""Installing the app: only an admin, through Slack's OAuth flow, with the bot token encrypted at
rest; the admin's page shows the workspaces and the manifest but never a token."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import time_machine
import yaml
from django.db import connection
from django.test import Client

from okrs.channels.slack.models import Installation, OAuthState
from okrs.channels.slack.stores import DjangoOAuthStateStore
from okrs.channels.slack.views import manifest_text
from okrs.org.models import AuditEntry
from tests.conftest import World
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import SlackDriver


def start(client: Client, fake: FakeSlack) -> str:
    response = client.get("/slack/install/")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response["Location"])
    assert response["Location"].startswith(fake.url.removesuffix("api/") + "oauth/v2/authorize?")
    query = urllib.parse.parse_qs(location.query)
    assert query["client_id"] == [fake.client_id]
    assert set(query["scope"][0].split(",")) == {
        "chat:write", "im:write", "commands", "users:read", "users:read.email"
    }  # fmt: skip
    assert query["redirect_uri"] == ["https://okrs.acme.test/slack/oauth_redirect/"]
    assert client.cookies["slack-app-oauth-state"].value == query["state"][0]
    return query["state"][0]


def test_admin_installs_and_the_token_is_encrypted_at_rest(
    world: World, slack_settings: FakeSlack, client: Client
) -> None:
    fake = slack_settings
    client.force_login(world.admin)
    state = start(client, fake)
    code = fake.new_oauth_code(installer_user_id="U0ADA")

    response = client.get("/slack/oauth_redirect/", {"code": code, "state": state})

    assert response.status_code == 302 and response["Location"] == "/settings/slack/"
    installation = Installation.objects.get()
    token = fake.installations[code].token
    assert installation.bot_token == token and installation.team_id == fake.team_id
    assert installation.installed_by == world.admin
    with connection.cursor() as cursor:
        cursor.execute("SELECT bot_token FROM slack_installation")
        (raw,) = cursor.fetchone()
    assert token not in raw and "xoxb" not in raw
    entry = AuditEntry.objects.get(entity="slack_installation")
    assert (entry.actor, entry.action, entry.ref) == (world.admin, "create", fake.team_id)
    assert token not in str(entry.after)
    page = client.get("/settings/slack/")
    assert "Slack is installed in Acme" in page.content.decode()

    # The same redirect again (a replay, or the back button) installs nothing more.
    again = client.get("/slack/oauth_redirect/", {"code": code, "state": state})
    assert again.status_code == 302
    assert Installation.objects.count() == 1
    assert AuditEntry.objects.filter(entity="slack_installation").count() == 1


def test_a_forged_state_installs_nothing(
    world: World, slack_settings: FakeSlack, client: Client
) -> None:
    client.force_login(world.admin)
    start(client, slack_settings)
    code = slack_settings.new_oauth_code()
    client.cookies["slack-app-oauth-state"] = "forged"
    client.get("/slack/oauth_redirect/", {"code": code, "state": "forged"})
    assert not Installation.objects.exists()
    assert slack_settings.calls_to("oauth.v2.access") == []


def test_only_an_admin_can_install(world: World, slack_settings: FakeSlack, client: Client) -> None:
    client.force_login(world.lead)
    assert client.get("/slack/install/").status_code == 403
    assert not OAuthState.objects.exists()
    code = slack_settings.new_oauth_code()
    assert client.get("/slack/oauth_redirect/", {"code": code, "state": "x"}).status_code == 403
    assert not Installation.objects.exists()
    assert slack_settings.calls == []
    anonymous = Client()
    assert anonymous.get("/slack/install/")["Location"].startswith("/accounts/login/")


def test_settings_page_shows_workspaces_and_manifest_never_tokens(
    world: World, slack: SlackDriver, client: Client
) -> None:
    client.force_login(world.admin)
    page = client.get("/settings/slack/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme" in html and slack.fake.team_id in html
    assert "https://okrs.acme.test/slack/events/" in html
    assert slack.fake.bot_token not in html and "xoxb" not in html
    assert slack.fake.client_secret not in html
    client.force_login(world.member)
    assert client.get("/settings/slack/").status_code == 403


def test_uninstall_is_audited_and_revokes_the_token(
    world: World, slack: SlackDriver, client: Client
) -> None:
    client.force_login(world.member)
    assert client.post(f"/settings/slack/{slack.installation.pk}/uninstall/").status_code == 403
    assert Installation.objects.exists()

    client.force_login(world.admin)
    response = client.post(f"/settings/slack/{slack.installation.pk}/uninstall/")
    assert response.status_code == 302
    assert not Installation.objects.exists()
    entry = AuditEntry.objects.get(entity="slack_installation", action="delete")
    assert entry.before is not None
    assert entry.actor == world.admin and entry.before["team_id"] == slack.fake.team_id
    assert slack.fake.calls_to("auth.revoke")[0].token == slack.fake.bot_token


def test_not_configured(world: World, settings, client: Client) -> None:
    settings.SLACK_CLIENT_ID = settings.SLACK_CLIENT_SECRET = settings.SLACK_SIGNING_SECRET = ""
    client.force_login(world.admin)
    html = client.get("/settings/slack/").content.decode()
    assert "Not configured" in html and "OKRS_SLACK_CLIENT_SECRET" in html
    assert "Add to Slack" not in html
    assert client.get("/slack/install/").status_code == 503


def test_the_manifest_points_slack_at_this_server(world: World, slack_settings: FakeSlack) -> None:
    manifest = yaml.safe_load(manifest_text())
    events = "https://okrs.acme.test/slack/events/"
    assert manifest["settings"]["event_subscriptions"]["request_url"] == events
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": events}
    (command,) = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/okr", events)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://okrs.acme.test/slack/oauth_redirect/"
    ]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "chat:write", "im:write", "commands", "users:read", "users:read.email"
    }  # fmt: skip


def test_slack_uninstalling_the_app_drops_the_workspace(world: World, slack: SlackDriver) -> None:
    response = slack.event({"type": "app_uninstalled"})
    assert response.status_code == 200
    assert not Installation.objects.exists()
    entry = AuditEntry.objects.get(entity="slack_installation", action="delete")
    assert entry.actor is None and entry.channel == "slack"


def test_an_oauth_state_works_once_and_expires(db: None) -> None:
    store = DjangoOAuthStateStore(expiration_seconds=600)
    start = dt.datetime(2026, 11, 16, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        fresh, old = store.issue(), store.issue()
        assert fresh != old
    with time_machine.travel(start + dt.timedelta(minutes=9), tick=False):
        assert store.consume(fresh)
        assert not store.consume(fresh)  # one use only
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        assert not store.consume(old)  # ten minutes to come back from Slack
        assert not store.consume("never-issued")

"""The settings page: a person's timezone and chat channel, and their API tokens."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from django.test import Client

from okrs.org.models import ApiToken, AuditEntry, hash_token

TOKEN = re.compile(r"okrs_[A-Za-z0-9_-]{20,}")


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


def field_html(response: Any, name: str) -> str:
    page = response.content.decode()
    start = page.index(f'id="field-{name}"')
    end = page.find('id="field-', start + 1)
    return html.unescape(page[start : end if end != -1 else len(page)])


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


# --- preferences -------------------------------------------------------------------------------


def test_the_page_shows_the_person_s_preferences(world: Any, client: Client) -> None:
    world.member.timezone = "America/Chicago"
    world.member.save()
    client.force_login(world.member)
    response = client.get("/settings/")
    assert response.status_code == 200
    timezone = field_html(response, "timezone")
    assert '<option value="America/Chicago" selected>' in timezone
    assert "Organisation default (Europe/London)" in timezone
    channel = field_html(response, "channel")
    assert '<option value="email" selected>' in channel and 'value="slack"' in channel
    assert 'href="/accounts/password/change/"' in response.content.decode()
    assert 'aria-current="page"' in response.content.decode()


def test_saving_preferences_is_audited(world: Any, client: Client) -> None:
    client.force_login(world.member)
    response = client.post("/settings/", {"timezone": "Asia/Kolkata", "channel": "slack"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    world.member.refresh_from_db()
    assert (world.member.timezone, world.member.channel) == ("Asia/Kolkata", "slack")
    entry = AuditEntry.objects.get(entity="person", ref="maya@acme.test")
    assert entry.channel == "web" and entry.actor == world.member and entry.action == "update"
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["timezone"], entry.after["timezone"]) == ("", "Asia/Kolkata")
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["channel"], entry.after["channel"]) == ("email", "slack")
    assert entry.after is not None
    assert "password" not in entry.after
    assert "Settings saved." in page_text(client.get("/settings/"))


def test_the_organisation_timezone_is_the_blank_choice(world: Any, client: Client) -> None:
    world.member.timezone = "Asia/Kolkata"
    world.member.save()
    client.force_login(world.member)
    assert client.post("/settings/", {"timezone": "", "channel": "email"}).status_code == 302
    world.member.refresh_from_db()
    assert world.member.timezone == ""


def test_the_timezone_list_offers_places_and_utc_not_aliases(world: Any, client: Client) -> None:
    client.force_login(world.member)

    timezone = field_html(client.get("/settings/"), "timezone")

    for alias in ("localtime", "Factory", "CST6CDT", "W-SU", "GMT+0", "GMT-0", "Zulu", "UCT"):
        assert f'value="{alias}"' not in timezone
    assert 'value="Universal"' not in timezone and 'value="US/Eastern"' not in timezone
    assert 'value="Etc/GMT+5"' not in timezone
    assert '<option value="UTC">UTC</option>' in timezone
    assert '<option value="Europe/London">Europe/London</option>' in timezone
    assert '<option value="America/Argentina/Buenos_Aires">' in timezone


def test_a_stored_legacy_timezone_stays_selected_and_saved(world: Any, client: Client) -> None:
    world.member.timezone = "US/Eastern"
    world.member.save()
    client.force_login(world.member)

    timezone = field_html(client.get("/settings/"), "timezone")
    assert '<option value="US/Eastern" selected>' in timezone

    assert (
        client.post("/settings/", {"timezone": "US/Eastern", "channel": "slack"}).status_code == 302
    )
    world.member.refresh_from_db()
    assert (world.member.timezone, world.member.channel) == ("US/Eastern", "slack")


def test_an_unknown_timezone_is_refused_with_apply_s_message(world: Any, client: Client) -> None:
    client.force_login(world.member)
    response = client.post("/settings/", {"timezone": "Mars/Olympus_Mons", "channel": "teams"})
    assert response.status_code == 400
    assert (
        "unknown timezone 'Mars/Olympus_Mons' (use an IANA name like Europe/London)"
        in field_html(response, "timezone")
    )
    world.member.refresh_from_db()
    assert (world.member.timezone, world.member.channel) == ("", "email")
    assert not AuditEntry.objects.filter(entity="person").exists()


def test_an_unknown_channel_is_refused(world: Any, client: Client) -> None:
    client.force_login(world.member)
    response = client.post("/settings/", {"timezone": "", "channel": "pigeon"})
    assert response.status_code == 400
    assert "unknown channel 'pigeon' (use email, slack or teams)" in field_html(response, "channel")
    world.member.refresh_from_db()
    assert world.member.channel == "email"


def test_a_missing_channel_is_named_as_the_page_labels_it(world: Any, client: Client) -> None:
    client.force_login(world.member)
    response = client.post("/settings/", {"timezone": ""})
    assert response.status_code == 400
    channel = field_html(response, "channel")
    assert "Preferred chat channel is required" in channel
    assert "'channel'" not in channel
    world.member.refresh_from_db()
    assert world.member.channel == "email"


def test_a_viewer_has_settings_too(world: Any, client: Client) -> None:
    client.force_login(world.viewer)
    assert client.get("/settings/").status_code == 200
    assert client.post("/settings/", {"timezone": "UTC", "channel": "email"}).status_code == 302


def test_settings_need_sign_in(world: Any, client: Client) -> None:
    response = client.get("/settings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/settings/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


# --- API tokens --------------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_and_works(world: Any, client: Client) -> None:
    client.force_login(world.member)
    created = client.post("/settings/tokens/", {"name": "CI pipeline"})
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    tokens = TOKEN.findall(created.content.decode())
    assert len(set(tokens)) == 1
    token = tokens[0]
    row = ApiToken.objects.get(person=world.member, name="CI pipeline")
    assert row.digest == hash_token(token) and token not in row.digest
    assert token.startswith(row.hint)

    # The list shows the name and hint, never the token again.
    listed = client.get("/settings/")
    assert "CI pipeline" in page_text(listed) and row.hint in page_text(listed)
    assert token not in listed.content.decode()

    assert api(token).get("/api/v1/cycles").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert "never" not in field_free_row(page_text(client.get("/settings/")), "CI pipeline")

    entry = AuditEntry.objects.get(entity="api_token", action="create")
    assert entry.channel == "web" and entry.actor == world.member
    assert entry.after is not None
    assert "digest" not in entry.after and token not in str(entry.after)


def field_free_row(page: str, name: str) -> str:
    """The table row of the token called `name`."""
    start = page.index(f'<td data-label="Name">{name}</td>')
    return page[start : page.index("</tr>", start)]


def test_token_dates_read_like_the_rest_of_the_app(world: Any, client: Client) -> None:
    client.force_login(world.member)
    client.post("/settings/tokens/", {"name": "CI pipeline"})
    ApiToken.objects.filter(name="CI pipeline").update(
        created_at=dt.datetime(2026, 12, 4, 20, 43, tzinfo=dt.UTC),
        last_used_at=dt.datetime(2026, 12, 5, 9, 7, tzinfo=dt.UTC),
    )

    row = field_free_row(page_text(client.get("/settings/")), "CI pipeline")

    assert "4 Dec 2026 20:43 UTC" in row and "5 Dec 2026 09:07 UTC" in row
    assert "2026-12-04" not in row


def test_revoking_a_token_makes_it_401(world: Any, client: Client) -> None:
    client.force_login(world.member)
    row, token = ApiToken.issue(world.member, "laptop")
    assert api(token).get("/api/v1/cycles").status_code == 200

    response = client.post(f"/settings/tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api(token).get("/api/v1/cycles").status_code == 401
    entry = AuditEntry.objects.get(entity="api_token", action="update")
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["revoked_at"] is None and entry.after["revoked_at"] is not None
    page = page_text(client.get("/settings/"))
    assert "Revoked" in field_free_row(page, "laptop")
    assert "Token “laptop” revoked." in page


def test_someone_else_s_token_cannot_be_revoked(world: Any, client: Client) -> None:
    row, token = ApiToken.issue(world.admin, "admin's script")
    client.force_login(world.member)
    response = client.post(f"/settings/tokens/{row.pk}/revoke/")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert api(token).get("/api/v1/cycles").status_code == 200
    # Nor is it listed.
    assert "admin's script" not in page_text(client.get("/settings/"))
    assert not AuditEntry.objects.filter(entity="api_token").exists()


def test_revoking_is_a_post(world: Any, client: Client) -> None:
    row, _ = ApiToken.issue(world.member, "x")
    client.force_login(world.member)
    assert client.get(f"/settings/tokens/{row.pk}/revoke/").status_code == 405
    assert client.get("/settings/tokens/").status_code == 405
    row.refresh_from_db()
    assert row.revoked_at is None


def test_a_token_needs_a_name_of_sensible_length(world: Any, client: Client) -> None:
    client.force_login(world.member)
    blank = client.post("/settings/tokens/", {"name": "  "})
    assert blank.status_code == 400
    assert "Give the token a name" in field_html(blank, "name")
    long = client.post("/settings/tokens/", {"name": "n" * 101})
    assert long.status_code == 400
    assert "Token name is too long (101 characters, at most 100)" in field_html(long, "name")
    assert "'name'" not in field_html(long, "name")
    assert not ApiToken.objects.exists()
    assert TOKEN.search(long.content.decode()) is None


# --- integrations --------------------------------------------------------------------------------


def test_admins_find_every_integration_page_from_settings(world: Any, client: Client) -> None:
    client.force_login(world.admin)
    page = client.get("/settings/").content.decode()
    links = re.findall(r'href="(/settings/[a-z]+/)"', page)
    assert links == [
        "/settings/slack/",
        "/settings/teams/",
        "/settings/nudges/",
        "/settings/webhooks/",
        "/settings/sources/",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link


def test_other_roles_see_no_integrations_and_cannot_open_them(world: Any, client: Client) -> None:
    client.force_login(world.platform_lead)
    assert "Integrations" not in client.get("/settings/").content.decode()
    for link in (
        "/settings/slack/",
        "/settings/teams/",
        "/settings/nudges/",
        "/settings/webhooks/",
        "/settings/sources/",
    ):
        assert client.get(link).status_code == 403, link

"""Teams tests: okrs talks to the fake Bot Connector, and Teams's activities to us carry RS256
tokens minted by the fake Bot Framework login, whose keys okrs finds through OpenID metadata."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from okrs.channels.teams import auth, config, connector
from okrs.channels.teams.models import TeamsConversation
from okrs.org.models import Person
from tests.conftest import World
from tests.fakes.teams import (  # noqa: F401
    FakeBotConnector,
    FakeBotFrameworkLogin,
    Member,
    fake_connector,
    fake_login,
)
from tests.teams.cardtools import valid

ENDPOINT = "/api/teams/messages"
CARD = "application/vnd.microsoft.card.adaptive"
TENANT = "tenant-acme"
BOT_ID = "28:okrs-bot"


def user_id(person: Person) -> str:
    return f"29:{person.email.split('@')[0]}"


def chat_id(person: Person) -> str:
    return f"a:chat-{person.email.split('@')[0]}"


@dataclass
class TeamsDriver:
    """Plays Teams's side: activities posted to /api/teams/messages with Bot Framework tokens."""

    connector: FakeBotConnector
    login: FakeBotFrameworkLogin
    client: Client
    app_id: str
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    interactions: int = 0  # the person's presses of a card's buttons so far

    @property
    def service_url(self) -> str:
        return self.connector.url + "/"  # Teams sends it with a trailing slash

    def token(self, **overrides: Any) -> str:
        return self.login.mint(app_id=self.app_id, service_url=self.service_url, **overrides)

    def post(self, activity: dict[str, Any], *, token: str | None = None, **headers: str) -> Any:
        auth_header = {"Authorization": f"Bearer {token or self.token()}"}
        response = self.client.post(
            ENDPOINT,
            data=json.dumps(activity),
            content_type="application/json",
            headers={**auth_header, **headers},
        )
        answer = response.json() if response.content else None
        if isinstance(answer, dict) and answer.get("type") == CARD:
            valid(answer["value"])  # the card answering a press, as Teams would show it
        return response

    def activity(self, person: Person, kind: str, **fields: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": kind,
            "id": f"f:{next(self.ids)}",
            "timestamp": "2026-11-16T12:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": {"id": user_id(person), "aadObjectId": f"aad-{person.pk}"},
            "conversation": {
                "id": chat_id(person),
                "conversationType": "personal",
                "tenantId": TENANT,
            },
            "recipient": {"id": BOT_ID, "name": "okrs"},
            "channelData": {"tenant": {"id": TENANT}},
        }
        activity.update(fields)
        return activity

    def install_activity(self, person: Person, **fields: Any) -> dict[str, Any]:
        return self.activity(
            person,
            "conversationUpdate",
            membersAdded=[{"id": BOT_ID}, {"id": user_id(person)}],
            **fields,
        )

    def install(self, person: Person, **fields: Any) -> Any:
        return self.post(self.install_activity(person, **fields))

    def invoke(self, person: Person, verb: str, data: dict[str, Any], *, reply_to: str = "") -> Any:
        self.interactions += 1
        fields: dict[str, Any] = {
            "name": "adaptiveCard/action",
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": data},
                "trigger": "manual",
            },
        }
        if reply_to:
            fields["replyToId"] = reply_to
        return self.post(self.activity(person, "invoke", **fields))

    def conversation(self, person: Person) -> TeamsConversation | None:
        return TeamsConversation.objects.filter(person=person).first()


@pytest.fixture
def teams_settings(
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    fake_connector: FakeBotConnector,  # noqa: F811
    fake_login: FakeBotFrameworkLogin,  # noqa: F811
) -> Iterator[config.TeamsSettings]:
    configured = config.TeamsSettings(
        app_id=fake_connector.app_id,
        app_password=fake_connector.app_password,
        openid_metadata_url=fake_login.metadata_url,
        token_url_override=fake_connector.token_url,
        allowed_tenants=(TENANT,),
    )
    monkeypatch.setattr(config, "settings", configured)
    settings.BASE_URL = "https://okrs.acme.test"
    auth.forget_keys()
    connector.forget_tokens()
    yield configured
    auth.forget_keys()
    connector.forget_tokens()


@pytest.fixture
def teams(
    world: World,
    teams_settings: config.TeamsSettings,
    fake_connector: FakeBotConnector,  # noqa: F811
    fake_login: FakeBotFrameworkLogin,  # noqa: F811
    client: Client,
) -> Iterator[TeamsDriver]:
    """The world with Teams configured; its people are members Teams can describe."""
    for person in (world.member, world.other_member, world.viewer, world.admin):
        fake_connector.add_member(
            Member(
                id=user_id(person),
                email=person.email.upper(),  # Teams keeps the case people typed
                name=person.name,
                aad_object_id=f"aad-{person.pk}",
            )
        )
    yield TeamsDriver(fake_connector, fake_login, client, teams_settings.app_id)
    # Every card okrs posted or updated in the test passes the schema and Teams' size.
    for activity in fake_connector.by_id.values():
        for attachment in activity.get("attachments") or ():
            if attachment.get("contentType") == CARD:
                valid(attachment["content"])


def linked(driver: TeamsDriver, person: Person, *, forget_calls: bool = True) -> TeamsConversation:
    """Install the app for the person; by default the fake then forgets the welcome card and
    the calls made so far, so that a test sees only what follows."""
    response = driver.install(person)
    assert response.status_code == 200, response.content
    conversation = driver.conversation(person)
    assert conversation is not None
    if forget_calls:
        driver.connector.activities.pop(chat_id(person), None)
        driver.connector.calls.clear()
    return conversation

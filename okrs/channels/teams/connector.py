"""Talking to the Bot Connector: the bot's own token, posting cards, asking who a member is.

The calls themselves go through the Teams SDK's `ApiClient` (microsoft-teams-api), which is
async (httpx); okrs's views and workers are synchronous, so each call runs to completion with
asgiref's `async_to_sync` on a fresh HTTP client (an httpx client cannot outlive its loop).

The bot's token is obtained with the OAuth client-credentials grant by one form POST to the
token URL and cached until shortly before it expires. The SDK's TokenManager does this through
MSAL, which insists on an https authority on login.microsoftonline.com and performs instance
discovery there: it cannot be pointed at a sovereign proxy or a local test server, so this
module makes that one request itself.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from asgiref.sync import async_to_sync
from microsoft_teams.api import ApiClient
from microsoft_teams.api.activities.message import MessageActivityInput
from microsoft_teams.api.models.attachment import Attachment
from microsoft_teams.common import Client as HttpClient
from microsoft_teams.common import ClientOptions

from okrs.channels.base import DeliveryError
from okrs.channels.teams import config
from okrs.channels.teams.errors import http_error, token_error, transport_error

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
TIMEOUT_SECONDS = 15.0
# Renew a little early: a token that expires while a request is in flight is refused.
TOKEN_MARGIN_SECONDS = 300

T = TypeVar("T")


@dataclass
class _Token:
    value: str
    expires_at: float


_token_lock = threading.Lock()
_tokens: dict[tuple[str, str], _Token] = {}


def forget_tokens() -> None:
    with _token_lock:
        _tokens.clear()


def bot_token(settings: config.TeamsSettings | None = None) -> str:
    """A bearer token for the Bot Connector, from the cache or the token endpoint.

    Raises DeliveryError (permanent when the credentials are refused)."""
    settings = settings or config.current()
    if not settings.configured:
        raise DeliveryError(
            f"teams: not configured: set {', '.join(settings.missing())}", permanent=True
        )
    key = (settings.token_url, settings.app_id)
    with _token_lock:
        cached = _tokens.get(key)
        if cached is not None and time.time() < cached.expires_at - TOKEN_MARGIN_SECONDS:
            return cached.value
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.app_id,
            "client_secret": settings.app_password,
            "scope": settings.scope,
        }
        try:
            response = httpx.post(settings.token_url, data=form, timeout=TIMEOUT_SECONDS)
        except httpx.TransportError as exc:
            raise transport_error(exc, what="token") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            code = str(body.get("error") or "") if isinstance(body, dict) else ""
            raise token_error(response.status_code, code, response.headers)
        lifetime = float(body.get("expires_in") or 3600)
        token = _Token(str(body["access_token"]), time.time() + lifetime)
        _tokens[key] = token
        return token.value


def drop_token(settings: config.TeamsSettings | None = None) -> None:
    """Forget the cached token (the connector said 401: it may have been revoked)."""
    settings = settings or config.current()
    with _token_lock:
        _tokens.pop((settings.token_url, settings.app_id), None)


def _call(service_url: str, what: str, operation: Callable[[ApiClient], Awaitable[T]]) -> T:
    """Run one SDK call against `service_url` with the bot's token; failures as DeliveryError."""
    token = bot_token()

    async def run() -> T:
        http = HttpClient(ClientOptions(token=token, timeout=TIMEOUT_SECONDS))
        try:
            with warnings.catch_warnings():
                # ApiClient builds the SDK's deprecated BotClient itself; okrs never uses it.
                warnings.simplefilter("ignore", DeprecationWarning)
                api = ApiClient(service_url, http)
            return await operation(api)
        finally:
            await http.http.aclose()

    try:
        return async_to_sync(run)()
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 401:
            drop_token()
        raise http_error(exc.response.status_code, exc.response.headers, what=what) from exc
    except httpx.TransportError as exc:
        raise transport_error(exc, what=what) from exc


def card_activity(card: dict[str, Any], text: str) -> MessageActivityInput:
    """A message holding one Adaptive Card; `text` is what notifications and old clients show."""
    # `summary` (the Bot Framework's text for clients that cannot render cards, and Teams's
    # notification preview) is not a field of the SDK's input model; it keeps extra fields.
    activity = MessageActivityInput.model_validate({"type": "message", "summary": text[:200]})
    return activity.add_attachments(Attachment(content_type=ADAPTIVE_CARD, content=card))


def post_card(*, service_url: str, conversation_id: str, card: dict[str, Any], text: str) -> str:
    """Post a card into a conversation; the new activity's id."""
    activity = card_activity(card, text)

    async def create(api: ApiClient) -> str:
        sent = await api.conversations.create_activity(conversation_id, activity)
        return str(sent.id)

    return _call(service_url, "send", create)


def update_card(
    *, service_url: str, conversation_id: str, activity_id: str, card: dict[str, Any], text: str
) -> None:
    """Replace a posted card (PUT), e.g. when the card was answered outside an invoke."""
    activity = card_activity(card, text)

    async def update(api: ApiClient) -> None:
        await api.conversations.update_activity(conversation_id, activity_id, activity)

    _call(service_url, "update", update)


@dataclass(frozen=True)
class Member:
    id: str
    aad_object_id: str
    email: str
    name: str


def get_member(*, service_url: str, conversation_id: str, member_id: str) -> Member:
    """Who a member of a conversation is; email falls back to the user principal name."""

    async def fetch(api: ApiClient) -> Member:
        account = await api.conversations.get_member_by_id(conversation_id, member_id)
        extra = account.model_extra or {}
        email = account.email or account.user_principal_name or ""
        return Member(
            id=account.id,
            aad_object_id=account.aad_object_id or str(extra.get("objectId") or ""),
            email=email.strip(),
            name=account.name or "",
        )

    return _call(service_url, "members", fetch)
